from django.core.management.base import BaseCommand

from allocation.services import caseloads_check_run


class Command(BaseCommand):
    help = (
        "Run the caseload check now, as the periodic Celery task does: sweep the queue, open and "
        "resolve alerts, e-mail the leaders about new ones."
    )

    def handle(self, *args, **options):
        result = caseloads_check_run()
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.opened} alert(s) opened, {result.resolved} resolved, {result.open} open; "
                f"{result.drained} queued case(s) placed; {result.notified} e-mail(s) sent."
            )
        )
