"""Cases' application errors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class CitizenExists(ApplicationError):
    code = "citizen_exists"
    field = "cpr"
    default_message = _("A citizen with this CPR number is already registered.")
