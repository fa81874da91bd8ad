"""Jobindsats-style key figures per quarter: citizens by target group, caseload, exits."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncQuarter

from allocation.models import CaseloadSnapshot
from cases.models import Case, TargetGroup

from ..scope import ReportFilter, Scope
from ..statistics import suppress
from .common import JOB_OR_EDUCATION, day_start, quarter_of, quarters_between, sample_dates, share, team_condition
from .exits import closed_cases


@dataclass(frozen=True)
class KeyFigures:
    quarter: str
    jobparat: int | None
    aktivitetsparat: int | None
    cases_per_fte: float | None
    exits: int | None
    exits_job_or_education: int | None
    share_job_or_education: float | None


def key_figures(*, scope: Scope, filters: ReportFilter) -> list[KeyFigures]:
    quarters = quarters_between(filters.date_from, filters.date_to)
    stock = _stock_at_quarter_ends(scope=scope, filters=filters, quarters=quarters)
    caseload = _caseload_per_fte(scope=scope, filters=filters)
    exits = _exits(scope=scope, filters=filters)
    result = []
    for label, _first, _last in quarters:
        total, to_job = exits.get(label, (0, 0))
        shown_total, shown_job = suppress(total), suppress(to_job)
        result.append(
            KeyFigures(
                quarter=label,
                jobparat=suppress(stock.get((label, TargetGroup.JOBPARAT), 0)),
                aktivitetsparat=suppress(stock.get((label, TargetGroup.AKTIVITETSPARAT), 0)),
                cases_per_fte=caseload.get(label),
                exits=shown_total,
                exits_job_or_education=shown_job,
                share_job_or_education=share(shown_job, shown_total),
            )
        )
    return result


def _stock_at_quarter_ends(*, scope: Scope, filters: ReportFilter, quarters) -> dict:
    """Citizens with a case at the end of each quarter (or today, for the running one): one
    scan, one conditional count per quarter."""
    condition = team_condition(scope=scope, filters=filters, prefix="caseworker__team")
    counts = {}
    for label, _first, last in quarters:
        end = day_start(min(last, filters.date_to) + datetime.timedelta(days=1))
        counts[label] = Count("id", filter=Q(opened_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=end)))
    start = day_start(quarters[0][1]) if quarters else None
    rows = (
        Case.objects.filter(condition)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        .values("target_group")
        .order_by()
        .annotate(**{f"q{i}": c for i, c in enumerate(counts.values())})
    )
    labels = list(counts)
    return {(labels[i], r["target_group"]): r[f"q{i}"] for r in rows for i in range(len(labels))}


def _caseload_per_fte(*, scope: Scope, filters: ReportFilter) -> dict[str, float]:
    """Cases per full-time caseworker over the quarter's sampled snapshot days (sum ÷ sum)."""
    rows = (
        CaseloadSnapshot.objects.filter(
            team_condition(scope=scope, filters=filters, prefix="team"),
            caseworker__isnull=False,
            date__in=sample_dates(filters),
        )
        .annotate(quarter=TruncQuarter("date"))
        .values("quarter")
        .order_by()
        .annotate(cases=Sum("open_cases"), fte=Sum("fte"))
    )
    return {quarter_of(r["quarter"]): round(r["cases"] / float(r["fte"]), 1) for r in rows if r["fte"]}


def _exits(*, scope: Scope, filters: ReportFilter) -> dict[str, tuple[int, int]]:
    rows = (
        closed_cases(scope=scope, filters=filters)
        .annotate(quarter=TruncQuarter("closed_at"))
        .values("quarter")
        .order_by()
        .annotate(n=Count("id"), job=Count("id", filter=Q(outcome__in=JOB_OR_EDUCATION)))
    )
    return {quarter_of(r["quarter"]): (r["n"], r["job"]) for r in rows}
