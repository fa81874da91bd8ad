"""The Viewer: the facts about a user that every decision reads, read once per request."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from knox.models import AuthToken

from access.viewer import ANONYMOUS, Viewer, viewer_of
from staff.models import Caseworker

pytestmark = pytest.mark.django_db


def test_nobody_signed_in_is_the_anonymous_viewer_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert viewer_of(None) is ANONYMOUS
        assert viewer_of(AnonymousUser()) is ANONYMOUS
    assert not ANONYMOUS.is_authenticated and not ANONYMOUS.is_admin and not ANONYMOUS.leads_any_team


def test_a_leader_who_is_also_a_caseworker(town):
    Caseworker.objects.create(user=town.leader, team=town.unled, full_name="Lene", role="flere_skal_med", cap=5)
    viewer = viewer_of(town.leader)
    own = Caseworker.objects.get(user=town.leader)
    assert viewer == Viewer(
        user_id=town.leader.pk,
        is_admin=False,
        caseworker_id=own.pk,
        caseworker_team_id=town.unled.pk,
        caseworker_jobcenter_id=town.unled.jobcenter_id,
        led_team_ids=(town.team.pk, town.psychiatric.pk),  # in the teams' own order
        led_pools=frozenset({(town.team.jobcenter_id, "flere_skal_med"), (town.team.jobcenter_id, "psychiatric")}),
        led_jobcenter_ids=frozenset({town.team.jobcenter_id}),
    )
    assert viewer.leads(town.team.pk) and not viewer.leads(town.unled.pk) and not viewer.leads(None)


def test_a_caseworker_and_an_admin(town):
    caseworker = viewer_of(town.holder.user)
    assert (caseworker.caseworker_id, caseworker.led_team_ids, caseworker.is_admin) == (town.holder.pk, (), False)
    admin = viewer_of(town.admin)
    assert (admin.is_admin, admin.caseworker_id, admin.led_team_ids) == (True, None, ())


def test_read_once_and_kept_on_the_user_object(town, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = viewer_of(town.leader)
    with django_assert_num_queries(0):
        assert viewer_of(town.leader) is first
        assert viewer_of(first) is first


def _reads_of_the_viewer(queries) -> int:
    # The Viewer's one query is the only one that reads who leads which team.
    return sum('"staff_team_leaders"' in q["sql"] for q in queries)


@pytest.mark.parametrize("name", ["web:case", "web:team", "web:home", "reports:index"])
def test_a_page_reads_the_viewer_once(client, town, name):
    # the case page asks who may close and reassign, and lists the candidates; the board asks
    # who leads; every page's navigation asks whether the user leads a team
    args = {"web:case": [town.case.pk], "web:team": [town.team.pk]}.get(name, [])
    client.force_login(town.leader)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name, args=args), follow=True)
    assert response.status_code == 200
    assert _reads_of_the_viewer(queries) == 1


@pytest.mark.parametrize("method, url", [("post", "reassign"), ("get", "detail"), ("get", "me"), ("get", "citizens")])
def test_an_endpoint_reads_the_viewer_once(client, town, method, url):
    _, token = AuthToken.objects.create(user=town.leader)
    path = {
        "reassign": f"/api/v1/cases/{town.case.pk}/reassign/",
        "detail": f"/api/v1/cases/{town.case.pk}/",
        "me": "/api/v1/me/",
        "citizens": "/api/v1/citizens/",
    }[url]
    body = {"caseworker": town.colleague.pk} if method == "post" else None
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
        )
    assert response.status_code == 200, response.content
    assert _reads_of_the_viewer(queries) == 1
