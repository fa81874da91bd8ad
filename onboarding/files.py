"""Reading and writing the files of an import or export: CSV and Excel (xlsx).

django-import-export's formats do the parsing (tablib underneath); rows come out as dicts
keyed by the column names in lower case, every value a stripped string.
"""

from __future__ import annotations

import tablib
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from .errors import UnreadableFile

FORMATS = {"csv": base_formats.CSV, "xlsx": base_formats.XLSX}


def file_format(file_name: str) -> str:
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in FORMATS:
        raise UnreadableFile(_("Upload a CSV or an Excel (.xlsx) file."))
    return extension


def read_rows(*, content: bytes, file_name: str) -> list[dict[str, str]]:
    fmt = FORMATS[file_format(file_name)]()
    try:
        if fmt.is_binary():
            dataset = fmt.create_dataset(content)
        else:
            dataset = fmt.create_dataset(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UnreadableFile(_("The CSV file is not UTF-8 text.")) from None
    except Exception:  # openpyxl and csv raise many kinds; none of them may become a 500
        raise UnreadableFile(_("The file could not be read as %(format)s.") % {"format": file_name}) from None
    headers = [str(h or "").strip().lower() for h in (dataset.headers or [])]
    return [
        {header: _cell(value) for header, value in zip(headers, row, strict=False) if header}
        for row in dataset
        if any(_cell(value) for value in row)
    ]


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def write_rows(*, headers: list[str], rows: list[list], file_format_name: str) -> bytes:
    dataset = tablib.Dataset(*rows, headers=headers)
    exported = FORMATS[file_format_name]().export_data(dataset)
    return exported if isinstance(exported, bytes) else exported.encode("utf-8")
