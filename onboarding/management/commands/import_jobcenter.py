"""python manage.py import_jobcenter FILE KIND [--commit] [--as USERNAME]

A dry run unless --commit: prints what would be created, changed and refused, row by row
(refused rows and notes only), with the reasons in the active language.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError

from ... import services
from ...models import ImportKind, ImportStatus
from ...reasons import ACTIONS, worded


class Command(BaseCommand):
    help = "Import an organisation, caseloads or meetings from CSV or Excel (a dry run unless --commit)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("--dry-run", action="store_true", help="The default: show, write nothing.")
        parser.add_argument("--commit", action="store_true", help="Write; without it nothing is written.")
        parser.add_argument("--as", dest="username", required=True, help="The administrator the import is by.")
        parser.add_argument("--quiet-rows", action="store_true", help="Print the counts only.")

    def handle(self, *args, file, kind, commit, username, quiet_rows, **options):
        by = get_user_model().objects.filter(username=username, is_superuser=True).first()
        if by is None:
            raise CommandError(f"No administrator named {username}.")
        path = Path(file)
        try:
            run = services.import_run_create(kind=kind, file_name=path.name, content=path.read_bytes(), by=by)
        except (OSError, ApplicationError) as error:
            raise CommandError(str(error)) from None
        run = services.import_run_plan(run=run)
        if commit and run.status == ImportStatus.PLANNED:
            run = services.import_run_confirm(run=run, by=by)
            run = services.import_run_commit(run=run)
        if not quiet_rows:
            for entry in run.report:
                texts = worded(entry["reasons"]) + worded(entry["notes"])
                self.stdout.write(f"{entry['row']}\t{ACTIONS[entry['action']]}\t{entry['subject']}\t{' '.join(texts)}")
        counts = ", ".join(f"{ACTIONS[action]}: {n}" for action, n in run.counts.items())
        self.stdout.write(("Imported. " if commit else "Dry run, nothing written. ") + counts)
