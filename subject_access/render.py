"""The two renderings of one copy: JSON for machines, a PDF (WeasyPrint) for the citizen.

Both take the dict `selectors.citizen_copy` built; neither reads the database. The PDF is
written in Danish whatever the administrator's language, because it is the citizen's.
"""

from __future__ import annotations

import json

from django.template.loader import render_to_string
from django.utils import translation

COPY_LANGUAGE = "da"


def copy_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def copy_html(data: dict) -> str:
    with translation.override(COPY_LANGUAGE):
        return render_to_string("subject_access/copy.html", {"copy": data, "language": COPY_LANGUAGE})


def copy_pdf(data: dict) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only this rendering needs.
    from weasyprint import HTML

    return HTML(string=copy_html(data)).write_pdf()
