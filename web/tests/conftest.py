"""Data for the page tests, built through the real services (counters and history are right)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from allocation import services
from allocation.tests.factories import open_case
from staff.models import Caseworker, Team, UnitType
from staff.tests.factories import AdminFactory, CaseworkerFactory, TeamFactory, UserFactory


@dataclass
class Office:
    team: Team
    other_team: Team
    anna: Caseworker
    bo: Caseworker
    stranger: Caseworker
    leader: object
    admin: object


@pytest.fixture
def office(db) -> Office:
    """Two Flere skal med teams in one jobcenter; Anna and Bo in the first, a stranger in the second."""
    leader = make_user(username="leader", first_name="Lene", last_name="Leder")
    team = TeamFactory(name="Team Nord", unit_type=UnitType.FLERE_SKAL_MED, leaders=[leader])
    other_team = TeamFactory(name="Team Syd", unit_type=UnitType.FLERE_SKAL_MED, jobcenter=team.jobcenter)
    anna = CaseworkerFactory(username="anna", full_name="Anna Andersen", team=team)
    bo = CaseworkerFactory(username="bo", full_name="Bo Bertelsen", team=team)
    stranger = CaseworkerFactory(username="stranger", full_name="Sif Sørensen", team=other_team)
    admin = make_user(factory=AdminFactory, username="admin")
    return Office(team, other_team, anna, bo, stranger, leader, admin)


def make_user(*, factory=UserFactory, **fields):
    """A saved user with password "pw" (UserFactory skips the save after set_password)."""
    user = factory(**fields)
    user.set_password("pw")
    user.save()
    return user


def give_cases(caseworker: Caseworker, count: int) -> list:
    """`count` open cases for this caseworker: everyone else in the pool stops accepting meanwhile."""
    pool = Caseworker.objects.filter(
        team__jobcenter_id=caseworker.team.jobcenter_id,
        team__unit_type=caseworker.team.unit_type,
        accepting_new_cases=True,
    ).exclude(pk=caseworker.pk)
    paused = list(pool)
    for other in paused:
        services.caseworker_update(caseworker=other, accepting_new_cases=False)
    cases = [open_case(team=caseworker.team) for _ in range(count)]
    assert all(c.caseworker_id == caseworker.pk for c in cases)
    for other in paused:
        services.caseworker_update(caseworker=other, accepting_new_cases=True)
    return cases
