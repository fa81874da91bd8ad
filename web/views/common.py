"""What every page view shares: domain errors as messages, htmx-aware responses."""

from __future__ import annotations

from django.contrib import messages
from django.utils.translation import gettext as _

from allocation.errors import AllocationError, CapacityExceeded, CaseNotOpen, DuplicateOpenCase, NotEligible


def allocation_error_message(error: AllocationError) -> str:
    """A translated sentence for a domain error; the error's own text is English for the API."""
    if isinstance(error, CapacityExceeded):
        return _("The caseworker is at their cap. Choose someone with room, or rebalance the team.")
    if isinstance(error, NotEligible):
        return _(
            "That caseworker cannot take this case: they are on leave, not accepting new cases, "
            "already hold it, or work in another unit."
        )
    if isinstance(error, CaseNotOpen):
        return _("The case is closed, so it cannot be changed.")
    if isinstance(error, DuplicateOpenCase):
        return _("This citizen already has a case that is not closed.")
    return _("The change could not be made because the caseloads changed. Please try again.")


def report_allocation_error(request, error: AllocationError) -> None:
    messages.error(request, allocation_error_message(error))


def is_htmx(request) -> bool:
    """An htmx request for a fragment (not a history restore, which wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request
