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
from staff.models import Caseworker, CaseworkerStatus
from staff.tests.factories import CaseworkerFactory, TeamFactory

pytestmark = pytest.mark.django_db

rows = st.lists(
    st.tuples(
        st.integers(0, 7),  # cap
        st.integers(0, 9),  # open cases (above cap after a lowered cap)
        # Mostly caseworkers who may take a case, so that the ranking has rows to order.
        st.sampled_from([CaseworkerStatus.ACTIVE] * 3 + [CaseworkerStatus.ON_LEAVE]),
        st.sampled_from([True, True, True, False]),  # accepting new cases
    ),
    min_size=1,
    max_size=9,
)


def _sql_ids(where: str, order: str = "cw.id") -> list[int]:
    table = Caseworker._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cw.id FROM {table} cw WHERE {where} ORDER BY {order}")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states=rows)
def test_who_may_take_a_case_and_in_which_order_agree_in_python_orm_and_sql(states):
    with transaction.atomic():
        team = TeamFactory()
        for cap, open_cases, status, accepting in states:
            worker = CaseworkerFactory(team=team)
            Caseworker.objects.filter(pk=worker.pk).update(
                cap=cap, open_cases=open_cases, status=status, accepting_new_cases=accepting
            )
        workers = list(Caseworker.objects.filter(team=team).order_by("pk"))

        in_python = [w.pk for w in workers if engine.refusal(w) is None]
        in_orm = list(
            Caseworker.objects.filter(rules.takes_a_case_q(), team=team).order_by("pk").values_list("pk", flat=True)
        )
        in_sql = [pk for pk in _sql_ids(rules.takes_a_case_sql("cw")) if pk in {w.pk for w in workers}]
        assert in_python == in_orm == in_sql

        ranked_python = [w.pk for w in sorted((w for w in workers if w.pk in in_python), key=engine.load_key)]
        ranked_orm = list(
            Caseworker.objects.filter(rules.takes_a_case_q(), team=team)
            .order_by(*rules.ranking_order_by())
            .values_list("pk", flat=True)
        )
        ranked_sql = [
            pk for pk in _sql_ids(rules.takes_a_case_sql("cw"), rules.ranking_sql("cw")) if pk in set(in_python)
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
