"""The daily proposal: every record the rules make due, on a new deletion list, once.

Safe to run twice or concurrently: an object with a pending item (proposed or held) is left
out, and the partial unique constraint `deletion_item_one_pending` with insert-ignore makes
that hold even when two runs race. A run that finds nothing new leaves no empty list behind.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from . import due
from .models import PENDING, DeletionItem, DeletionList, RecordKind, RetentionRule


@dataclass(frozen=True)
class Candidate:
    kind: str
    object_id: int
    due_since: datetime.date


def rules_set() -> dict[str, int]:
    """The kinds whose rule an administrator has set, with their years."""
    return dict(RetentionRule.objects.filter(years__isnull=False).values_list("kind", "years"))


def candidates(*, kind: str, years: int, now: datetime.datetime) -> list[Candidate]:
    if kind == RecordKind.CLOSED_CASE:
        rows = due.closed_cases_due(years=years, now=now).order_by("pk").values_list("pk", "closed_at")
    elif kind == RecordKind.CITIZEN:
        rows = due.citizens_due(years=years, now=now).values_list("pk", "last_activity")
    else:
        rows = (
            due.access_rows_due(years=years, now=now)
            .values("citizen_id")
            .order_by("citizen_id")
            .annotate(oldest=Min("created_at"))
            .values_list("citizen_id", "oldest")
        )
    return [Candidate(kind, pk, due.years_after(due.local_day(since), years)) for pk, since in rows]


def deletion_list_propose(*, now: datetime.datetime | None = None) -> DeletionList | None:
    """A new list of what is due and not yet pending; None when there is nothing new."""
    now = now or timezone.now()
    rules = rules_set()
    found = [c for kind, years in sorted(rules.items()) for c in candidates(kind=kind, years=years, now=now)]
    pending = set(DeletionItem.objects.filter(status__in=PENDING).values_list("kind", "object_id"))
    new = [c for c in found if (c.kind, c.object_id) not in pending]
    if not new:
        return None
    with transaction.atomic():
        deletion_list = DeletionList.objects.create()
        DeletionItem.objects.bulk_create(
            [
                DeletionItem(
                    deletion_list=deletion_list,
                    kind=c.kind,
                    object_id=c.object_id,
                    due_since=c.due_since,
                    rule_years=rules[c.kind],
                )
                for c in new
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        if not deletion_list.items.exists():
            deletion_list.delete()  # a concurrent run proposed them all first
            return None
    return deletion_list
