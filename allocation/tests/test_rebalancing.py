"""Rebalancing and bulk reassignment against the real database."""

from __future__ import annotations

import pytest

from allocation import rebalancing, services
from allocation.models import CaseAssignment
from allocation.reconcile import caseload_drift
from allocation.tests.factories import open_case
from cases.models import Case
from staff.models import Caseworker, CaseworkerStatus
from staff.tests.factories import CaseworkerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _loads(*workers) -> list[tuple[int, int]]:
    return [(w.open_cases, w.cap) for w in Caseworker.objects.filter(pk__in=[w.pk for w in workers]).order_by("pk")]


def _over_cap_team():
    """a holds 5 with cap 5, b holds 0 with cap 3; then a's cap is lowered to 2 (3 over)."""
    team = TeamFactory()
    a = CaseworkerFactory(team=team, cap_override=5)
    b = CaseworkerFactory(team=team, cap_override=0)
    cases = [open_case(team=team) for _ in range(5)]
    assert {c.caseworker_id for c in cases} == {a.pk}
    services.caseworker_update(caseworker=b, cap_override=3)
    services.caseworker_update(caseworker=a, cap_override=2)
    return team, a, b, cases


def test_plan_changes_nothing_and_apply_carries_it_out():
    team, a, b, cases = _over_cap_team()
    leader = UserFactory()
    plan = rebalancing.rebalance_plan(team=team)
    assert len(plan.moves) == 3 and plan.over_cap_after == 0
    assert _loads(a, b) == [(5, 2), (0, 3)]  # a plan is only a plan
    # the most recently assigned cases move: the last three intakes
    assert {m.case_id for m in plan.moves} == {c.pk for c in cases[2:]}
    applied = rebalancing.rebalance_apply(team=team, by=leader)
    assert applied == plan
    assert _loads(a, b) == [(2, 2), (3, 3)]
    for case in cases[2:]:
        case.refresh_from_db()
        assert case.caseworker_id == b.pk
        current = case.assignments.get(ended_at__isnull=True)
        assert (current.reason, current.by_id, current.caseworker_id) == ("rebalance", leader.pk, b.pk)
    assert caseload_drift() == []
    # nothing left to do
    assert rebalancing.rebalance_apply(team=team).moves == ()


def test_apply_replans_a_stale_plan_on_the_locked_rows():
    team, a, b, cases = _over_cap_team()
    stale = rebalancing.rebalance_plan(team=team)
    # the world changes after the preview: two of a's cases close
    services.case_close(case=cases[0], outcome="job")
    services.case_close(case=cases[1], outcome="job")
    applied = rebalancing.rebalance_apply(team=team)
    assert applied != stale
    assert len(applied.moves) == 1  # 3 held, cap 2
    assert _loads(a, b) == [(2, 2), (1, 3)]
    assert caseload_drift() == []


def test_apply_is_all_or_nothing(monkeypatch):
    team, a, b, cases = _over_cap_team()
    before = list(Case.objects.order_by("pk").values_list("pk", "caseworker_id", "assigned_at"))
    history = CaseAssignment.objects.count()

    def explode(*args, **kwargs):
        raise RuntimeError("the database went away mid-plan")

    # the failure comes after the case rows and the old assignments were written
    monkeypatch.setattr(CaseAssignment.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        rebalancing.rebalance_apply(team=team)
    assert list(Case.objects.order_by("pk").values_list("pk", "caseworker_id", "assigned_at")) == before
    assert CaseAssignment.objects.count() == history
    for case in cases:  # the ended assignments were rolled back too
        assert case.assignments.filter(ended_at__isnull=True).count() == 1
    assert _loads(a, b) == [(5, 2), (0, 3)]
    assert caseload_drift() == []


def test_team_short_of_room_reports_who_stays_over_cap():
    team, a, b, cases = _over_cap_team()
    services.caseworker_update(caseworker=b, cap_override=1)
    plan = rebalancing.rebalance_apply(team=team)
    assert len(plan.moves) == 1 and plan.over_cap_after == 1
    assert _loads(a, b) == [(4, 2), (1, 1)]


def test_include_on_leave_hands_over_the_whole_caseload():
    team = TeamFactory()
    away = CaseworkerFactory(team=team, cap_override=3)
    cases = [open_case(team=team) for _ in range(3)]
    here = CaseworkerFactory(team=team, cap_override=5)
    services.caseworker_update(caseworker=away, status=CaseworkerStatus.ON_LEAVE)
    assert rebalancing.rebalance_plan(team=team).moves == ()  # not over cap: nothing without the option
    plan = rebalancing.rebalance_apply(team=team, include_on_leave=True)
    assert sorted(m.case_id for m in plan.moves) == sorted(c.pk for c in cases)
    assert _loads(away, here) == [(0, 3), (3, 5)]
    assert caseload_drift() == []


def test_spill_over_to_other_teams_of_the_same_unit_type_only():
    team, a, b, cases = _over_cap_team()
    services.caseworker_update(caseworker=b, cap_override=0)  # no room in the team
    sibling = CaseworkerFactory(team=TeamFactory(jobcenter=team.jobcenter, unit_type=team.unit_type), cap_override=2)
    psychiatric = CaseworkerFactory(team=TeamFactory(jobcenter=team.jobcenter, unit_type="psychiatric"))
    elsewhere = CaseworkerFactory(team=TeamFactory(unit_type=team.unit_type))
    assert rebalancing.rebalance_plan(team=team).moves == ()
    plan = rebalancing.rebalance_apply(team=team, spill_over=True)
    assert {m.to_caseworker_id for m in plan.moves} == {sibling.pk}
    assert len(plan.moves) == 2 and plan.over_cap_after == 1
    assert _loads(a, sibling) == [(3, 2), (2, 2)]
    assert _loads(psychiatric, elsewhere) == [(0, psychiatric.cap), (0, elsewhere.cap)]


def test_spill_over_never_takes_cases_from_the_other_teams():
    team = TeamFactory()
    sibling_team = TeamFactory(jobcenter=team.jobcenter, unit_type=team.unit_type)
    crowded = CaseworkerFactory(team=sibling_team, cap_override=3)
    [open_case(team=sibling_team) for _ in range(3)]
    CaseworkerFactory(team=team, cap_override=5)  # joins after the intakes
    services.caseworker_update(caseworker=crowded, cap_override=1)  # sibling is 2 over
    plan = rebalancing.rebalance_apply(team=team, spill_over=True)
    assert plan.moves == () and plan.over_cap_after == 0
    assert _loads(crowded) == [(3, 1)]
