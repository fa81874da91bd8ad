"""Every page costs the same number of queries whatever the caseload or the team's size."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allocation import services
from allocation.models import Alert, AlertKind, CaseloadSnapshot
from allocation.tests.factories import open_case
from staff.models import UnitType
from staff.tests.factories import CaseworkerFactory, TeamFactory

from .conftest import make_user

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "x"}


def _count(client, url, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    return len(queries)


def _caseworker_with(cases: int):
    team = TeamFactory(unit_type=UnitType.STANDARD)  # cap 100
    worker = CaseworkerFactory(team=team)
    opened = [open_case(team=team) for _ in range(cases)]
    assert all(c.caseworker_id == worker.pk for c in opened)
    return worker, opened


@pytest.mark.parametrize("which", ["caseload", "search", "case"])
def test_caseworker_pages_cost_the_same_with_1_and_100_cases(client, which, django_assert_max_num_queries):
    def visit(opened):
        if which == "caseload":
            return _count(client, reverse("web:caseload"))
        if which == "search":
            return _count(client, reverse("web:caseload"), query_params={"q": "Borger"})
        return _count(client, reverse("web:case", args=[opened[-1].pk]))

    counts = []
    for size in (1, 100):
        worker, opened = _caseworker_with(size)
        client.force_login(worker.user)
        counts.append(visit(opened))
    assert counts[0] == counts[1], counts
    worker, opened = _caseworker_with(100)
    client.force_login(worker.user)
    with django_assert_max_num_queries(counts[0]):
        visit(opened)


def _team_of(size: int, *, history: int = 3):
    leader = make_user()
    team = TeamFactory(leaders=[leader])
    workers = [CaseworkerFactory(team=team, cap_override=3) for _ in range(size)]
    for _ in range(size * 2):
        open_case(team=team)
    for worker in workers[: size // 2]:
        services.caseworker_update(caseworker=worker, cap_override=1)  # over cap: something to rebalance
    services.caseworker_update(caseworker=workers[-1], status="on_leave")
    for worker in workers:
        Alert.objects.create(
            kind=AlertKind.CASEWORKER_OVER_CAP, team=team, caseworker=worker, subject=str(worker.pk), message="Over"
        )
    today = timezone.localdate()
    for days_ago in range(history):
        CaseloadSnapshot.objects.create(
            date=today - datetime.timedelta(days=days_ago), team=team, open_cases=size * 2, cap=size * 3
        )
    for worker in workers:  # a full pool, so that the queue has something in it
        services.caseworker_update(caseworker=worker, accepting_new_cases=False)
    for _ in range(size):
        open_case(team=team)
    return leader, team


@pytest.mark.parametrize("which", ["board", "preview", "teams"])
def test_leader_pages_cost_the_same_for_teams_of_3_and_30(client, which, django_assert_max_num_queries):
    counts = []
    for size, history in ((3, 2), (30, 90)):
        leader, team = _team_of(size, history=history)
        client.force_login(leader)
        if which == "board":
            url = reverse("web:team", args=[team.pk])
            counts.append(_count(client, url))
        elif which == "preview":
            url = reverse("web:rebalance_preview", args=[team.pk])
            counts.append(_count(client, url, headers=HTMX))
        else:
            counts.append(_count(client, reverse("web:teams")))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(counts[1]):
        client.get(url if which != "teams" else reverse("web:teams"), headers=HTMX if which == "preview" else {})


def test_admin_overview_costs_the_same_for_2_and_20_teams(client):
    admin = make_user(is_staff=True)
    client.force_login(admin)
    for _ in range(2):
        _team_of(3, history=0)
    few = _count(client, reverse("web:teams"))
    for _ in range(18):
        TeamFactory()
    assert _count(client, reverse("web:teams")) == few


def _caseworker_with_casework(size: int):
    """`size` cases, each with a meeting today and one in the week; half of them overdue for
    contact; the last case with `size` journal entries, each corrected once."""
    from casework import services as casework
    from casework.models import MeetingKind

    worker, opened = _caseworker_with(size)
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(0, 0)))
    for i, case in enumerate(opened):
        casework.meeting_book(
            case=case,
            starts_at=midnight + datetime.timedelta(minutes=15 * i),
            duration_minutes=10,
            kind=MeetingKind.JOBSAMTALE,
            channel="phone",
        )
        if i % 2:
            type(case).objects.filter(pk=case.pk).update(opened_at=timezone.now() - datetime.timedelta(days=20))
    target = opened[-1]
    for _ in range(size):
        entry = casework.journal_write(case=target, kind="note", text="Notat", by=worker.user)
        casework.journal_write(case=target, kind="note", text="Rettelse", by=worker.user, corrects=entry)
    return worker, target


@pytest.mark.parametrize("which", ["my_day", "calendar", "case"])
def test_casework_pages_cost_the_same_with_1_and_40_of_everything(client, which, django_assert_max_num_queries):
    def url(target):
        if which == "my_day":
            return reverse("web:home")
        if which == "calendar":
            return reverse("web:calendar")
        return reverse("web:case", args=[target.pk])

    counts = []
    for size in (1, 40):
        worker, target = _caseworker_with_casework(size)
        client.force_login(worker.user)
        counts.append(_count(client, url(target)))
    assert counts[0] == counts[1], counts
    worker, target = _caseworker_with_casework(40)
    client.force_login(worker.user)
    with django_assert_max_num_queries(counts[0]):
        client.get(url(target))


def test_the_calendar_feed_costs_the_same_for_1_and_40_meetings(client):
    from casework.calendar_feed import calendar_feed_create

    counts = []
    for size in (1, 40):
        worker, _target = _caseworker_with_casework(size)
        token = calendar_feed_create(user=worker.user)
        counts.append(_count(client, reverse("web:calendar_feed", kwargs={"token": token})))
    assert counts[0] == counts[1], counts
