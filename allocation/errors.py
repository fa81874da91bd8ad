"""Allocation's application errors: conflicts with the state of the caseloads (409)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class AllocationError(ApplicationError):
    code = "conflict"
    default_message = _("The change could not be made because the caseloads changed. Please try again.")


class CapacityExceeded(AllocationError):
    code = "at_cap"
    default_message = _("%(name)s is at their cap (%(open_cases)s of %(cap)s).")


class NotEligible(AllocationError):
    code = "not_eligible"
    default_message = _("That caseworker cannot take this case.")


class CaseNotOpen(AllocationError):
    code = "case_closed"
    default_message = _("The case is closed, so it cannot be changed.")


class DuplicateOpenCase(AllocationError):
    code = "duplicate_open_case"
    default_message = _("This citizen already has a case that is not closed.")
