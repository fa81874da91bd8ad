from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from allocation import services
from allocation.errors import CapacityExceeded, CaseNotOpen, DuplicateOpenCase, NotEligible
from allocation.models import CaseAssignment
from allocation.reconcile import Drift, caseload_drift
from allocation.tests.factories import open_case
from cases.models import Case, CaseStatus
from staff.models import Caseworker, CaseworkerStatus
from staff.tests.factories import CaseworkerFactory, TeamFactory, UserFactory

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


# --- Capacity that appears drains the queue; capacity that goes never moves cases -------


def _queued_pool(*, cap: int = 1, waiting: int = 2):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team, cap_override=cap)
    held = [open_case(team=team) for _ in range(cap)]
    queued = [open_case(team=team) for _ in range(waiting)]
    assert all(c.status == CaseStatus.QUEUED for c in queued)
    return team, worker, held, queued


def _statuses(cases):
    for case in cases:
        case.refresh_from_db()
    return [c.status for c in cases]


def test_the_queue_drains_oldest_first():
    team, worker, held, queued = _queued_pool(cap=1, waiting=3)
    services.case_close(case=held[0], outcome="job")
    assert _statuses(queued) == ["open", "queued", "queued"]
    assert queued[0].caseworker_id == worker.pk


def test_a_new_caseworker_a_raised_cap_and_accepting_again_drain_the_queue():
    team, worker, held, queued = _queued_pool(cap=1, waiting=3)
    # a caseworker who joins takes the oldest waiting case (the factory skips the drain)
    newcomer = services.caseworker_create(username="ny", full_name="Ny Kollega", team=team, cap_override=1)
    assert _statuses(queued) == ["open", "queued", "queued"]
    assert queued[0].caseworker_id == newcomer.pk
    # a raised cap takes the next one
    services.caseworker_update(caseworker=worker, cap_override=2)
    assert _statuses(queued) == ["open", "open", "queued"]
    # room while not accepting is no room; accepting again drains
    services.caseworker_update(caseworker=newcomer, accepting_new_cases=False)
    services.caseworker_update(caseworker=newcomer, cap_override=2)
    assert _statuses(queued) == ["open", "open", "queued"]
    services.caseworker_update(caseworker=newcomer, accepting_new_cases=True)
    assert _statuses(queued) == ["open", "open", "open"]
    assert queued[2].caseworker_id == newcomer.pk
    assert caseload_drift() == []


def test_reassign_moves_the_slot_with_the_case():
    team = TeamFactory()
    a = CaseworkerFactory(team=team, cap_override=1)
    b = CaseworkerFactory(team=TeamFactory(jobcenter=team.jobcenter), cap_override=2)
    case = open_case(team=team)
    assert case.caseworker_id == a.pk
    moved = services.case_reassign(case=case, caseworker=b, reason="ferie")
    assert (moved.status, moved.caseworker_id) == (CaseStatus.OPEN, b.pk)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.open_cases, b.open_cases) == (0, 1)
    # the stale object the caller holds does not confuse a second move
    back = services.case_reassign(case=case, caseworker=a)
    assert back.caseworker_id == a.pk
    assert caseload_drift() == []


def test_reassign_of_a_queued_case_needs_an_eligible_target_with_room():
    team = TeamFactory()
    a = CaseworkerFactory(team=team, cap_override=1)
    open_case(team=team)
    queued = open_case(team=team)
    b = CaseworkerFactory(team=team, cap_override=1)  # the factory does not drain: b has room
    services.caseworker_update(caseworker=b, accepting_new_cases=False)
    with pytest.raises(NotEligible):
        services.case_reassign(case=queued, caseworker=b)
    with pytest.raises(CapacityExceeded):
        services.case_reassign(case=queued, caseworker=a)
    services.caseworker_update(caseworker=b, accepting_new_cases=True)  # accepting again drains to b
    assert _statuses([queued]) == ["open"]
    assert queued.caseworker_id == b.pk
    assert CaseAssignment.objects.get(case=queued).reason == "queue"
    assert caseload_drift() == []


def test_leave_keeps_cases_and_return_drains():
    team, worker, held, queued = _queued_pool(cap=2, waiting=1)
    services.caseworker_update(caseworker=worker, status=CaseworkerStatus.ON_LEAVE, cap_override=3)
    assert _statuses(held) == ["open", "open"]  # leave does not move cases by itself
    assert _statuses(queued) == ["queued"]  # a raised cap while on leave is no room
    services.caseworker_update(caseworker=worker, status=CaseworkerStatus.ACTIVE)
    assert _statuses(queued) == ["open"]


