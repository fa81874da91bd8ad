"""Rebalancing and bulk reassignment against the real database."""

from __future__ import annotations

import pytest

from allocation import rebalancing, services
from allocation.errors import CapacityExceeded, CaseNotOpen, NotEligible
from allocation.models import CaseAssignment
from allocation.reconcile import caseload_drift
from allocation.tests.factories import open_case
from cases.models import Case, CaseStatus
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


# --- Bulk reassignment -----------------------------------------------------------------------


def test_bulk_reassign_moves_all_within_the_cap():
    team = TeamFactory()
    a = CaseworkerFactory(team=team, cap_override=4)
    cases = [open_case(team=team) for _ in range(3)]
    b = CaseworkerFactory(team=team, cap_override=3)
    leader = UserFactory()
    moved = rebalancing.cases_bulk_reassign(case_ids=[c.pk for c in cases], caseworker=b, by=leader, note="ferie")
    assert {c.caseworker_id for c in moved} == {b.pk}
    assert _loads(a, b) == [(0, 4), (3, 3)]
    for case in cases:
        current = CaseAssignment.objects.get(case=case, ended_at__isnull=True)
        assert (current.reason, current.by_id, current.note) == ("reassignment", leader.pk, "ferie")
    assert caseload_drift() == []


def test_bulk_reassign_is_all_or_nothing():
    team = TeamFactory()
    a = CaseworkerFactory(team=team, cap_override=5)
    cases = [open_case(team=team) for _ in range(3)]
    b = CaseworkerFactory(team=team, cap_override=2)
    ids = [c.pk for c in cases]
    with pytest.raises(CapacityExceeded):
        rebalancing.cases_bulk_reassign(case_ids=ids, caseworker=b)
    assert _loads(a, b) == [(3, 5), (0, 2)]
    services.case_close(case=cases[0], outcome="job")
    with pytest.raises(CaseNotOpen):
        rebalancing.cases_bulk_reassign(case_ids=ids[:2], caseworker=b)  # one of them is closed
    with pytest.raises(CaseNotOpen):
        rebalancing.cases_bulk_reassign(case_ids=[ids[1], 10**9], caseworker=b)  # one does not exist
    services.caseworker_update(caseworker=b, status=CaseworkerStatus.ON_LEAVE)
    with pytest.raises(NotEligible):
        rebalancing.cases_bulk_reassign(case_ids=ids[1:], caseworker=b)
    other = CaseworkerFactory(team=TeamFactory(jobcenter=team.jobcenter, unit_type="psychiatric"))
    with pytest.raises(NotEligible):
        rebalancing.cases_bulk_reassign(case_ids=ids[1:], caseworker=other)
    assert _loads(a, b) == [(2, 5), (0, 2)]
    assert CaseAssignment.objects.filter(reason="reassignment").count() == 0
    assert caseload_drift() == []


def test_bulk_reassign_skips_cases_the_target_already_holds_and_drains_the_freed_slots():
    team = TeamFactory()
    a = CaseworkerFactory(team=team, cap_override=2)
    b = CaseworkerFactory(team=team, cap_override=3)
    first, second, third, fourth, fifth = (open_case(team=team) for _ in range(5))
    queued = open_case(team=team)
    assert queued.status == CaseStatus.QUEUED
    held_by_a = [c for c in (first, second, third, fourth, fifth) if c.caseworker_id == a.pk]
    held_by_b = [c for c in (first, second, third, fourth, fifth) if c.caseworker_id == b.pk]
    assert (len(held_by_a), len(held_by_b)) == (2, 3)
    services.case_close(case=held_by_b[0], outcome="job")  # b's slot goes to the queued case
    queued.refresh_from_db()
    assert queued.caseworker_id == b.pk
    services.case_close(case=held_by_b[1], outcome="job")  # b has room for one now
    rebalancing.cases_bulk_reassign(case_ids=[held_by_a[0].pk, held_by_b[2].pk], caseworker=b)
    assert _loads(a, b) == [(1, 2), (3, 3)]
    assert caseload_drift() == []


def _bulk_reassign_queries(count: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    team = TeamFactory()
    giver = CaseworkerFactory(team=team, cap_override=count)
    cases = [open_case(team=team) for _ in range(count)]
    receiver = CaseworkerFactory(team=team, cap_override=count)
    with CaptureQueriesContext(connection) as queries:
        rebalancing.cases_bulk_reassign(case_ids=[c.pk for c in cases], caseworker=receiver)
    assert Case.objects.filter(caseworker=receiver).count() == count
    assert giver.pk not in {c.caseworker_id for c in Case.objects.filter(pk__in=[c.pk for c in cases])}
    return len(queries)


def test_bulk_reassign_costs_the_same_number_of_queries_for_one_case_and_for_twenty():
    # the receiving team is read once, not once per case
    assert _bulk_reassign_queries(1) == _bulk_reassign_queries(20)
