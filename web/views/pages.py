"""Pages for everyone, logged in or not: the accessibility statement."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

# The day the statement's text was last written or reviewed: change it with the text.
ACCESSIBILITY_STATEMENT_DATE = datetime.date(2026, 12, 2)


@require_GET
def accessibility(request):
    """The accessibility statement (tilgængelighedserklæring) that webtilgængelighedsloven requires."""
    return render(
        request,
        "web/accessibility.html",
        {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL, "statement_date": ACCESSIBILITY_STATEMENT_DATE},
    )
