"""Capacity planning (what-if): full-time caseworkers needed for everyone to be within cap."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from allocation.models import CaseloadSnapshot
from cases.models import Case, CaseStatus
from staff.models import Caseworker, CaseworkerStatus, Team, UnitType

from ..scope import ReportFilter, Scope
from .caseloads import policy_caps, queued_pools
from .common import team_condition

TREND_DAYS = 90


@dataclass(frozen=True)
class CapacityRow:
    unit_type: str
    label: str
    open_cases: int
    queued: int
    workload: int
    caseworkers: int
    fte: float
    policy_cap: int | None
    cap: int | None
    fte_needed: float | None
    fte_gap: float | None
    net_growth_per_year: int
    fte_needed_in_a_year: float | None
    yearly_cost_of_gap: int | None


def capacity_plan(
    *,
    scope: Scope,
    filters: ReportFilter,
    caps: dict[str, int] | None = None,
    cost_per_fte: int | None = None,
    today: datetime.date | None = None,
) -> list[CapacityRow]:
    """Per unit type: today's workload (open + queued) ÷ cases per full-time caseworker.

    `caps` replaces the policy cap of a unit type (the what-if); the growth is the net
    change in open cases over the last 90 days of snapshots, carried forward a year.
    """
    today = today or timezone.localdate()
    teams = Team.objects.filter(team_condition(scope=scope, filters=filters, prefix=""))
    staff = (
        Caseworker.objects.filter(team__in=teams)
        .values("team__unit_type")
        .order_by()
        .annotate(
            open=Sum("open_cases"),
            people=Count("id", filter=Q(status=CaseworkerStatus.ACTIVE)),
            fte=Sum("fte", filter=Q(status=CaseworkerStatus.ACTIVE)),
        )
    )
    by_type = {r["team__unit_type"]: r for r in staff}
    queued = _queued_by_unit_type(scope=scope, filters=filters)
    growth = _yearly_growth(teams, today)
    policies = policy_caps()
    rows = []
    for unit_type, label in UnitType.choices:
        if unit_type not in by_type and not queued.get(unit_type):
            continue
        figures = by_type.get(unit_type, {})
        open_cases, fte = figures.get("open") or 0, float(figures.get("fte") or Decimal(0))
        workload = open_cases + queued.get(unit_type, 0)
        cap = (caps or {}).get(unit_type) or policies.get(unit_type)
        needed = _fte_for(workload, cap)
        in_a_year = _fte_for(max(workload + growth.get(unit_type, 0), 0), cap)
        gap = None if needed is None else round(needed - fte, 2)
        rows.append(
            CapacityRow(
                unit_type=unit_type,
                label=str(label),
                open_cases=open_cases,
                queued=queued.get(unit_type, 0),
                workload=workload,
                caseworkers=figures.get("people") or 0,
                fte=round(fte, 2),
                policy_cap=policies.get(unit_type),
                cap=cap,
                fte_needed=needed,
                fte_gap=gap,
                net_growth_per_year=growth.get(unit_type, 0),
                fte_needed_in_a_year=in_a_year,
                yearly_cost_of_gap=round(max(gap, 0) * cost_per_fte) if cost_per_fte and gap is not None else None,
            )
        )
    return rows


def _fte_for(workload: int, cap: int | None) -> float | None:
    """Full-time caseworkers so that nobody exceeds `cap`, rounded up to hundredths (FTE's unit)."""
    if not cap:
        return None
    return math.ceil(workload * 100 / cap) / 100


def _queued_by_unit_type(*, scope: Scope, filters: ReportFilter) -> dict[str, int]:
    rows = (
        Case.objects.filter(queued_pools(scope=scope, filters=filters), status=CaseStatus.QUEUED)
        .values("programme")
        .order_by()
        .annotate(n=Count("id"))
    )
    return {r["programme"]: r["n"] for r in rows}


def _yearly_growth(teams, today: datetime.date) -> dict[str, int]:
    """Net change of open cases per unit type between the snapshots 90 days apart, × 365/90."""
    dates = CaseloadSnapshot.objects.filter(caseworker__isnull=True, team__in=teams, date__lte=today)
    latest = dates.order_by("-date").values_list("date", flat=True).first()
    if latest is None:
        return {}
    earlier = dates.filter(date__lte=latest - datetime.timedelta(days=TREND_DAYS)).order_by("-date")
    earliest = earlier.values_list("date", flat=True).first()
    if earliest is None:
        return {}
    rows = (
        CaseloadSnapshot.objects.filter(caseworker__isnull=True, team__in=teams, date__in=[earliest, latest])
        .values("team__unit_type", "date")
        .order_by()
        .annotate(open=Sum("open_cases"))
    )
    totals = {(r["team__unit_type"], r["date"]): r["open"] for r in rows}
    span = (latest - earliest).days
    return {
        unit_type: round((totals.get((unit_type, latest), 0) - totals.get((unit_type, earliest), 0)) * 365 / span)
        for unit_type in {key[0] for key in totals}
    }
