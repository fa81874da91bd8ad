"""Who may do what to an object they can see; to whom a case may be handed, and why not now."""

import pytest
from django.utils import translation

from access.reassignment import reassign_candidates
from access.rules import (
    may_close_case,
    may_create_citizen,
    may_hand_to,
    may_manage_team,
    may_open_case,
    may_reassign_case,
    may_rebalance_team,
    may_set_complexity,
)
from allocation import services
from allocation.tests.factories import open_case
from staff.models import CaseworkerStatus
from staff.tests.factories import CaseworkerFactory

pytestmark = pytest.mark.django_db


def _offered(user, case) -> dict[str, str]:
    with translation.override("en"):
        return {c.caseworker.full_name: str(c.reason_unavailable) for c in reassign_candidates(user, case=case)}


def test_a_leader_is_offered_the_caseworkers_of_the_pool_teams_they_lead(town):
    # not the holder, not the pool's team the leader does not lead, not a led team of another programme
    assert _offered(town.leader, town.case) == {"Colleague": ""}


def test_an_admin_is_offered_every_team_of_the_pool(town):
    assert _offered(town.admin, town.case) == {"Colleague": "", "Stranger": "full"}


def test_the_reasons_a_caseworker_cannot_take_the_case(town):
    extra = CaseworkerFactory(team=town.team, username="extra", full_name="Extra", cap_override=10)
    services.caseworker_update(caseworker=town.colleague, status=CaseworkerStatus.ON_LEAVE)
    services.caseworker_update(caseworker=extra, accepting_new_cases=False)
    assert _offered(town.leader, town.case) == {"Colleague": "on leave", "Extra": "not accepting new cases"}


def test_the_current_team_outside_the_pool_says_another_programme(town):
    # the holder's team became a psychiatric unit: its caseworkers stay on offer, saying why not
    town.team.unit_type = "psychiatric"
    town.team.save()
    assert _offered(town.admin, town.case) == {"Colleague": "another programme", "Stranger": "full"}


def test_nobody_is_offered_for_a_closed_case(town):
    closed = services.case_close(case=town.case, outcome="job", by=town.admin)
    assert reassign_candidates(town.admin, case=closed) == []


def test_whom_a_case_may_be_handed_to(town):
    assert may_hand_to(town.leader, caseworker=town.colleague)
    assert may_hand_to(town.leader, caseworker=town.psychiatrist)  # led; the service then says "another programme"
    assert not may_hand_to(town.leader, caseworker=town.stranger)
    assert may_hand_to(town.admin, caseworker=town.far_away)
    assert not may_hand_to(town.holder.user, caseworker=town.colleague)


def test_who_may_reassign_and_close(town):
    assert may_reassign_case(town.leader, case=town.case)
    assert may_reassign_case(town.leader, case=town.case, caseworker=town.colleague)
    assert not may_reassign_case(town.leader, case=town.case, caseworker=town.stranger)
    assert not may_reassign_case(town.holder.user, case=town.case)
    assert may_close_case(town.holder.user, case=town.case)
    assert not may_close_case(town.colleague.user, case=town.case)
    assert may_close_case(town.leader, case=town.case) and may_close_case(town.admin, case=town.case)


def test_who_may_set_a_cases_complexity_is_who_may_close_it(town):
    assert may_set_complexity(town.holder.user, case=town.case)
    assert may_set_complexity(town.leader, case=town.case) and may_set_complexity(town.admin, case=town.case)
    assert not may_set_complexity(town.colleague.user, case=town.case)
    assert not may_set_complexity(town.stranger.user, case=town.case)


def test_a_queued_case_is_the_leaders_of_its_pool(town):
    services.caseworker_update(caseworker=town.colleague, accepting_new_cases=False)
    services.caseworker_update(caseworker=town.holder, accepting_new_cases=False)
    queued = open_case(team=town.team)
    assert queued.status == "queued"
    assert may_reassign_case(town.leader, case=queued) and may_close_case(town.leader, case=queued)
    assert not may_close_case(town.stranger.user, case=queued)


def test_creating_citizens_and_cases(town):
    home = town.team.jobcenter_id
    assert may_create_citizen(town.leader, jobcenter_id=home)
    assert not may_create_citizen(town.leader, jobcenter_id=town.elsewhere.jobcenter_id)
    assert not may_create_citizen(town.holder.user, jobcenter_id=home)
    assert may_open_case(town.leader, jobcenter_id=home, programme="psychiatric")
    assert not may_open_case(town.leader, jobcenter_id=home, programme="trial")
    assert may_open_case(town.admin, jobcenter_id=town.elsewhere.jobcenter_id, programme="trial")


def test_managing_and_rebalancing_teams(town):
    assert may_manage_team(town.leader, team=town.team) and not may_manage_team(town.leader, team=town.unled)
    assert may_rebalance_team(town.leader, team=town.team)
    assert not may_rebalance_team(town.leader, team=town.team, spill_over=True)  # an admin's call
    assert may_rebalance_team(town.admin, team=town.unled, spill_over=True)
