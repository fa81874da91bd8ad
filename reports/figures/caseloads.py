"""Caseloads over time, from the daily snapshots: cases per full-time caseworker, in count
and in load (what the cases weigh, staff.models.HUNDREDTHS). Without weights the two agree;
history recorded before weights reads as count × 100 (the snapshot migration's backfill)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db.models import Avg, Count, F, FloatField, Max, Min, Q
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from allocation.models import AssignmentReason, CaseAssignment, CaseloadSnapshot
from cases.models import Case, CaseStatus
from staff.models import HUNDREDTHS, CaseloadPolicy, Jobcenter, Team, UnitType

from ..dbfunctions import HoursBetween, PercentilesCont, has_percentile, roomy_sorts
from ..scope import ReportFilter, Scope
from ..statistics import suppress, weighted_percentile
from .common import case_pool_condition, period_bounds, sample_dates, team_condition

GROUP_FIELDS = {"unit_type": "team__unit_type", "team": "team_id", "jobcenter": "team__jobcenter_id"}


@dataclass(frozen=True)
class CaseloadPoint:
    date: datetime.date
    group: str
    label: str
    caseworkers: int
    median_per_fte: float | None
    p90_per_fte: float | None
    over_cap_share: float | None
    queued: int | None
    # The same figures in load (weighted cases) per FTE; over cap is load > cap.
    median_load_per_fte: float | None = None
    p90_load_per_fte: float | None = None
    over_cap_share_by_load: float | None = None


def caseload_trend(*, scope: Scope, filters: ReportFilter, group_by: str = "unit_type") -> list[CaseloadPoint]:
    field = GROUP_FIELDS[group_by]
    scoped = CaseloadSnapshot.objects.filter(team_condition(scope=scope, filters=filters, prefix="team"))
    # Count back from the last day recorded, not from today: tonight's snapshot is not taken yet.
    latest = scoped.filter(date__gte=filters.date_from, date__lte=filters.date_to).aggregate(last=Max("date"))["last"]
    if latest is None:
        return []
    dates = sample_dates(replace(filters, date_to=latest))
    base = scoped.filter(date__in=dates)
    per_worker = base.filter(caseworker__isnull=False, fte__gt=0)
    with roomy_sorts():
        in_db = has_percentile()
        figures = _percentiles_in_db(per_worker, field) if in_db else _percentiles_from_histogram(per_worker, field)
    queued = _queued(base.filter(caseworker__isnull=True), field)
    labels = group_labels(group_by)
    points = []
    for (day, key), (count, median, p90, over, load_median, load_p90, load_over) in sorted(
        figures.items(), key=lambda item: (item[0][0], str(item[0][1]))
    ):
        points.append(
            CaseloadPoint(
                date=day,
                group=str(key),
                label=labels.get(key, str(key)),
                caseworkers=count,
                median_per_fte=_round(median),
                p90_per_fte=_round(p90),
                over_cap_share=over / count if count else None,
                queued=suppress(queued.get((day, key), 0)),
                median_load_per_fte=_round(load_median),
                p90_load_per_fte=_round(load_p90),
                over_cap_share_by_load=load_over / count if count else None,
            )
        )
    return points


def _ratio():
    return Cast(F("open_cases"), FloatField()) / Cast(F("fte"), FloatField())


def _load_ratio():
    """Load per FTE in cases (hundredths ÷ 100)."""
    return Cast(F("load_hundredths"), FloatField()) / (Cast(F("fte"), FloatField()) * HUNDREDTHS)


OVER_CAP = Q(open_cases__gt=F("cap"))
OVER_CAP_BY_LOAD = Q(load_hundredths__gt=F("cap") * HUNDREDTHS)


def _percentiles_in_db(rows, field: str) -> dict:
    aggregated = (
        rows.values("date", field)
        .order_by()
        .annotate(
            n=Count("id"),
            quantiles=PercentilesCont(_ratio(), (0.5, 0.9)),
            over=Count("id", filter=OVER_CAP),
            load_quantiles=PercentilesCont(_load_ratio(), (0.5, 0.9)),
            load_over=Count("id", filter=OVER_CAP_BY_LOAD),
        )
    )
    return {
        (r["date"], r[field]): (r["n"], *r["quantiles"], r["over"], *r["load_quantiles"], r["load_over"])
        for r in aggregated
    }


def _percentiles_from_histogram(rows, field: str) -> dict:
    """SQLite has no percentile aggregate: count each (cases, load, FTE) triple, interpolate here."""
    histogram = (
        rows.values("date", field, "open_cases", "load_hundredths", "fte")
        .order_by()
        .annotate(n=Count("id"), over=Count("id", filter=OVER_CAP), load_over=Count("id", filter=OVER_CAP_BY_LOAD))
    )
    groups: dict = defaultdict(lambda: ([], [], [0, 0, 0]))
    for r in histogram:
        values, loads, totals = groups[(r["date"], r[field])]
        values.append((r["open_cases"] / float(r["fte"]), r["n"]))
        loads.append((r["load_hundredths"] / (float(r["fte"]) * HUNDREDTHS), r["n"]))
        totals[0] += r["n"]
        totals[1] += r["over"]
        totals[2] += r["load_over"]
    return {
        key: (
            totals[0],
            weighted_percentile(values, 0.5),
            weighted_percentile(values, 0.9),
            totals[1],
            weighted_percentile(loads, 0.5),
            weighted_percentile(loads, 0.9),
            totals[2],
        )
        for key, (values, loads, totals) in groups.items()
    }


def _queued(team_rows, field: str) -> dict:
    """Queued cases per group and day: a queue belongs to a (jobcenter, unit type) pool,
    which every team of the pool reports, so each pool is counted once."""
    rows = team_rows.values("date", field, "team__jobcenter_id", "team__unit_type").order_by().annotate(q=Max("queued"))
    totals: dict = defaultdict(int)
    for r in rows:
        totals[(r["date"], r[field])] += r["q"] or 0
    return totals


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def group_labels(group_by: str) -> dict:
    if group_by == "unit_type":
        return {value: str(label) for value, label in UnitType.choices}
    if group_by == "all":
        return {CaseStatus.CLOSED.value: str(_("All"))}
    if group_by == "team":
        return dict(Team.objects.values_list("pk", "name"))
    return dict(Jobcenter.objects.values_list("pk", "name"))


def policy_caps() -> dict[str, int]:
    """Cases per full-time caseworker by unit type (the policy of the role of that name)."""
    return dict(CaseloadPolicy.objects.filter(role__in=UnitType.values).values_list("role", "cap"))


@dataclass(frozen=True)
class WaitingMonth:
    month: datetime.date
    allocated_from_queue: int | None
    mean_wait_hours: float | None


def queue_waiting(*, scope: Scope, filters: ReportFilter) -> list[WaitingMonth]:
    """How long cases allocated from the queue had waited, per month of allocation."""
    start, end = period_bounds(filters)
    rows = (
        CaseAssignment.objects.filter(
            team_condition(scope=scope, filters=filters, prefix="caseworker__team"),
            reason=AssignmentReason.QUEUE,
            assigned_at__gte=start,
            assigned_at__lt=end,
        )
        .annotate(month=TruncMonth("assigned_at"))
        .values("month")
        .order_by("month")
        .annotate(n=Count("id"), wait=Avg(HoursBetween(F("case__opened_at"), F("assigned_at"))))
    )
    months = []
    for r in rows:
        month = r["month"].date() if isinstance(r["month"], datetime.datetime) else r["month"]
        shown = suppress(r["n"])
        months.append(WaitingMonth(month, shown, round(r["wait"], 1) if shown else None))
    return months


@dataclass(frozen=True)
class QueueNow:
    queued: int | None
    oldest_hours: float | None


def queue_now(*, scope: Scope, filters: ReportFilter) -> QueueNow:
    """Cases waiting today in the pools (jobcenter, unit type) of the teams in scope."""
    condition = queued_pools(scope=scope, filters=filters)
    figures = Case.objects.filter(condition, status=CaseStatus.QUEUED).aggregate(n=Count("id"), oldest=Min("queued_at"))
    shown = suppress(figures["n"])
    oldest = figures["oldest"]
    hours = round((timezone.now() - oldest).total_seconds() / 3600, 1) if oldest and shown else None
    return QueueNow(shown, hours)


def queued_pools(*, scope: Scope, filters: ReportFilter) -> Q:
    """Queued cases have no team: they belong to the (jobcenter, unit type) pools of the
    teams in scope. Everything, for an administrator without a team filter."""
    if scope.everything and not filters.team_id:
        return case_pool_condition(filters)
    pools = Team.objects.filter(team_condition(scope=scope, filters=filters, prefix="")).values_list(
        "jobcenter_id", "unit_type"
    )
    condition = Q(pk__in=[])
    for jobcenter_id, unit_type in sorted(set(pools)):
        condition |= Q(jobcenter_id=jobcenter_id, programme=unit_type)
    return condition
