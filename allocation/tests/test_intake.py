"""The one-statement intake (allocation/intake.py) decides exactly as the engine does."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocation import engine, intake, rules, services
from allocation.errors import DuplicateOpenCase
from allocation.models import AssignmentReason, CaseAssignment
from cases.models import Case, CaseStatus
from cases.tests.factories import CitizenFactory
from staff.models import Caseworker, CaseworkerStatus, Complexity
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory, UserFactory
from trials.models import Trial, TrialArm

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _intake(citizen, programme="standard", by=None, complexity="complex"):
    now = timezone.now()
    return intake.fast_intake(
        citizen=citizen,
        programme=programme,
        target_group="",
        by=by,
        now=now,
        day=timezone.localdate(now),
        complexity=complexity,
    )


def test_the_insert_columns_are_every_column_of_the_models():
    # A new field on Case or CaseAssignment must be written by the statement too.
    def columns(model):
        return {f.column for f in model._meta.concrete_fields if not f.primary_key}

    assert set(intake.CASE_COLUMNS) == columns(Case)
    assert set(intake.ASSIGNMENT_COLUMNS) == columns(CaseAssignment)


# What a case weighs for a caseworker, in hundredths: mostly 1 (the defaults), else a policy's.
weights = st.sampled_from([100, 100, 100, 50, 150, 200, 275])

caseworker_states = st.lists(
    st.tuples(
        st.integers(0, 6),  # cap
        st.integers(0, 8),  # open cases (above cap after a lowered cap)
        st.sampled_from([CaseworkerStatus.ACTIVE, CaseworkerStatus.ON_LEAVE]),
        st.booleans(),  # accepting new cases
        st.booleans(),  # in the pool (else: a team of another unit type)
        st.tuples(weights, weights, weights),  # simple, complex, very complex
        st.sampled_from([0, 0, 25, 50, -50]),  # the load off the count's (cases of other weights)
    ),
    min_size=0,
    max_size=7,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    states=caseworker_states,
    earlier=st.one_of(st.none(), st.integers(0, 6)),
    complexity=st.sampled_from(Complexity.values),
)
def test_it_picks_whom_the_engine_picks(states, earlier, complexity):
    with transaction.atomic():
        jobcenter = JobcenterFactory()
        pool_team = TeamFactory(jobcenter=jobcenter, unit_type="standard")
        other_team = TeamFactory(jobcenter=jobcenter, unit_type="psychiatric")
        elsewhere = TeamFactory(unit_type="standard")  # the same unit type, another jobcenter
        roomy_elsewhere = CaseworkerFactory(team=elsewhere)
        workers = []
        for cap, open_cases, status, accepting, in_pool, (simple, complex_, very), off in states:
            worker = CaseworkerFactory(team=pool_team if in_pool else other_team)
            Caseworker.objects.filter(pk=worker.pk).update(
                cap=cap,
                open_cases=open_cases,
                load_hundredths=max(0, open_cases * 100 + off) if open_cases else 0,
                status=status,
                accepting_new_cases=accepting,
                weight_simple_hundredths=simple,
                weight_complex_hundredths=complex_,
                weight_very_complex_hundredths=very,
            )
            worker.refresh_from_db()
            workers.append(worker)
        citizen = CitizenFactory(jobcenter=jobcenter)
        earlier_ids = []
        if earlier is not None and earlier < len(workers):
            holder = workers[earlier]
            Case.objects.create(
                citizen=citizen,
                jobcenter=jobcenter,
                programme=holder.team.unit_type,
                status=CaseStatus.CLOSED,
                caseworker=holder,
                opened_at=timezone.now() - datetime.timedelta(days=9),
                assigned_at=timezone.now() - datetime.timedelta(days=9),
                closed_at=timezone.now() - datetime.timedelta(days=1),
                outcome="job",
            )
            earlier_ids = [holder.pk]
        pool = [w for w in workers if w.team_id == pool_team.pk]
        expected = engine.choose_caseworker([rules.as_candidate(w, complexity) for w in pool], earlier_ids)

        case = _intake(citizen, complexity=complexity)

        assert case is not None  # no other transaction holds a row: it always decides
        case_row = Case.objects.get(pk=case.pk)
        assert case_row.caseworker_id == expected.caseworker_id != roomy_elsewhere.pk
        for field in (
            "status",
            "caseworker_id",
            "queued_at",
            "assigned_at",
            "opened_at",
            "programme",
            "complexity",
            "weight_hundredths",
        ):
            assert getattr(case_row, field) == getattr(case, field)
        assert case_row.complexity == complexity
        if expected.queued:
            assert case_row.status == CaseStatus.QUEUED and not case_row.assignments.exists()
        else:
            [assignment] = case_row.assignments.all()
            assert assignment.caseworker_id == expected.caseworker_id and assignment.ended_at is None
            assert assignment.reason == (
                AssignmentReason.CONTINUITY if expected.continuity else AssignmentReason.INTAKE
            )
            before = next(w for w in workers if w.pk == expected.caseworker_id)
            after = Caseworker.objects.get(pk=expected.caseworker_id)
            assert after.open_cases == before.open_cases + 1
            # the load rose by what the case weighs for her, and the case records that weight
            assert case_row.weight_hundredths == expected.weight == before.weight_of(complexity)
            assert after.load_hundredths == before.load_hundredths + expected.weight <= after.cap * 100
        transaction.set_rollback(True)


def test_one_statement_is_the_whole_intake():
    team = TeamFactory(unit_type="standard")
    CaseworkerFactory(team=team)
    citizen = CitizenFactory(jobcenter=team.jobcenter)
    with CaptureQueriesContext(connection) as queries:
        case = services.case_create(citizen=citizen, programme="standard")
    assert case.status == CaseStatus.OPEN
    # Inside the test's transaction the statement runs in a savepoint (see intake.py).
    statements = [str(q["sql"])[:40] for q in queries.captured_queries]
    assert len(statements) == 3 and statements[0].startswith("SAVEPOINT"), statements
    assert "WITH no_trial AS" in queries.captured_queries[1]["sql"]  # logged with its text


def test_a_running_trial_leaves_the_decision_to_the_general_path():
    team = TeamFactory(unit_type="standard")
    CaseworkerFactory(team=team)
    trial = Trial.objects.create(
        name="Forsøg", jobcenter=team.jobcenter, programme="standard", starts_on=timezone.localdate()
    )
    TrialArm.objects.create(trial=trial, name="ordinary").teams.set([team])
    assert _intake(CitizenFactory(jobcenter=team.jobcenter)) is None
    assert not Case.objects.exists()
    # A trial that has ended, or that randomises another programme, does not.
    assert _intake(CitizenFactory(jobcenter=team.jobcenter), programme="psychiatric") is not None
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Trial.objects.filter(pk=trial.pk).update(starts_on=yesterday - datetime.timedelta(days=30), ends_on=yesterday)
    assert _intake(CitizenFactory(jobcenter=team.jobcenter)) is not None


def test_a_second_unclosed_case_is_refused_and_the_callers_transaction_goes_on():
    team = TeamFactory(unit_type="standard")
    worker = CaseworkerFactory(team=team)
    citizen = CitizenFactory(jobcenter=team.jobcenter)
    services.case_create(citizen=citizen, programme="standard")
    with transaction.atomic():
        with pytest.raises(DuplicateOpenCase):
            services.case_create(citizen=citizen, programme="standard")
        # The savepoint rolled back the failed statement only; the claim went with it.
        assert Caseworker.objects.get(pk=worker.pk).open_cases == 1
    assert Case.objects.count() == 1


def test_the_actor_is_recorded_on_the_first_assignment():
    team = TeamFactory(unit_type="standard")
    CaseworkerFactory(team=team)
    clerk = UserFactory()
    case = _intake(CitizenFactory(jobcenter=team.jobcenter), by=clerk)
    assert CaseAssignment.objects.get(case=case).by_id == clerk.pk


@pytest.mark.parametrize("prepared", [True, False])
def test_prepared_or_not_it_allocates(prepared):
    team = TeamFactory(unit_type="standard")
    worker = CaseworkerFactory(team=team)
    with override_settings(ALLOCATION_PREPARED_INTAKE=prepared):
        cases = [_intake(CitizenFactory(jobcenter=team.jobcenter)) for _ in range(3)]
    assert {c.caseworker_id for c in cases} == {worker.pk}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%WITH no_trial AS%"])
        assert cursor.fetchone()[0] == (1 if prepared else 0)


def test_queued_only_when_nobody_has_room():
    team = TeamFactory(unit_type="standard")
    worker = CaseworkerFactory(team=team, cap_override=1)
    first = _intake(CitizenFactory(jobcenter=team.jobcenter))
    second = _intake(CitizenFactory(jobcenter=team.jobcenter))
    assert (first.status, first.caseworker_id) == (CaseStatus.OPEN, worker.pk)
    assert (second.status, second.caseworker_id) == (CaseStatus.QUEUED, None)
    assert Case.objects.get(pk=second.pk).queued_at == second.queued_at


@pytest.mark.django_db(transaction=True)
def test_when_every_row_with_room_is_being_written_the_general_path_decides():
    team = TeamFactory(unit_type="standard")
    worker = CaseworkerFactory(team=team)
    citizen = CitizenFactory(jobcenter=team.jobcenter)
    locked, release, results = threading.Event(), threading.Event(), []

    def writer():
        try:
            with transaction.atomic():
                list(Caseworker.objects.select_for_update(no_key=True).filter(pk=worker.pk))
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        results.append(_intake(citizen))  # SKIP LOCKED: it does not queue, it steps aside
    finally:
        release.set()
        thread.join()
    assert results == [None]
    assert not Case.objects.exists()
    # and the whole intake then waits for the row and takes it
    assert services.case_create(citizen=citizen, programme="standard").caseworker_id == worker.pk
