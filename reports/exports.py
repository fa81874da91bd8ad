"""Downloads of report tables: CSV (the standard library's csv module; UTF-8 with BOM so
that Excel opens Danish letters correctly; stable column names for machines) and Excel
(XlsxWriter; the page's own column titles, real numbers and percentages, for people)."""

from __future__ import annotations

import csv
import io
import re

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def xlsx_response(*, name: str, table) -> HttpResponse:
    """One sheet: a bold header of the column titles, then the rows. Text is always
    written as text (never as a formula), suppressed cells stay empty, shares are
    per cent."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(_sheet_name(table.title))
    formats = {
        "header": workbook.add_format({"bold": True, "bottom": 1}),
        "int": workbook.add_format({"num_format": "#,##0"}),
        "float": workbook.add_format({"num_format": "0.0"}),
        "float2": workbook.add_format({"num_format": "0.00"}),
        "float3": workbook.add_format({"num_format": "0.000"}),
        "share": workbook.add_format({"num_format": "0.0%"}),
    }
    for col, column in enumerate(table.columns):
        sheet.write_string(0, col, str(column.label), formats["header"])
        sheet.set_column(col, col, max(10, min(40, len(str(column.label)) + 2)))
    for row_no, row in enumerate(table.rows, start=1):
        for col, (value, column) in enumerate(zip(row, table.columns, strict=True)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                sheet.write_string(row_no, col, str(value))
            else:
                sheet.write_number(row_no, col, value, formats.get(column.kind))
    sheet.freeze_panes(1, 0)
    workbook.close()
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    return response


def _sheet_name(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    return re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31].strip() or "Sheet1"
