"""Exit pattern (afgangsmønster): closed cases per quarter by outcome; time from intake to exit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F
from django.db.models.functions import TruncQuarter

from cases.models import Case, CaseStatus, Outcome

from ..dbfunctions import DaysBetween, PercentileCont, has_percentile, roomy_sorts
from ..scope import ReportFilter, Scope
from ..statistics import suppress, weighted_percentile
from .caseloads import group_labels
from .common import OUTCOME_ORDER, case_pool_condition, period_bounds, quarter_of, share, team_condition

# "all" groups by a column that is the same for every closed case: one row per quarter.
GROUP_FIELDS = {"unit_type": "programme", "team": "caseworker__team_id", "jobcenter": "jobcenter_id", "all": "status"}


@dataclass
class ExitRow:
    quarter: str
    group: str
    label: str
    total: int | None
    counts: dict[str, int | None] = field(default_factory=dict)
    shares: dict[str, float | None] = field(default_factory=dict)


def closed_cases(*, scope: Scope, filters: ReportFilter):
    start, end = period_bounds(filters)
    if scope.everything and not filters.team_id:
        # An administrator's totals include cases closed while still queued (no team).
        condition = case_pool_condition(filters)
    else:
        condition = team_condition(scope=scope, filters=filters, prefix="caseworker__team")
    return Case.objects.filter(condition, status=CaseStatus.CLOSED, closed_at__gte=start, closed_at__lt=end)


def exit_pattern(*, scope: Scope, filters: ReportFilter, group_by: str = "unit_type") -> list[ExitRow]:
    return exit_pattern_with_total(scope=scope, filters=filters, group_by=group_by)[0]


def exit_pattern_with_total(
    *, scope: Scope, filters: ReportFilter, group_by: str = "unit_type"
) -> tuple[list[ExitRow], list[ExitRow]]:
    """The rows per group, and per quarter for all groups together, from one query."""
    key = GROUP_FIELDS[group_by]
    rows = (
        closed_cases(scope=scope, filters=filters)
        .annotate(quarter=TruncQuarter("closed_at"))
        .values("quarter", key, "outcome")
        .order_by()
        .annotate(n=Count("id"))
    )
    raw: dict = defaultdict(lambda: defaultdict(int))
    overall: dict = defaultdict(lambda: defaultdict(int))
    for r in rows:
        quarter = quarter_of(r["quarter"])
        raw[(quarter, r[key])][r["outcome"]] += r["n"]
        overall[(quarter, CaseStatus.CLOSED.value)][r["outcome"]] += r["n"]
    return _rows(raw, group_labels(group_by)), _rows(overall, group_labels("all"))


def exit_figures(
    *, scope: Scope, filters: ReportFilter, group_by: str = "unit_type"
) -> tuple[list[ExitRow], list[ExitRow], list[ExitDuration]]:
    """The exit page's three tables: the pattern per group and overall, and the medians."""
    rows, overall = exit_pattern_with_total(scope=scope, filters=filters, group_by=group_by)
    return rows, overall, time_to_exit(scope=scope, filters=filters, group_by=group_by)


def _rows(raw: dict, labels: dict) -> list[ExitRow]:
    result = []
    for (quarter, group), counts in sorted(raw.items(), key=lambda item: (item[0][0], str(item[0][1]))):
        total = sum(counts.values())
        shown = {outcome: suppress(counts.get(outcome, 0)) for outcome in OUTCOME_ORDER}
        if suppress(total) is None:
            shown = dict.fromkeys(OUTCOME_ORDER)
        _protect_single_suppressed(shown, counts)
        result.append(
            ExitRow(
                quarter=quarter,
                group="" if group is None else str(group),
                label=labels.get(group, "—") if group is not None else "—",
                total=suppress(total),
                counts=shown,
                shares={o: share(shown[o], total) if suppress(total) else None for o in OUTCOME_ORDER},
            )
        )
    return result


def _protect_single_suppressed(shown: dict, counts: dict) -> None:
    """A lone hidden cell could be worked out from the total; hide the next smallest too."""
    hidden = [o for o, v in shown.items() if v is None]
    if len(hidden) != 1:
        return
    visible = [o for o, v in shown.items() if v]
    if visible:
        shown[min(visible, key=lambda o: (counts.get(o, 0), o))] = None


@dataclass(frozen=True)
class ExitDuration:
    group: str
    label: str
    exits: int | None
    median_days: float | None


def time_to_exit(*, scope: Scope, filters: ReportFilter, group_by: str = "unit_type") -> list[ExitDuration]:
    """Median days from intake to exit of the cases closed in the period."""
    key = GROUP_FIELDS[group_by]
    closed = closed_cases(scope=scope, filters=filters).annotate(days=DaysBetween(F("opened_at"), F("closed_at")))
    if has_percentile():
        with roomy_sorts():
            rows = closed.values(key).order_by().annotate(n=Count("id"), median=PercentileCont(F("days"), 0.5))
            figures = {r[key]: (r["n"], r["median"]) for r in rows}
    else:
        histogram: dict = defaultdict(list)
        for r in closed.values(key, "days").order_by().annotate(n=Count("id")):
            histogram[r[key]].append((r["days"], r["n"]))
        figures = {g: (sum(n for _, n in v), weighted_percentile(v, 0.5)) for g, v in histogram.items()}
    return _durations(figures, group_labels(group_by))


def _durations(figures: dict, labels: dict) -> list[ExitDuration]:
    return [
        ExitDuration(
            group="" if g is None else str(g),
            label=labels.get(g, "—") if g is not None else "—",
            exits=suppress(n),
            median_days=round(m, 1) if suppress(n) and m is not None else None,
        )
        for g, (n, m) in sorted(figures.items(), key=lambda item: str(item[0]))
    ]


def outcome_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Outcome.choices}
