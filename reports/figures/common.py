from __future__ import annotations

import datetime
import math
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from ..scope import ReportFilter, Scope

OUTCOME_ORDER = ["job", "education", "early_retirement", "resource_course", "flex_job", "moved", "other"]
JOB_OR_EDUCATION = ("job", "education")
UNION_BAND = (40, 55)  # Dansk Socialrådgiverforening's recommended cases per full-time caseworker


def team_condition(*, scope: Scope, filters: ReportFilter, prefix: str) -> Q:
    """Scope and filters on a path that leads to a team (`team`, `caseworker__team`)."""
    condition = scope.teams(f"{prefix}_id") if prefix else scope.teams("pk")
    path = f"{prefix}__" if prefix else ""
    if filters.jobcenter_id:
        condition &= Q(**{f"{path}jobcenter_id": filters.jobcenter_id})
    if filters.unit_type:
        condition &= Q(**{f"{path}unit_type": filters.unit_type})
    if filters.team_id:
        condition &= Q(**{f"{prefix}_id" if prefix else "pk": filters.team_id})
    return condition


def case_pool_condition(filters: ReportFilter) -> Q:
    """The filters on a case's own jobcenter and programme: for an administrator's totals,
    which include cases without a team (queued, or closed while queued)."""
    condition = Q()
    if filters.jobcenter_id:
        condition &= Q(jobcenter_id=filters.jobcenter_id)
    if filters.unit_type:
        condition &= Q(programme=filters.unit_type)
    return condition


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def period_bounds(filters: ReportFilter) -> tuple[datetime.datetime, datetime.datetime]:
    """[start of the first day, start of the day after the last)."""
    return day_start(filters.date_from), day_start(filters.date_to + datetime.timedelta(days=1))


def quarter_of(day: datetime.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters_between(start: datetime.date, end: datetime.date) -> list[tuple[str, datetime.date, datetime.date]]:
    """(label, first day, last day) of each calendar quarter touching [start, end]."""
    quarters = []
    first = datetime.date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while first <= end:
        next_first = datetime.date(first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1)
        quarters.append((quarter_of(first), first, next_first - datetime.timedelta(days=1)))
        first = next_first
    return quarters


DAILY_UP_TO = 31
MAX_SAMPLE_DAYS = 27


def sample_dates(filters: ReportFilter) -> list[datetime.date]:
    """The snapshot days a trend is drawn from: every day of a period up to a month, else
    evenly spaced days (whole weeks apart, counted back from the period's end) so that no
    more than 27 days are read. The figures of each day are exact; the cost is bounded by
    31 × the caseworkers in scope, whatever the period (national scale: see bench/reports.py)."""
    span = (filters.date_to - filters.date_from).days
    step = 1 if span < DAILY_UP_TO else 7 * math.ceil(span / (7 * (MAX_SAMPLE_DAYS - 1)))
    return [filters.date_to - datetime.timedelta(days=d) for d in range(0, span + 1, step)][::-1]


def share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return part / whole


def labels_of(pairs: Iterable[tuple[object, str]]) -> dict:
    return {key: str(label) for key, label in pairs}
