"""List endpoints keep a constant number of queries whatever the page size: the same bound
pinned for 1 row and for 50 (team and caseworker load figures are aggregates or columns; the
contact plan and the overdue counts are SQL, rendered from the contact rules read once)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from allocation.models import Alert, AlertKind
from allocation.tests.factories import open_case
from casework import services as casework_services
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db

# path → the most queries one page may take: authentication (two: knox's token with its
# user, and the user's other tokens, whose expired ones it deletes), the user's Viewer (one
# query, access.viewer), count, page, prefetches
BOUNDS = {
    "/api/v1/jobcenters/": 5,
    "/api/v1/teams/": 7,  # + the leaders, prefetched in one query; + the contact rules (contacts_overdue)
    "/api/v1/caseworkers/": 6,  # + the contact rules (contacts_overdue)
    "/api/v1/policies/": 4,  # the same for everyone signed in: no Viewer needed
    "/api/v1/contact-rules/": 3,  # likewise, and one page of at most four rows: no count query
    # Citizens, cases and meetings: + one INSERT into the access log for the whole page.
    "/api/v1/citizens/": 6,
    "/api/v1/cases/": 7,  # + the contact rules (next_contact_due)
    "/api/v1/meetings/": 6,
    "/api/v1/alerts/": 5,
    # + the case's door
    "/api/v1/cases/{case}/journal/": 7,
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
    cases = [open_case(team=home) for _ in range(n)]
    for i in range(n):
        Alert.objects.create(
            kind=AlertKind.TEAM_OVER_CAPACITY,
            team=home,
            subject=str(i),
            message=f"alert {i}",
            details={"team": home.name, "open_cases": 21, "capacity": 20, "over_by": 1},
            notified_at=timezone.now(),
        )
    _casework(cases, by=leader)
    return leader, admin, cases[0]


def _casework(cases, *, by) -> None:
    """A meeting per case, and as many journal entries on the first case, held and not: the
    contact plan has something to count."""
    for i, case in enumerate(cases):
        starts_at = timezone.now() - timedelta(days=60, hours=i)
        meeting = casework_services.meeting_book(
            case=case, starts_at=starts_at, kind="jobsamtale", channel="phone", duration_minutes=30
        )
        if i % 2:
            casework_services.meeting_held(meeting=meeting, by=by)
        casework_services.journal_write(case=cases[0], kind="note", text=f"Note {i}", by=by)


def _expected(path: str, who: str, rows: int) -> int:
    if path == "/api/v1/policies/":
        return 5
    if path == "/api/v1/contact-rules/":
        return 4
    if who == "leader" and path == "/api/v1/jobcenters/":
        return 1
    return rows


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize("who", ["leader", "admin"])
@pytest.mark.parametrize("path", sorted(BOUNDS))
def test_list_queries_do_not_grow_with_the_page(db, django_assert_max_num_queries, path, who, rows):
    leader, admin, case = _rows(rows)
    client = client_for(leader if who == "leader" else admin)
    with django_assert_max_num_queries(BOUNDS[path]):
        response = client.get(path.format(case=case.pk))
    assert response.status_code == 200
    assert len(response.json()["results"]) == _expected(path, who, rows)


# authentication (two), the Viewer, the contact rules, then one query per list (the day's
# meetings with their cases, overdue, due soon, new to the caseworker), and the access log.
AGENDA_BOUND = 9


@pytest.mark.parametrize("rows", [1, 40])
def test_the_agenda_does_not_grow_with_the_caseload(db, django_assert_max_num_queries, rows):
    caseworker = CaseworkerFactory(team=TeamFactory(unit_type="standard"), cap_override=100)
    cases = [open_case(team=caseworker.team) for _ in range(rows)]
    assert {case.caseworker_id for case in cases} == {caseworker.pk}
    today = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    for i, case in enumerate(cases):
        casework_services.meeting_book(
            case=case, starts_at=today + timedelta(minutes=10 * i), kind="other", channel="phone", duration_minutes=5
        )
    client = client_for(caseworker.user)
    with django_assert_max_num_queries(AGENDA_BOUND):
        response = client.get("/api/v1/me/agenda/")
    assert response.status_code == 200
    body = response.json()
    assert (len(body["meetings"]), len(body["new_cases"])) == (rows, rows)
    assert len(body["due_soon"]) == rows  # opened today: the first conversation is due within the week
