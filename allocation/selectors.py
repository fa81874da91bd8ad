"""Reads of allocation's own records for the layers above; who may see them is the access
layer's question (`access.scopes`), asked before these run."""

from __future__ import annotations

from django.db.models import F, QuerySet

from cases.models import Case

from .models import CaseAssignment


def assignments_of_case(*, case: Case) -> QuerySet[CaseAssignment]:
    return case.assignments.select_related("caseworker", "by").order_by("assigned_at", "id")


def with_case_team(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`current_team_id`: the team of the current (once closed: the last) caseworker, in SQL."""
    return cases.annotate(current_team_id=F("caseworker__team_id"))
