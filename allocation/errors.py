"""Domain errors of allocation; the API maps every one of them to 409 with `detail`."""

from __future__ import annotations


class AllocationError(Exception):
    code = "conflict"

    def __init__(self, message: str, **data):
        super().__init__(message)
        self.message = message
        self.data = data


class CapacityExceeded(AllocationError):
    code = "at_cap"


class NotEligible(AllocationError):
    code = "not_eligible"


class CaseNotOpen(AllocationError):
    code = "case_closed"


class DuplicateOpenCase(AllocationError):
    code = "duplicate_open_case"
