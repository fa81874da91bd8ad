"""CSV downloads of report tables (the standard library's csv module; `;`-free, UTF-8 with BOM
so that Excel opens Danish letters correctly)."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.utils import timezone


def csv_response(*, name: str, table) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(table.csv_header)
    for row in table.csv_rows:
        writer.writerow([_cell(value) for value in row])
    return response


def _cell(value):
    """Empty for suppressed or missing; text that a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
