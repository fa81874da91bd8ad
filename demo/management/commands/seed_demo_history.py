from django.core.management.base import BaseCommand, CommandError

from demo.history import DemoMissing, seed_demo_history


class Command(BaseCommand):
    help = (
        "Add a year of history to the demo jobcenter (daily snapshots, closed cases with their "
        "meetings and journals, the Lærkevej demo trial). Run after seed_demo; does nothing when the history exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2017, help="Random seed (the history is reproducible).")

    def handle(self, *args, seed: int, **options):
        try:
            result = seed_demo_history(seed=seed)
        except DemoMissing:
            raise CommandError("No demo jobcenter: run `manage.py seed_demo` first.") from None
        if not result.created:
            self.stdout.write("The demo history exists already; nothing to do.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"History added: {result.snapshots} snapshot rows, {result.closed_cases} closed cases, "
                f"{result.trial_cases} trial enrolments, {result.meetings} meetings, "
                f"{result.journal_entries} journal entries."
            )
        )
