from decimal import Decimal

import pytest

from allocation import services
from allocation.errors import CapacityExceeded, DuplicateOpenCase, NotEligible
from allocation.models import CaseAssignment
from allocation.reconcile import caseload_drift
from allocation.tests.factories import open_case
from cases.models import CaseStatus
from staff.models import CaseworkerStatus
from staff.tests.factories import CaseworkerFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_intake_goes_to_lowest_load_and_queues_when_full():
    # given a team with two caseworkers of cap 2 and 1
    team = TeamFactory()
    a = CaseworkerFactory(team=team, cap_override=2)
    b = CaseworkerFactory(team=team, cap_override=1)
    # when four cases arrive
    cases = [open_case(team=team) for _ in range(4)]
    # then the first goes to a (tie on ratio 0, fewer open, lower id), then b, then a, then the queue
    assert [c.caseworker_id for c in cases] == [a.pk, b.pk, a.pk, None]
    assert cases[3].status == CaseStatus.QUEUED
    assert caseload_drift() == []


def test_continuity_prefers_the_earlier_caseworker():
    team = TeamFactory()
    a = CaseworkerFactory(team=team)
    CaseworkerFactory(team=team)
    first = open_case(team=team)
    assert first.caseworker_id == a.pk
    open_case(team=team)  # a now has 1, b has 0 after this? b gets it
    services.case_close(case=first, outcome="job")
    again = services.case_create(citizen=first.citizen, programme=team.unit_type)
    assert again.caseworker_id == a.pk
    assert again.assignments.get().reason == "continuity"


def test_second_unclosed_case_for_a_citizen_is_refused():
    team = TeamFactory()
    CaseworkerFactory(team=team)
    case = open_case(team=team)
    with pytest.raises(DuplicateOpenCase):
        services.case_create(citizen=case.citizen, programme=team.unit_type)


def test_close_drains_the_queue_onto_the_freed_slot():
    team = TeamFactory()
    a = CaseworkerFactory(team=team, cap_override=1)
    first = open_case(team=team)
    waiting = open_case(team=team)
    assert waiting.status == CaseStatus.QUEUED
    services.case_close(case=first, outcome="education")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.caseworker_id) == (CaseStatus.OPEN, a.pk)
    assert waiting.assignments.get().reason == "queue"
    assert caseload_drift() == []


def test_reassign_refuses_full_on_leave_and_other_programme():
    team = TeamFactory()
    a = CaseworkerFactory(team=team, cap_override=5)
    full = CaseworkerFactory(team=team, cap_override=0)
    away = CaseworkerFactory(team=team)
    services.caseworker_update(caseworker=away, status=CaseworkerStatus.ON_LEAVE)
    other = CaseworkerFactory(team=TeamFactory(jobcenter=team.jobcenter, unit_type="psychiatric"))
    case = open_case(team=team)
    assert case.caseworker_id == a.pk
    with pytest.raises(CapacityExceeded):
        services.case_reassign(case=case, caseworker=full)
    with pytest.raises(NotEligible):
        services.case_reassign(case=case, caseworker=away)
    with pytest.raises(NotEligible):
        services.case_reassign(case=case, caseworker=other)
    with pytest.raises(NotEligible):
        services.case_reassign(case=case, caseworker=a)


def test_returning_from_leave_and_raising_fte_drain_the_queue():
    team = TeamFactory()
    a = CaseworkerFactory(team=team, fte=Decimal("0.03"))  # floor(45 × 0.03) = 1
    assert a.cap == 1
    cases = [open_case(team=team) for _ in range(3)]
    assert [c.status for c in cases] == ["open", "queued", "queued"]
    services.caseworker_update(caseworker=a, fte=Decimal("0.05"))  # floor(2.25) = 2
    cases[1].refresh_from_db()
    assert cases[1].status == "open"
    services.caseworker_update(caseworker=a, status=CaseworkerStatus.ON_LEAVE)
    services.policy_set_cap(role="flere_skal_med", cap=100)  # cap 5, but on leave
    cases[2].refresh_from_db()
    assert cases[2].status == "queued"
    services.caseworker_update(caseworker=a, status=CaseworkerStatus.ACTIVE)
    cases[2].refresh_from_db()
    assert cases[2].status == "open"
    assert CaseAssignment.objects.filter(reason="queue").count() == 2
    assert caseload_drift() == []
