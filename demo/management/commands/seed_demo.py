from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.casework import demo_day_ensure
from demo.seed import BULK_FROM_SCALE, DemoLogin, demo_logins_status, seed_demo
from demo.structure import DEMO_CASEWORKER
from staff.models import Jobcenter


class Command(BaseCommand):
    help = (
        "Build the demo jobcenter (Jobcenter København) once: teams, caseworkers, citizens, cases, "
        "meetings and journals. "
        "Demo logins only with DEBUG on or --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=int, default=1, help=f"Multiply the size (bulk writes from {BULK_FROM_SCALE})."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Seed nothing when any jobcenter exists (with demo logins, only top up the demo "
            "caseworker's meetings today to four).",
        )
        parser.add_argument("--force", action="store_true", help="Create the demo logins even with DEBUG off.")
        parser.add_argument("--seed", type=int, default=2018, help="Seed of the random generator (reproducible data).")

    def handle(self, *args, scale: int, if_empty: bool, force: bool, seed: int, verbosity: int = 1, **options):
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        logins = settings.DEBUG or force
        if if_empty and Jobcenter.objects.exists():
            self.stdout.write("The database already holds a jobcenter; nothing seeded.")
            if logins:
                self._print_booked_today(demo_day_ensure())
                self._print_logins(demo_logins_status())
            return
        result = seed_demo(scale=scale, seed=seed, logins=logins, progress=verbosity >= 1)
        counts = result.counts
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Seeded Jobcenter København in {result.seconds:.1f} s."))
        else:
            self.stdout.write("Jobcenter København already exists; nothing added.")
        self.stdout.write(
            f"  {counts['teams']} teams, {counts['caseworkers']} caseworkers ({counts['on_leave']} on leave), "
            f"{counts['citizens']} citizens\n"
            f"  cases: {counts['open']} open, {counts['queued']} queued, {counts['closed']} closed\n"
            f"  caseworkers at cap: {counts['at_cap']}, over cap: {counts['over_cap']}\n"
            f"  meetings: {counts['meetings']} ({counts['planned']} planned), journal entries: "
            f"{counts['journal_entries']}, open cases overdue for contact: {counts['contacts_overdue']}"
        )
        self._print_booked_today(result.booked_today)
        if logins:
            self._print_logins(result.logins)
        else:
            self.stdout.write("No demo logins: DEBUG is off (--force creates them anyway).")

    def _print_booked_today(self, booked: int) -> None:
        if booked:
            self.stdout.write(f"  booked {booked} meetings today for the demo caseworker ({DEMO_CASEWORKER}).")

    def _print_logins(self, logins: list[DemoLogin]) -> None:
        if not logins:
            return
        self.stdout.write("\nDemo logins (at /accounts/login/ on the address the server prints):")
        rows = [("role", "username", "password", ""), *((x.role, x.username, x.password, x.note) for x in logins)]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for role, username, password, note in rows:
            line = f"  {role:<{widths[0]}}  {username:<{widths[1]}}  {password:<{widths[2]}}  {note}"
            self.stdout.write(line.rstrip())
