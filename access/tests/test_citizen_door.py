"""One citizen by id (`doors.citizen_visible`: one fixed statement, the rule in Python) answers
as the scope does (`scopes.citizens_visible_to`), for every kind of user and every state of
the citizen's cases: the scope is the oracle."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access import doors, scopes
from cases.models import Case, CaseStatus
from cases.tests.factories import CitizenFactory
from staff.tests.factories import CaseworkerFactory

pytestmark = pytest.mark.django_db


def _case(**fields) -> Case:
    now = timezone.now()
    if fields["status"] == CaseStatus.CLOSED:
        fields.update(closed_at=now, outcome="job")
    return Case.objects.create(opened_at=now, **fields)


def _citizens(town):
    """Citizens in every state the rule tells apart: no case (home and away), a case open with
    a caseworker of each team, queued in each pool, closed with each caseworker, and two cases."""
    home, away = town.team.jobcenter, town.elsewhere.jobcenter
    citizens = [CitizenFactory(jobcenter=home), CitizenFactory(jobcenter=away), town.case.citizen]
    holders = [town.holder, town.colleague, town.stranger, town.psychiatrist, town.far_away]
    for holder, status in itertools.product(holders, [CaseStatus.OPEN, CaseStatus.CLOSED]):
        citizen = CitizenFactory(jobcenter=holder.team.jobcenter)
        _case(
            citizen=citizen,
            jobcenter=holder.team.jobcenter,
            programme=holder.team.unit_type,
            status=status,
            caseworker=holder,
        )
        citizens.append(citizen)
    for team in (town.team, town.psychiatric, town.elsewhere):
        citizen = CitizenFactory(jobcenter=team.jobcenter)
        _case(citizen=citizen, jobcenter=team.jobcenter, programme=team.unit_type, status="queued")
        citizens.append(citizen)
    both = CitizenFactory(jobcenter=home)  # a closed case with a stranger, one open with the holder
    _case(citizen=both, jobcenter=home, programme="flere_skal_med", status="closed", caseworker=town.stranger)
    _case(citizen=both, jobcenter=home, programme="flere_skal_med", status="open", caseworker=town.holder)
    return [*citizens, both]


def test_the_door_answers_for_one_citizen_as_the_scope_does(town):
    citizens = _citizens(town)
    leading_caseworker = CaseworkerFactory(team=town.unled).user
    town.psychiatric.leaders.add(leading_caseworker)
    users = [town.leader, town.admin, town.holder.user, town.stranger.user, town.far_away.user, leading_caseworker]
    seen = set()
    for user in users:
        visible = set(scopes.citizens_visible_to(user).values_list("pk", flat=True))
        for citizen in citizens:
            found = doors.citizen_visible(user, citizen.pk)
            assert (found is not None) == (citizen.pk in visible), (user.username, citizen.pk)
            if found is not None:
                assert (found.pk, found.name, found.cpr) == (citizen.pk, citizen.name, citizen.cpr)
            seen.add(found is not None)
    assert seen == {True, False}  # the world has both answers


def test_ids_that_name_no_citizen_and_anonymous_find_nothing(town):
    from django.contrib.auth.models import AnonymousUser

    for value in (0, -1, "x", "١٢", 10**30, None, town.case.citizen_id + 10_000):
        assert doors.citizen_visible(town.leader, value) is None
    assert doors.citizen_visible(AnonymousUser(), town.case.citizen_id) is None


def test_one_statement_for_one_citizen(town):
    scopes.citizens_visible_to(town.leader)  # the Viewer is read once per request, not here
    with CaptureQueriesContext(connection) as queries:
        doors.citizen_visible(town.leader, town.case.citizen_id)
    assert len(queries) == 1
