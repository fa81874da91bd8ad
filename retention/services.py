"""The review of a deletion list: approve (each item in its own transaction), hold with a
reason, release. The proposal is `proposal.deletion_list_propose`."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .deletion import Outcome, item_execute
from .errors import HoldNeedsReason, ItemNotPending
from .models import PENDING, DeletionItem, DeletionList, ItemStatus, RecordKind

EXECUTION_ORDER = [RecordKind.CLOSED_CASE, RecordKind.ACCESS_LOG, RecordKind.CITIZEN]


@dataclass(frozen=True)
class Approval:
    deleted: int
    no_longer_due: int
    blocked: int


def deletion_items_approve(*, item_ids: Iterable[int], by, now: datetime.datetime | None = None) -> Approval:
    """Delete what the proposed items name, one transaction per item (a failure keeps the
    items done before it, and leaves its own as it was); held items are left alone.

    Cases first, then access logs, then citizens: each record is counted under its own
    rule, and a citizen's deletion finds only what no other rule has taken already."""
    now = now or timezone.now()
    kinds = dict(DeletionItem.objects.filter(pk__in=set(item_ids)).values_list("pk", "kind"))
    ordered = sorted(kinds, key=lambda pk: (EXECUTION_ORDER.index(kinds[pk]), pk))
    outcomes = Counter(item_execute(item_id=pk, by=by, now=now) for pk in ordered)
    return Approval(outcomes[Outcome.DELETED], outcomes[Outcome.NO_LONGER_DUE], outcomes[Outcome.BLOCKED])


def deletion_list_approve(*, deletion_list: DeletionList, by, now: datetime.datetime | None = None) -> Approval:
    proposed = deletion_list.items.filter(status=ItemStatus.PROPOSED).values_list("pk", flat=True)
    return deletion_items_approve(item_ids=list(proposed), by=by, now=now)


def deletion_item_hold(*, item: DeletionItem, reason: str, by, now: datetime.datetime | None = None) -> DeletionItem:
    reason = (reason or "").strip()
    if not reason:
        raise HoldNeedsReason()
    with transaction.atomic():
        item = _pending(item)
        item.status, item.held_reason = ItemStatus.HELD, reason[:500]
        item.decided_by, item.decided_at = by, now or timezone.now()
        item.save(update_fields=["status", "held_reason", "decided_by", "decided_at"])
    return item


def deletion_item_release(*, item: DeletionItem, by, now: datetime.datetime | None = None) -> DeletionItem:
    """Back to proposed: the next approval of its list deletes it."""
    with transaction.atomic():
        item = _pending(item)
        item.status, item.held_reason = ItemStatus.PROPOSED, ""
        item.decided_by, item.decided_at = by, now or timezone.now()
        item.save(update_fields=["status", "held_reason", "decided_by", "decided_at"])
    return item


def _pending(item: DeletionItem) -> DeletionItem:
    locked = DeletionItem.objects.select_for_update().get(pk=item.pk)
    if locked.status not in PENDING:
        raise ItemNotPending(item=str(locked), status=locked.get_status_display())
    return locked
