"""The citizen access log: every page and endpoint that shows a citizen's data calls this.

It writes in the request's own transaction (when there is one), so that an access is
never shown without being logged: if the log cannot be written, the response fails.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import AccessAction, CitizenAccess


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


def citizen_access_log(*, citizen_id: int):
    return CitizenAccess.objects.filter(citizen_id=citizen_id).select_related("user").order_by("-created_at", "-id")
