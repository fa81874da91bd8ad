"""python manage.py export_jobcenter MUNICIPALITY_CODE KIND OUTPUT [--with-cpr] --as USERNAME

The file has the columns the import reads. CPR numbers are masked unless --with-cpr,
which writes an access-log row (exported) for every citizen in the file.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from staff.models import Jobcenter

from ... import exports, files
from ...models import ImportKind


class Command(BaseCommand):
    help = "Export a jobcenter's organisation, caseloads or meetings to CSV or Excel, as the import reads them."

    def add_arguments(self, parser):
        parser.add_argument("municipality_code")
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("output", help="A .csv or .xlsx file name.")
        parser.add_argument("--with-cpr", action="store_true", help="Full CPR numbers (access-logged per citizen).")
        parser.add_argument("--as", dest="username", required=True, help="The administrator the export is by.")

    def handle(self, *args, municipality_code, kind, output, with_cpr, username, **options):
        by = get_user_model().objects.filter(username=username, is_superuser=True).first()
        if by is None:
            raise CommandError(f"No administrator named {username}.")
        jobcenter = Jobcenter.objects.filter(municipality_code=municipality_code).first()
        if jobcenter is None:
            raise CommandError(f"No jobcenter has the municipality code {municipality_code}.")
        path = Path(output)
        try:
            file_format = files.file_format(path.name)
        except ApplicationError as error:
            raise CommandError(str(error)) from None
        content = exports.jobcenter_export(
            jobcenter=jobcenter, kind=kind, file_format=file_format, by=by, with_cpr=with_cpr
        )
        path.write_bytes(content)
        self.stdout.write(f"Wrote {path}.")
