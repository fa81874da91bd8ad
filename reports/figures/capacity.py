"""Capacity planning (what-if): full-time caseworkers needed for everyone to be within cap,
in count (every case 1) and in load (each case weighs its complexity's weight; the policies'
weights, or the what-if's)."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from allocation.models import CaseloadSnapshot
from cases.models import Case, CaseStatus
from staff.models import (
    HUNDREDTHS,
    CaseloadPolicy,
    Caseworker,
    CaseworkerStatus,
    Complexity,
    Team,
    UnitType,
    from_hundredths,
    hundredths,
)

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
    # In load: the weights used (the policy's, or the what-if's), the open + queued cases
    # weighted by them (in cases; exact, from hundredths), and the FTE needed at the cap.
    weight_simple: float | None = None
    weight_complex: float | None = None
    weight_very_complex: float | None = None
    workload_load: float | None = None
    load_fte_needed: float | None = None
    load_fte_gap: float | None = None
    load_caseworkers_needed: int | None = None


def capacity_plan(
    *,
    scope: Scope,
    filters: ReportFilter,
    caps: dict[str, int] | None = None,
    cost_per_fte: int | None = None,
    today: datetime.date | None = None,
    weights: dict[str, Decimal] | None = None,
) -> list[CapacityRow]:
    """Per unit type: today's workload (open + queued) ÷ cases per full-time caseworker.

    `caps` replaces the policy cap of a unit type (the what-if); the growth is the net
    change in open cases over the last 90 days of snapshots, carried forward a year.
    `weights` (complexity → weight) replaces the policies' weights of those complexities
    for every unit type (the what-if in load); the load is the open and queued cases'
    weights summed, and the FTE needed in load is load ÷ cap.
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
    held, waiting = _cases_by_complexity(teams=teams, scope=scope, filters=filters)
    queued = {unit_type: sum(counts.values()) for unit_type, counts in waiting.items()}
    growth = _yearly_growth(teams, today)
    policies = policy_caps()
    policy_weights = _policy_weights()
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
        used = policy_weights.get(unit_type, dict.fromkeys(Complexity.values, Decimal(1))) | (weights or {})
        load = workload_in_load(held.get(unit_type, {}), used) + workload_in_load(waiting.get(unit_type, {}), used)
        load_needed = _fte_for_load(load, cap)
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
                weight_simple=float(used[Complexity.SIMPLE]),
                weight_complex=float(used[Complexity.COMPLEX]),
                weight_very_complex=float(used[Complexity.VERY_COMPLEX]),
                workload_load=float(from_hundredths(load)),
                load_fte_needed=load_needed,
                load_fte_gap=None if load_needed is None else round(load_needed - fte, 2),
                load_caseworkers_needed=-(-load // (cap * HUNDREDTHS)) if cap else None,
            )
        )
    return rows


def _fte_for(workload: int, cap: int | None) -> float | None:
    """Full-time caseworkers so that nobody exceeds `cap`, rounded up to hundredths (FTE's unit)."""
    if not cap:
        return None
    return math.ceil(workload * 100 / cap) / 100


def workload_in_load(counts: dict[str, int], weights: dict[str, Decimal]) -> int:
    """The load of `counts` (complexity → cases) at `weights`, in exact hundredths."""
    return sum(hundredths(weights[complexity]) * n for complexity, n in counts.items())


def _fte_for_load(load_hundredths: int, cap: int | None) -> float | None:
    """As `_fte_for`, in load: integer arithmetic on hundredths, rounded up to FTE's hundredths."""
    if not cap:
        return None
    return -(-load_hundredths * 100 // (cap * HUNDREDTHS)) / 100


def _policy_weights() -> dict[str, dict[str, Decimal]]:
    return {policy.role: policy.weights for policy in CaseloadPolicy.objects.filter(role__in=UnitType.values)}


def _cases_by_complexity(*, teams, scope: Scope, filters: ReportFilter) -> tuple[dict, dict]:
    """Open cases (by their caseworker's team's unit type, as the count) and queued cases (in
    the pools of the teams in scope, by programme), each unit type → complexity → cases: what
    the load is computed from. (The queued count is their sum.)"""
    held: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    waiting: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Case.objects.filter(status=CaseStatus.OPEN, caseworker__team__in=teams)
        .values("caseworker__team__unit_type", "complexity")
        .order_by()
        .annotate(n=Count("id"))
    )
    for r in rows:
        held[r["caseworker__team__unit_type"]][r["complexity"]] += r["n"]
    rows = (
        Case.objects.filter(queued_pools(scope=scope, filters=filters), status=CaseStatus.QUEUED)
        .values("programme", "complexity")
        .order_by()
        .annotate(n=Count("id"))
    )
    for r in rows:
        waiting[r["programme"]][r["complexity"]] += r["n"]
    return held, waiting


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
