"""The citizen access log: every page and endpoint that shows a citizen's data calls this.

The record is written before the data leaves the server, in the request's transaction
when there is one: if the log cannot be written, the request fails and nothing is shown.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AccessAction, Citizen, CitizenAccess

PURPOSE_MAX_LENGTH = CitizenAccess._meta.get_field("purpose").max_length


def citizen_access_record(
    *, user, citizen_ids: Iterable[int], action: str = AccessAction.VIEW, route: str, purpose: str = ""
) -> int:
    ids = sorted({int(i) for i in citizen_ids if i is not None})
    if not ids or not getattr(user, "is_authenticated", False):
        return 0
    _insert(ids, (user.pk, action, route[:200], purpose[:500], timezone.now()))
    return len(ids)


def _insert(ids: list[int], row: tuple) -> None:
    """One CitizenAccess row per id, the rest of each row `row`."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement of one shape whatever the number of citizens: every page that
            # lists citizens writes it, and bulk_create costs more than the list it records.
            cursor.execute(_INSERT_MANY, [ids, *row])
        else:
            cursor.executemany(_INSERT_ONE, [(i, *row) for i in ids])


# The table of CitizenAccess (checked by cases/tests/test_access_log_sql.py).
_INSERT_MANY = (
    "INSERT INTO cases_citizenaccess (citizen_id, user_id, action, route, purpose, created_at)"
    " SELECT unnest(%s::bigint[]), %s, %s, %s, %s, %s"
)
_INSERT_ONE = (
    "INSERT INTO cases_citizenaccess (citizen_id, user_id, action, route, purpose, created_at)"
    " VALUES (%s, %s, %s, %s, %s, %s)"
)


# Characters that show nothing on their own: controls, format characters (zero-width space,
# joiners, direction marks, the soft hyphen), separators of every width (NBSP, ideographic
# space), unassigned and private code points, combining marks without a base, and the few
# letters that render blank (the Hangul fillers, the braille blank).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me", "Mc"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _shows_something(character: str) -> bool:
    return unicodedata.category(character) not in _INVISIBLE_CATEGORIES and character not in _BLANK_LETTERS


def reveal_purpose_clean(purpose: str) -> str:
    """The purpose of a reveal as it is recorded, or ValidationError: a reader of the access
    log must find a reason there, so a purpose of invisible characters only is no purpose.
    Controls and format characters are dropped, the rest is kept as written. Every way in (the
    API's serializer, the case page's form, the service) validates with this one function."""
    kept = "".join(c for c in purpose or "" if unicodedata.category(c) not in {"Cc", "Cf"} or c in "\t\n")
    kept = kept.strip()
    if not any(_shows_something(c) for c in kept):
        raise ValidationError(_("Say why you need the full CPR number."), code="required")
    if len(kept) > PURPOSE_MAX_LENGTH:
        raise ValidationError(_("At most %(max)d characters.") % {"max": PURPOSE_MAX_LENGTH}, code="max_length")
    return kept


def citizen_cpr_reveal(*, user, citizen: Citizen, purpose: str, route: str) -> str:
    """The full CPR number, for a user who may see the citizen (the caller's scoped lookup
    decided that) and who says why: the reveal and its purpose are logged first."""
    try:
        purpose = reveal_purpose_clean(purpose)
    except ValidationError as error:
        raise ValidationError({"purpose": error.messages}, code=error.code) from None
    citizen_access_record(user=user, citizen_ids=[citizen.pk], action=AccessAction.REVEAL, route=route, purpose=purpose)
    return citizen.cpr


def citizen_access_log(*, citizen_id: int) -> QuerySet[CitizenAccess]:
    """Who looked at this citizen, newest first (GDPR art. 15)."""
    return CitizenAccess.objects.filter(citizen_id=citizen_id).select_related("user").order_by("-created_at", "-id")
