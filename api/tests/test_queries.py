"""List endpoints keep a constant number of queries whatever the page size: the same bound
pinned for 1 row and for 50 (team and caseworker load figures are aggregates or columns)."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from allocation.models import Alert, AlertKind
from allocation.tests.factories import open_case
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db

# path → the most queries one page may take: authentication (two: knox's token with its
# user, and the user's other tokens, whose expired ones it deletes), the user's Viewer (one
# query, access.viewer), count, page, prefetches
BOUNDS = {
    "/api/v1/jobcenters/": 5,
    "/api/v1/teams/": 6,  # + the leaders, prefetched in one query
    "/api/v1/caseworkers/": 5,
    "/api/v1/policies/": 4,  # the same for everyone signed in: no Viewer needed
    # Citizens and cases: + one INSERT into the access log for the whole page.
    "/api/v1/citizens/": 6,
    "/api/v1/cases/": 6,
    "/api/v1/alerts/": 5,
}


def _rows(n: int):
    """n rows of every kind, all visible to one leader (and to the admin)."""
    User = get_user_model()
    leader = User.objects.create_user("lead", password="pw")
    admin = User.objects.create_user("root", password="pw", is_staff=True)
    # 999 is outside the factory's sequence (100–998), so it cannot meet the codes below.
    home = TeamFactory(jobcenter=JobcenterFactory(municipality_code="999"), leaders=[leader], unit_type="standard")
    for i in range(n - 1):
        JobcenterFactory(municipality_code=f"{500 + i}")
        TeamFactory(jobcenter=home.jobcenter, leaders=[leader, admin], unit_type="standard")
    for _ in range(n):
        CaseworkerFactory(team=home, cap_override=100)
    for _ in range(n):
        open_case(team=home)
    for i in range(n):
        Alert.objects.create(
            kind=AlertKind.TEAM_OVER_CAPACITY,
            team=home,
            subject=str(i),
            message=f"alert {i}",
            details={"team": home.name, "open_cases": 21, "capacity": 20, "over_by": 1},
            notified_at=timezone.now(),
        )
    return leader, admin


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize("who", ["leader", "admin"])
@pytest.mark.parametrize("path", sorted(BOUNDS))
def test_list_queries_do_not_grow_with_the_page(db, django_assert_max_num_queries, path, who, rows):
    leader, admin = _rows(rows)
    client = client_for(leader if who == "leader" else admin)
    with django_assert_max_num_queries(BOUNDS[path]):
        response = client.get(path)
    assert response.status_code == 200
    expected = 5 if path == "/api/v1/policies/" else rows
    if who == "leader" and path == "/api/v1/jobcenters/":
        expected = 1
    assert len(response.json()["results"]) == expected
