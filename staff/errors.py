"""Staff's application errors: rules about jobcenters, teams, caseworkers and policies."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class StaffError(ApplicationError):
    code = "staff_rule"


class NotEditable(StaffError):
    code = "not_editable"
    default_message = _("Not editable: %(fields)s.")


class StillInUse(StaffError):
    """A delete refused because other records depend on the row."""

    code = "protected"


class TeamKeepsItsPool(StaffError):
    code = "team_keeps_pool"
    default_message = _("A team with caseworkers keeps its unit type and jobcenter; move them first.")


class InvalidStaffInput(StaffError):
    """Input a form would have refused, refused by the service for every interface alike."""

    code = "invalid"

    def __init__(self, field: str, message, /, **data):
        super().__init__(message, **data)
        self.field = field
