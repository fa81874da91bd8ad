"""Figures against hand-computed values on constructed data (both database back ends, and
on PostgreSQL both the percentile aggregate and the histogram fallback)."""

import datetime

import pytest

from cases.models import Case
from reports.figures import caseloads as caseload_figures
from reports.figures import exits as exit_module
from reports.figures.capacity import capacity_plan
from reports.figures.caseloads import caseload_trend, queue_now, queue_waiting
from reports.figures.common import quarters_between, sample_dates
from reports.figures.exits import exit_figures, exit_pattern, time_to_exit
from reports.figures.keyfigures import key_figures
from reports.scope import ReportFilter, Scope, report_scope
from staff.models import Caseworker

from .conftest import D1, D2, at, make_case

pytestmark = pytest.mark.django_db

EVERYTHING = Scope(None)
FEBRUARY = ReportFilter(date_from=datetime.date(2026, 2, 1), date_to=datetime.date(2026, 2, 28))
Q1_ONLY = ReportFilter(date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 3, 31))
HALF_YEAR = ReportFilter(date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 6, 30))


@pytest.fixture(params=["database", "histogram"])
def percentile_path(request, monkeypatch):
    """Run on the percentile aggregate where the database has one, and on the fallback."""
    if request.param == "database" and not caseload_figures.has_percentile():
        pytest.skip("no percentile aggregate on this database (the histogram run covers it)")
    if request.param == "histogram":
        monkeypatch.setattr(caseload_figures, "has_percentile", lambda: False)
        monkeypatch.setattr(exit_module, "has_percentile", lambda: False)
    return request.param


# --- Caseloads ----------------------------------------------------------------------------


def test_caseloads_per_unit_type_by_hand(snapshots, percentile_path):
    points = caseload_trend(scope=EVERYTHING, filters=FEBRUARY, group_by="unit_type")
    assert [p.date for p in points] == [D1, D2]
    first = points[0]
    # per FTE: 40, 60, 120 → median 60; p90 at rank 1.8: 60 + 0.8 × 60 = 108; 1 of 3 over cap
    assert (first.group, first.caseworkers, first.median_per_fte, first.p90_per_fte) == ("standard", 3, 60.0, 108.0)
    assert first.over_cap_share == pytest.approx(1 / 3)
    assert first.queued == 7  # one pool, reported by both teams, counted once


def test_caseloads_of_a_leader_are_built_from_their_teams_only(snapshots, percentile_path):
    scope = report_scope(snapshots.leader_a)
    by_unit = caseload_trend(scope=scope, filters=FEBRUARY, group_by="unit_type")
    # A1 40, A2 60 → median 50, p90 40 + 0.9 × 20 = 58; nobody over cap
    assert [(p.median_per_fte, p.p90_per_fte, p.over_cap_share, p.caseworkers) for p in by_unit] == [
        (50.0, 58.0, 0.0, 2)
    ] * 2
    by_team = caseload_trend(scope=scope, filters=FEBRUARY, group_by="team")
    assert {p.label for p in by_team} == {"Alpha"}
    by_jobcenter = caseload_trend(scope=scope, filters=FEBRUARY, group_by="jobcenter")
    assert {p.caseworkers for p in by_jobcenter} == {2}


def test_caseloads_per_team_and_filters(snapshots, percentile_path):
    points = caseload_trend(scope=EVERYTHING, filters=FEBRUARY, group_by="team")
    bravo = [p for p in points if p.label == "Bravo"]
    assert [(p.median_per_fte, p.over_cap_share, p.queued) for p in bravo] == [(120.0, 1.0, 7)] * 2
    only_d2 = ReportFilter(date_from=D2, date_to=D2, team_id=snapshots.team_a.pk)
    assert [(p.date, p.label) for p in caseload_trend(scope=EVERYTHING, filters=only_d2, group_by="team")] == [
        (D2, "Alpha")
    ]
    psychiatric = ReportFilter(date_from=D1, date_to=D2, unit_type="psychiatric")
    assert caseload_trend(scope=EVERYTHING, filters=psychiatric) == []


def test_a_long_period_counts_back_from_the_last_recorded_day(snapshots):
    # December to D2 (the last snapshot) is sampled a week apart: D2, D2 − 7, … (only D2 recorded)
    spring = ReportFilter(date_from=datetime.date(2025, 12, 1), date_to=datetime.date(2026, 3, 31))
    assert [p.date for p in caseload_trend(scope=EVERYTHING, filters=spring)] == [D2]
    assert (
        caseload_trend(
            scope=EVERYTHING,
            filters=ReportFilter(date_from=D2 + datetime.timedelta(days=1), date_to=D2 + datetime.timedelta(days=2)),
        )
        == []
    )


