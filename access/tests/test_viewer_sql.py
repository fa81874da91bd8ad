"""The Viewer is read with one fixed SQL statement (it runs on every request); the ORM query
it replaced is the oracle: both must give the same facts for every kind of login."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.viewer import Viewer, _read, viewer_from_rows
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _oracle(user) -> Viewer:
    rows = list(
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list(
            "caseworker__pk",
            "caseworker__team_id",
            "caseworker__team__jobcenter_id",
            "teams_led__pk",
            "teams_led__jobcenter_id",
            "teams_led__unit_type",
        )
        .order_by("teams_led__jobcenter_id", "teams_led__name", "teams_led__pk")
    )
    return viewer_from_rows(user, rows)


def test_every_kind_of_login_reads_as_the_orm_query_read_it():
    north, south = JobcenterFactory(), JobcenterFactory()
    teams = [
        TeamFactory(jobcenter=south, name="Zeta", unit_type="standard"),
        TeamFactory(jobcenter=north, name="Beta", unit_type="psychiatric"),
        TeamFactory(jobcenter=north, name="Alfa", unit_type="flere_skal_med"),
        TeamFactory(jobcenter=south, name="Alfa", unit_type="trial"),
    ]
    plain = UserFactory()
    admin = UserFactory(is_staff=True, is_superuser=True)
    caseworker = CaseworkerFactory(team=teams[0]).user
    leader_of_many = UserFactory()
    for team in teams:
        team.leaders.add(leader_of_many)
    leading_caseworker = CaseworkerFactory(team=teams[1]).user
    teams[3].leaders.add(leading_caseworker)
    teams[2].leaders.add(admin)

    for user in (plain, admin, caseworker, leader_of_many, leading_caseworker):
        with CaptureQueriesContext(connection) as queries:
            viewer = _read(user)
        assert len(queries) == 1
        assert viewer == _oracle(user), user.username
    # the teams in the teams' own order: by jobcentre, then name, then id
    assert _read(leader_of_many).led_team_ids == tuple(
        t.pk for t in sorted(teams, key=lambda t: (t.jobcenter_id, t.name, t.pk))
    )
