import datetime

from django.core.management.base import BaseCommand, CommandError

from allocation.snapshots import caseloads_snapshot


class Command(BaseCommand):
    help = "Record today's caseload snapshot per caseworker and team (a re-run replaces the day's rows)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Record under this date (YYYY-MM-DD) instead of today.")

    def handle(self, *args, date: str | None = None, **options):
        try:
            day = datetime.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD.") from None
        result = caseloads_snapshot(day=day)
        self.stdout.write(
            self.style.SUCCESS(f"{result.date}: {result.caseworkers} caseworker row(s), {result.teams} team row(s).")
        )
