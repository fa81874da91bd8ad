"""What every page view shares: application errors as messages, htmx-aware responses."""

from __future__ import annotations

from django.contrib import messages

from core.errors import ApplicationError


def report_error(request, error: ApplicationError) -> None:
    """The pages' one translation of an application error: its message, in the user's language."""
    messages.error(request, error.text)


def is_htmx(request) -> bool:
    """An htmx request for a fragment (not a history restore, which wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request
