"""Each allocation rule is written once (engine.py) and rendered (rules.py): the renderings agree.

Random caseworker rows go into the database; the engine's predicate and sort key, the ORM
filter and ordering, and the SQL fragments that the intake statements are built from must
pick and order exactly the same rows. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocation import engine, rules
from cases.models import Case, CaseStatus
from cases.tests.factories import CitizenFactory
from staff.models import Caseworker, CaseworkerStatus, Complexity
from staff.tests.factories import CaseworkerFactory, TeamFactory

pytestmark = pytest.mark.django_db

# A weight in hundredths: mostly the ones a policy would set, sometimes anything in (0, 5].
weights = st.one_of(st.sampled_from([50, 100, 100, 150, 200, 250]), st.integers(1, 500))

rows = st.lists(
    st.tuples(
        st.integers(0, 7),  # cap
        st.integers(0, 9),  # open cases (above cap after a lowered cap)
        # Mostly caseworkers who may take a case, so that the ranking has rows to order.
        st.sampled_from([CaseworkerStatus.ACTIVE] * 3 + [CaseworkerStatus.ON_LEAVE]),
        st.sampled_from([True, True, True, False]),  # accepting new cases
        st.tuples(weights, weights, weights),  # what a simple, complex, very complex case weighs
        st.sampled_from([None, 0, 25, 50]),  # the load: the count's (None), or that much off it
    ),
    min_size=1,
    max_size=9,
)


def _sql_ids(where: str, order: str = "cw.id", params=()) -> list[int]:
    table = Caseworker._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cw.id FROM {table} cw WHERE {where} ORDER BY {order}", params)  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states=rows, complexity=st.sampled_from(Complexity.values))
def test_who_may_take_a_case_and_in_which_order_agree_in_python_orm_and_sql(states, complexity):
    with transaction.atomic():
        team = TeamFactory()
        for cap, open_cases, status, accepting, (simple, complex_, very), off in states:
            worker = CaseworkerFactory(team=team)
            load = open_cases * 100 - (off or 0) if open_cases else 0
            Caseworker.objects.filter(pk=worker.pk).update(
                cap=cap,
                open_cases=open_cases,
                load_hundredths=max(load, 0),
                status=status,
                accepting_new_cases=accepting,
                weight_simple_hundredths=simple,
                weight_complex_hundredths=complex_,
                weight_very_complex_hundredths=very,
            )
        workers = list(Caseworker.objects.filter(team=team).order_by("pk"))
        candidates = [rules.as_candidate(w, complexity) for w in workers]

        in_python = [c.id for c in candidates if engine.refusal(c) is None]
        in_orm = list(
            Caseworker.objects.filter(rules.takes_a_case_q(complexity=complexity), team=team)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ours = {w.pk for w in workers}
        in_sql = [pk for pk in _sql_ids(rules.takes_a_case_sql("cw", complexity=complexity)) if pk in ours]
        # the statement's form: the complexity a placeholder, one statement for all of them
        placeholder = "%s"
        in_sql_param = [
            pk
            for pk in _sql_ids(rules.takes_a_case_sql("cw", complexity_param=placeholder), params=[complexity])
            if pk in ours
        ]
        assert in_python == in_orm == in_sql == in_sql_param

        ranked_python = [c.id for c in sorted((c for c in candidates if c.id in in_python), key=engine.load_key)]
        ranked_orm = list(
            Caseworker.objects.filter(rules.takes_a_case_q(complexity=complexity), team=team)
            .order_by(*rules.ranking_order_by())
            .values_list("pk", flat=True)
        )
        ranked_sql = [
            pk
            for pk in _sql_ids(rules.takes_a_case_sql("cw", complexity=complexity), rules.ranking_sql("cw"))
            if pk in set(in_python)
        ]
        assert ranked_python == ranked_orm == ranked_sql
        transaction.set_rollback(True)


def test_a_refusal_names_the_first_condition_that_fails():
    assert engine.refusal(engine.Candidate(1, cap=2, open_cases=0)) is None
    assert engine.refusal(engine.Candidate(1, cap=2, open_cases=2)) == engine.FULL
    assert engine.refusal(engine.Candidate(1, cap=0, open_cases=0)) == engine.FULL  # a cap of 0 never takes one
    assert engine.refusal(engine.Candidate(1, 2, 0, accepting_new_cases=False)) == engine.NOT_ACCEPTING
    assert engine.refusal(engine.Candidate(1, 2, 5, status="on_leave", accepting_new_cases=False)) == engine.ON_LEAVE


histories = st.lists(
    st.tuples(
        st.integers(0, 3),  # which caseworker held it (or none: queued and closed without one)
        st.integers(0, 5),  # days ago it was assigned
        st.sampled_from([CaseStatus.CLOSED, CaseStatus.CLOSED, CaseStatus.OPEN]),
    ),
    max_size=5,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories)
def test_the_most_recent_caseworker_is_the_same_in_sql_and_in_the_orm(history):
    with transaction.atomic():
        team = TeamFactory()
        workers = [CaseworkerFactory(team=team) for _ in range(3)]
        citizen = CitizenFactory(jobcenter=team.jobcenter)
        now = timezone.now()
        open_seen = False
        for holder, days_ago, status in history:
            if status == CaseStatus.OPEN and open_seen:
                status = CaseStatus.CLOSED  # one case that is not closed per citizen
            open_seen |= status == CaseStatus.OPEN
            worker = workers[holder] if holder < len(workers) else None
            if worker is None:
                status = CaseStatus.CLOSED
            assigned = now - datetime.timedelta(days=days_ago)  # ties on the date: the id decides
            Case.objects.create(
                citizen=citizen,
                jobcenter=team.jobcenter,
                programme=team.unit_type,
                status=status,
                caseworker=worker,
                opened_at=assigned,
                assigned_at=assigned if worker else None,
                closed_at=now if status == CaseStatus.CLOSED else None,
                outcome="job" if status == CaseStatus.CLOSED else "",
            )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {rules.most_recent_caseworker_sql('%s')}", [citizen.pk])  # noqa: S608
            in_sql = cursor.fetchone()[0]

        assert in_sql == rules.most_recent_caseworker_id(citizen_id=citizen.pk)
        transaction.set_rollback(True)
