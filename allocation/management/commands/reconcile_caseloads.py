from django.core.management.base import BaseCommand

from allocation.reconcile import caseload_reconcile


class Command(BaseCommand):
    help = "Compare every caseworker's open-case counter and load with their open cases; --fix repairs drift."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Repair the counters that drifted.")

    def handle(self, *args, fix: bool = False, **options):
        drift = caseload_reconcile(fix=fix)
        for d in drift:
            self.stdout.write(d.describe())
        verb = "repaired" if fix else "found"
        self.stdout.write(self.style.SUCCESS(f"{len(drift)} drifted counter(s) {verb}."))
        if drift and not fix:
            raise SystemExit(1)
