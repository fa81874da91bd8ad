"""The citizen access log: every page and endpoint that shows a citizen's data calls this.

The record is written before the data leaves the server, in the request's transaction
when there is one: if the log cannot be written, the request fails and nothing is shown.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import AccessAction, Citizen, CitizenAccess

PURPOSE_MAX_LENGTH = CitizenAccess._meta.get_field("purpose").max_length


def citizen_access_record(
    *, user, citizen_ids: Iterable[int], action: str = AccessAction.VIEW, route: str, purpose: str = ""
) -> int:
    ids = sorted({int(i) for i in citizen_ids if i is not None})
    if not ids or not getattr(user, "is_authenticated", False):
        return 0
    CitizenAccess.objects.bulk_create(
        CitizenAccess(user_id=user.pk, citizen_id=i, action=action, route=route[:200], purpose=purpose[:500])
        for i in ids
    )
    return len(ids)


def citizen_cpr_reveal(*, user, citizen: Citizen, purpose: str, route: str) -> str:
    """The full CPR number, for a user who may see the citizen (the caller's scoped lookup
    decided that) and who says why: the reveal and its purpose are logged first."""
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": [_("Say why you need the full CPR number.")]}, code="required")
    if len(purpose) > PURPOSE_MAX_LENGTH:
        raise ValidationError(
            {"purpose": [_("At most %(max)d characters.") % {"max": PURPOSE_MAX_LENGTH}]}, code="max_length"
        )
    citizen_access_record(user=user, citizen_ids=[citizen.pk], action=AccessAction.REVEAL, route=route, purpose=purpose)
    return citizen.cpr


def citizen_access_log(*, citizen_id: int) -> QuerySet[CitizenAccess]:
    """Who looked at this citizen, newest first (GDPR art. 15)."""
    return CitizenAccess.objects.filter(citizen_id=citizen_id).select_related("user").order_by("-created_at", "-id")