def test_small_queues_are_suppressed(world):
    from .conftest import snapshot

    snapshot(day=D1, caseworker=world.a1, open_cases=10, cap=100)
    snapshot(day=D1, team=world.team_a, open_cases=10, cap=100, queued=3)
    assert caseload_trend(scope=EVERYTHING, filters=FEBRUARY)[0].queued is None


def test_long_periods_are_sampled_whole_weeks_apart_counted_back_from_the_end():
    month = sample_dates(ReportFilter(date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 1, 31)))
    assert len(month) == 31
    quarter = sample_dates(ReportFilter(date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 3, 31)))
    assert quarter[-1] == datetime.date(2026, 3, 31) and {(b - a).days for a, b in zip(quarter, quarter[1:])} == {7}
    year = sample_dates(ReportFilter(date_from=datetime.date(2025, 1, 1), date_to=datetime.date(2025, 12, 31)))
    # 364 days ÷ 26 gaps → a fortnight apart: 27 days, the last one the period's end
    assert year[-1] == datetime.date(2025, 12, 31) and {(b - a).days for a, b in zip(year, year[1:])} == {14}
    assert len(year) == 27 and year[0] >= datetime.date(2025, 1, 1)


def test_queue_waiting_and_queue_now(world):
    from allocation.models import AssignmentReason, CaseAssignment

    for hours in (10, 20, 30, 40, 50):
        case = make_case(caseworker=world.a1, opened=at(D1, 6))
        CaseAssignment.objects.create(
            case=case,
            caseworker=world.a1,
            assigned_at=at(D1, 6) + datetime.timedelta(hours=hours),
            reason=AssignmentReason.QUEUE,
        )
    months = queue_waiting(scope=EVERYTHING, filters=FEBRUARY)
    assert [(m.month, m.allocated_from_queue, m.mean_wait_hours) for m in months] == [
        (datetime.date(2026, 2, 1), 5, 30.0)
    ]
    assert queue_waiting(scope=report_scope(world.leader_b), filters=FEBRUARY) == []
    assert queue_now(scope=EVERYTHING, filters=FEBRUARY).queued == 0


# --- Exit pattern -------------------------------------------------------------------------


def test_exit_pattern_per_team_by_hand(exits):
    rows = {(r.quarter, r.label): r for r in exit_pattern(scope=EVERYTHING, filters=HALF_YEAR, group_by="team")}
    alpha = rows[("2026-Q1", "Alpha")]
    assert alpha.total == 13
    assert alpha.counts["job"] == 6 and alpha.shares["job"] == pytest.approx(6 / 13)
    # 2 moved is suppressed; alone it could be worked out from the total, so the next
    # smallest count (education, 5) is hidden as well.
    assert alpha.counts["moved"] is None and alpha.counts["education"] is None and alpha.shares["education"] is None
    assert alpha.counts["early_retirement"] == 0
    assert (rows[("2026-Q1", "Bravo")].total, rows[("2026-Q1", "Bravo")].shares["job"]) == (5, 1.0)
    assert rows[("2026-Q2", "Alpha")].counts["other"] == 5


def test_exit_pattern_scoped_to_the_leaders_team(exits):
    rows = exit_pattern(scope=report_scope(exits.leader_b), filters=HALF_YEAR, group_by="unit_type")
    assert [(r.quarter, r.group, r.total, r.counts["job"]) for r in rows] == [("2026-Q1", "standard", 5, 5)]


def test_time_to_exit_by_hand(exits, percentile_path):
    per_team = {d.label: d.median_days for d in time_to_exit(scope=EVERYTHING, filters=Q1_ONLY, group_by="team")}
    # Alpha: 10 ×6, 20 ×5, 40 ×2 → 7th of 13 = 20. Bravo: 30.
    assert per_team == {"Alpha": 20.0, "Bravo": 30.0}
    # Half year, Alpha adds 7 ×5: 18 values, median between the 9th and 10th (both 10).
    half = {d.label: d.median_days for d in time_to_exit(scope=EVERYTHING, filters=HALF_YEAR, group_by="team")}
    assert half["Alpha"] == 10.0
    per_unit = time_to_exit(scope=EVERYTHING, filters=Q1_ONLY, group_by="unit_type")
    assert [(d.exits, d.median_days) for d in per_unit] == [(18, 20.0)]


