"""One jobcenter with two Flere skal med teams (A led by the leader, A2 not) and a
psychiatric team the leader also leads; another jobcenter with team B."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from allocation.tests.factories import open_case
from cases.models import Case
from staff.models import Caseworker, Team
from staff.tests.factories import AdminFactory, CaseworkerFactory, JobcenterFactory, TeamFactory, UserFactory


@dataclass
class Town:
    leader: object
    admin: object
    team: Team
    unled: Team  # same pool as `team`, not led by the leader
    psychiatric: Team  # led by the leader, another programme
    elsewhere: Team  # another jobcenter
    holder: Caseworker
    colleague: Caseworker
    stranger: Caseworker
    psychiatrist: Caseworker
    far_away: Caseworker
    case: Case


@pytest.fixture
def town(db) -> Town:
    leader = UserFactory(username="leader")
    home = JobcenterFactory(municipality_code="101")
    team = TeamFactory(jobcenter=home, name="A", unit_type="flere_skal_med", leaders=[leader])
    unled = TeamFactory(jobcenter=home, name="A2", unit_type="flere_skal_med")
    psychiatric = TeamFactory(jobcenter=home, name="P", unit_type="psychiatric", leaders=[leader])
    elsewhere = TeamFactory(jobcenter=JobcenterFactory(municipality_code="102"), name="B")
    holder = CaseworkerFactory(team=team, username="holder", full_name="Holder", cap_override=10)
    colleague = CaseworkerFactory(team=team, username="colleague", full_name="Colleague", cap_override=10)
    # no room in the rest of the pool, so that the case goes to its holder
    stranger = CaseworkerFactory(team=unled, username="stranger", full_name="Stranger", cap_override=0)
    psychiatrist = CaseworkerFactory(team=psychiatric, username="psy", full_name="Psychiatrist", cap_override=10)
    far_away = CaseworkerFactory(team=elsewhere, username="far", full_name="Far Away", cap_override=10)
    case = open_case(team=team)
    assert case.caseworker_id == holder.pk or case.caseworker_id == colleague.pk
    if case.caseworker_id != holder.pk:
        holder, colleague = colleague, holder
    return Town(
        leader,
        AdminFactory(username="admin"),
        team,
        unled,
        psychiatric,
        elsewhere,
        holder,
        colleague,
        stranger,
        psychiatrist,
        far_away,
        case,
    )