def test_policy_raise_drains_every_pool_and_lowering_leaves_people_over_cap():
    team = TeamFactory()
    worker = CaseworkerFactory(team=team, fte=Decimal("0.05"))  # floor(45 × 0.05) = 2
    cases = [open_case(team=team) for _ in range(4)]
    assert [c.status for c in cases] == ["open", "open", "queued", "queued"]
    services.policy_set_cap(role="flere_skal_med", cap=60)  # floor(3.0) = 3
    assert _statuses(cases) == ["open", "open", "open", "queued"]
    services.policy_set_cap(role="flere_skal_med", cap=20)  # floor(1.0) = 1, holding 3
    worker.refresh_from_db()
    assert (worker.cap, worker.open_cases, worker.is_over_cap) == (1, 3, True)
    assert _statuses(cases) == ["open", "open", "open", "queued"]  # nobody is moved
    services.caseworker_update(caseworker=worker, fte=Decimal("0.01"))  # lowering FTE: allowed
    worker.refresh_from_db()
    assert (worker.cap, worker.open_cases) == (0, 3)
    assert open_case(team=team).status == CaseStatus.QUEUED
    assert caseload_drift() == []


def test_every_change_of_holder_is_recorded_with_reason_and_actor():
    team = TeamFactory()
    leader = UserFactory()
    a = CaseworkerFactory(team=team, cap_override=1)
    b = CaseworkerFactory(team=team, cap_override=2)
    case = open_case(team=team, by=leader)
    services.case_reassign(case=case, caseworker=b, reason="sygdom", by=leader)
    filler = open_case(team=team)
    queued_one = open_case(team=team)
    queued_two = open_case(team=team)
    assert (filler.caseworker_id, queued_one.caseworker_id, queued_two.status) == (a.pk, b.pk, "queued")
    services.case_close(case=filler, outcome="job", by=leader)  # a's slot goes to queued_two
    history = list(CaseAssignment.objects.filter(case=case).order_by("assigned_at", "id"))
    assert [(h.caseworker_id, h.reason, h.by_id, h.ended_at is None) for h in history] == [
        (a.pk, "intake", leader.pk, False),
        (b.pk, "reassignment", leader.pk, True),
    ]
    assert history[1].note == "sygdom"
    drained = CaseAssignment.objects.get(case=queued_two)
    assert (drained.caseworker_id, drained.reason, drained.by_id) == (a.pk, "queue", None)
    # closing ends the current assignment
    assert CaseAssignment.objects.get(case=filler).ended_at is not None
    # one current assignment per open case, none for closed and queued ones
    for c in Case.objects.all():
        current = c.assignments.filter(ended_at__isnull=True)
        assert current.count() == (1 if c.status == "open" else 0)
        if c.status == "open":
            assert current.get().caseworker_id == c.caseworker_id


def test_close_is_refused_twice_and_frees_nothing_for_a_queued_case():
    team, worker, held, queued = _queued_pool(cap=1, waiting=2)
    services.case_close(case=queued[0], outcome="moved")
    assert _statuses(queued) == ["closed", "queued"]
    with pytest.raises(CaseNotOpen):
        services.case_close(case=queued[0], outcome="moved")
    with pytest.raises(CaseNotOpen):
        services.case_reassign(case=queued[0], caseworker=worker)
    assert caseload_drift() == []


def test_reassign_refuses_a_caseworker_of_another_jobcenter():
    team = TeamFactory()
    CaseworkerFactory(team=team)
    elsewhere = CaseworkerFactory(team=TeamFactory(unit_type=team.unit_type))
    assert elsewhere.team.jobcenter_id != team.jobcenter_id
    case = open_case(team=team)
    with pytest.raises(NotEligible):
        services.case_reassign(case=case, caseworker=elsewhere)


def test_intake_only_goes_to_the_programmes_pool_in_the_citizens_jobcenter():
    team = TeamFactory()
    psychiatric = CaseworkerFactory(team=TeamFactory(jobcenter=team.jobcenter, unit_type="psychiatric"))
    elsewhere = CaseworkerFactory(team=TeamFactory())
    case = open_case(team=team)
    assert case.status == CaseStatus.QUEUED
    assert psychiatric.pk and elsewhere.pk
    assert open_case(jobcenter=team.jobcenter, programme="psychiatric").caseworker_id == psychiatric.pk


# --- reconcile_caseloads -------------------------------------------------------------------


def test_reconcile_command_reports_and_repairs_drift():
    team = TeamFactory()
    worker = CaseworkerFactory(team=team)
    open_case(team=team)
    out = StringIO()
    call_command("reconcile_caseloads", stdout=out)
    assert "0 drifted counter(s) found." in out.getvalue()
    # given a counter that drifted (a raw UPDATE, as a bug or a manual fix would do)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE staff_caseworker SET open_cases = 7 WHERE id = %s", [worker.pk])
    assert caseload_drift() == [Drift(worker.pk, 7, 1)]
    # when reconciling without --fix: reported, and the exit status says so
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("reconcile_caseloads", stdout=out)
    assert exit_info.value.code == 1
    assert f"caseworker {worker.pk}: counter 7, actual 1" in out.getvalue()
    assert caseload_drift() != []
    # when fixing: repaired
    out = StringIO()
    call_command("reconcile_caseloads", "--fix", stdout=out)
    assert "1 drifted counter(s) repaired." in out.getvalue()
    assert caseload_drift() == []
    assert Caseworker.objects.get(pk=worker.pk).open_cases == 1