def test_the_exit_page_figures_from_one_query_agree_with_the_separate_ones(exits, percentile_path):
    for group_by in ("unit_type", "team", "jobcenter"):
        rows, overall, medians = exit_figures(scope=EVERYTHING, filters=HALF_YEAR, group_by=group_by)
        assert rows == exit_pattern(scope=EVERYTHING, filters=HALF_YEAR, group_by=group_by)
        assert overall == exit_pattern(scope=EVERYTHING, filters=HALF_YEAR, group_by="all")
        assert medians == time_to_exit(scope=EVERYTHING, filters=HALF_YEAR, group_by=group_by)
    assert [(r.quarter, r.total) for r in overall] == [("2026-Q1", 18), ("2026-Q2", 5)]


# --- Key figures --------------------------------------------------------------------------


def test_key_figures_per_quarter_by_hand(exits, snapshots):
    # Still open at the end of Q1: 6 aktivitetsparat cases in Alpha, opened in March.
    for _ in range(6):
        make_case(caseworker=exits.a1, opened=at(datetime.date(2026, 3, 2)))
    figures = {k.quarter: k for k in key_figures(scope=EVERYTHING, filters=HALF_YEAR)}
    q1, q2 = figures["2026-Q1"], figures["2026-Q2"]
    assert (q1.exits, q1.exits_job_or_education, q1.share_job_or_education) == (18, 16, pytest.approx(16 / 18))
    # Bravo's 5 jobparat cases were closed by the end of Q1; the Q2 cases opened after it.
    assert (q1.aktivitetsparat, q1.jobparat) == (6, 0)
    # Snapshot days lie in Q1: (40 + 30 + 120) × 2 ÷ (2.5 × 2) = 76 cases per FTE
    assert q1.cases_per_fte == 76.0 and q2.cases_per_fte is None
    # Q2: 5 'other' exits; the 6 open cases plus none new → 6 aktivitetsparat at the end
    assert (q2.exits, q2.exits_job_or_education, q2.aktivitetsparat) == (5, 0, 6)


def test_quarters_between():
    assert [q[0] for q in quarters_between(datetime.date(2025, 11, 3), datetime.date(2026, 4, 1))] == [
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
    ]
    assert quarters_between(datetime.date(2025, 11, 3), datetime.date(2026, 4, 1))[1][2] == datetime.date(2026, 3, 31)


# --- Capacity -----------------------------------------------------------------------------


def test_capacity_plan_by_hand(world):
    Caseworker.objects.filter(pk=world.a1.pk).update(open_cases=90)
    Caseworker.objects.filter(pk=world.a2.pk).update(open_cases=45)
    Caseworker.objects.filter(pk=world.b1.pk).update(open_cases=120)
    for _ in range(5):
        Case.objects.filter(pk=make_case(caseworker=world.a1, opened=at(D1)).pk).update(
            status="queued", caseworker=None, assigned_at=None, queued_at=at(D1)
        )
    rows = {
        r.unit_type: r
        for r in capacity_plan(scope=EVERYTHING, filters=FEBRUARY, caps={"standard": 55}, cost_per_fte=500_000)
    }
    standard = rows["standard"]
    # workload 90 + 45 + 120 + 5 queued = 260; policy 100 → 2.60 FTE; staff 2.5 → gap 0.10
    assert (standard.workload, standard.fte, standard.policy_cap, standard.cap) == (260, 2.5, 100, 55)
    # at 55 per FTE: 260 / 55 = 4.727… → 4.73 FTE, gap 2.23, cost 2.23 × 500,000
    assert (standard.fte_needed, standard.fte_gap, standard.yearly_cost_of_gap) == (4.73, 2.23, 1_115_000)
    default = {r.unit_type: r for r in capacity_plan(scope=EVERYTHING, filters=FEBRUARY)}["standard"]
    assert (default.fte_needed, default.fte_gap, default.yearly_cost_of_gap) == (2.6, 0.1, None)
    leader = capacity_plan(scope=report_scope(world.leader_a), filters=FEBRUARY)
    # Alpha alone: 135 open + the pool's 5 queued = 140 → 1.40 FTE against 1.5
    assert [(r.workload, r.fte_needed, r.fte_gap) for r in leader] == [(140, 1.4, -0.1)]


def test_capacity_growth_from_snapshots(world):
    from .conftest import snapshot

    snapshot(day=datetime.date(2026, 1, 1), team=world.team_a, open_cases=100, cap=150)
    snapshot(day=datetime.date(2026, 4, 1), team=world.team_a, open_cases=190, cap=150)
    rows = capacity_plan(scope=EVERYTHING, filters=FEBRUARY, today=datetime.date(2026, 4, 2))
    standard = next(r for r in rows if r.unit_type == "standard")
    # +90 cases in 90 days → +365 a year; workload 0 today (counters untouched) → 3.65 FTE in a year
    assert (standard.net_growth_per_year, standard.fte_needed_in_a_year) == (365, 3.65)
