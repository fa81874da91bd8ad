"""Cases' application errors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class CitizenExists(ApplicationError):
    code = "citizen_exists"
    field = "cpr"
    default_message = _("A citizen with this CPR number is already registered.")


class CprNotRegistrable(ApplicationError):
    """The number cannot be registered by this user, said without saying why: whether the
    person is registered in another jobcentre, or in this one out of the user's sight, or
    where, is not for a user who may not see them (docs/domain.md, "Registering a citizen")."""

    code = "cpr_not_registrable"
    field = "cpr"
    default_message = _("This CPR number cannot be registered here. An administrator can help.")


class CprUnchanged(ApplicationError):
    code = "cpr_unchanged"
    field = "cpr"
    default_message = _("This is the citizen's current CPR number already.")
