"""Two jobcenters, each with a team, a leader, caseworkers, a citizen with a case and an alert.

Team A (jobcenter 101) and team B (jobcenter 102) are both Flere skal med units; the
scoping tests prove that nobody of team A reaches anything of team B.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from allocation.models import Alert, AlertKind
from allocation.tests.factories import open_case
from cases.models import Case, Citizen
from cases.tests.factories import CitizenFactory
from staff.models import Caseworker, Jobcenter, Team
from staff.tests.factories import AdminFactory, CaseworkerFactory, JobcenterFactory, TeamFactory, UserFactory


@dataclass
class Side:
    jobcenter: Jobcenter
    team: Team
    leader: object
    caseworker: Caseworker
    other_caseworker: Caseworker
    citizen: Citizen
    case: Case
    alert: Alert


@dataclass
class World:
    admin: object
    a: Side
    b: Side


def _side(code: str, name: str) -> Side:
    jobcenter = JobcenterFactory(municipality_code=code, name=f"Jobcenter {name}")
    leader = UserFactory(username=f"leader_{name}")
    team = TeamFactory(jobcenter=jobcenter, name=f"Team {name}", unit_type="flere_skal_med", leaders=[leader])
    caseworker = CaseworkerFactory(team=team, username=f"cw_{name}", full_name=f"Caseworker {name}", cap_override=10)
    other = CaseworkerFactory(team=team, username=f"cw2_{name}", full_name=f"Second {name}", cap_override=10)
    citizen = CitizenFactory(jobcenter=jobcenter)
    case = open_case(team=team, citizen=citizen)
    assert case.caseworker_id == caseworker.pk
    # As the caseload check records one (details, leaders already told), for the API to list.
    alert = Alert.objects.create(
        kind=AlertKind.TEAM_OVER_CAPACITY,
        team=team,
        message=f"Team {name} is over capacity",
        details={"team": team.name, "open_cases": 21, "capacity": 20, "over_by": 1},
        notified_at=timezone.now(),
    )
    return Side(jobcenter, team, leader, caseworker, other, citizen, case, alert)


@pytest.fixture
def world(db) -> World:
    return World(admin=AdminFactory(username="admin"), a=_side("101", "A"), b=_side("102", "B"))


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        _, token = AuthToken.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def as_admin(world) -> APIClient:
    return client_for(world.admin)


@pytest.fixture
def as_leader_a(world) -> APIClient:
    return client_for(world.a.leader)


@pytest.fixture
def as_caseworker_a(world) -> APIClient:
    return client_for(world.a.caseworker.user)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()
