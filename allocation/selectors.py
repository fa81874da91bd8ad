"""Reads of allocation's own records for the layers above; who may see them is the access
layer's question (`access.scopes`), asked before these run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, OuterRef, QuerySet, Subquery

from cases.models import Case

from .models import AssignmentReason, CaseAssignment


def assignments_of_case(*, case: Case) -> QuerySet[CaseAssignment]:
    return case.assignments.select_related("caseworker", "by").order_by("assigned_at", "id")


def with_case_team(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`current_team_id`: the team of the current (once closed: the last) caseworker, in SQL."""
    return cases.annotate(current_team_id=F("caseworker__team_id"))


@dataclass(frozen=True)
class Handover:
    """How a case came to its current holder: from whom (None when nobody had it before) and
    why (the reason of the current assignment, and the note given with it)."""

    previous_holder: str | None
    reason: str
    reason_label: str
    note: str


def handovers_of_cases(*, case_ids: Iterable[int]) -> dict[int, Handover]:
    """For each case among `case_ids` that someone holds now: its handover, in one query.

    The previous holder is the caseworker of the latest ended assignment of the case; the
    caller has decided that the user may see these cases (and so their history)."""
    ids = sorted({int(i) for i in case_ids})
    if not ids:
        return {}
    previous = (
        CaseAssignment.objects.filter(case_id=OuterRef("case_id"), ended_at__isnull=False)
        .order_by("-assigned_at", "-id")
        .values("caseworker__full_name")[:1]
    )
    rows = (
        CaseAssignment.objects.filter(case_id__in=ids, ended_at__isnull=True)
        .annotate(previous_holder=Subquery(previous))
        .values_list("case_id", "previous_holder", "reason", "note")
        .order_by()
    )
    labels = dict(AssignmentReason.choices)
    return {
        case_id: Handover(
            previous_holder=holder, reason=reason, reason_label=str(labels.get(reason, reason)), note=note
        )
        for case_id, holder, reason, note in rows
    }
