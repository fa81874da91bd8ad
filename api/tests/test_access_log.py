"""The access log over the API: every endpoint that shows a citizen's data records who saw
whom, how, when and through which route; administrators read it per citizen; the full CPR
number comes only through a logged reveal with a purpose."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse

from cases.models import AccessAction, CitizenAccess

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _accesses(user, **filters):
    return list(CitizenAccess.objects.filter(user=user, **filters).values_list("citizen_id", "action", "route"))


def test_citizen_list_and_detail_are_logged_for_exactly_the_citizens_shown(world, as_caseworker_a):
    user = world.a.caseworker.user
    listed = as_caseworker_a.get("/api/v1/citizens/")
    assert [row["id"] for row in listed.json()["results"]] == [world.a.citizen.pk]
    assert _accesses(user) == [(world.a.citizen.pk, AccessAction.LIST, "/api/v1/citizens/")]

    url = f"/api/v1/citizens/{world.a.citizen.pk}/"
    assert as_caseworker_a.get(url).status_code == 200
    assert _accesses(user, action=AccessAction.VIEW) == [(world.a.citizen.pk, AccessAction.VIEW, url)]


def test_a_citizen_one_may_not_see_is_not_shown_and_not_logged(world, as_caseworker_a):
    assert as_caseworker_a.get(f"/api/v1/citizens/{world.b.citizen.pk}/").status_code == 404
    assert not CitizenAccess.objects.exists()


def test_case_reads_are_logged_for_the_cases_citizen(world, as_leader_a):
    case = world.a.case
    as_leader_a.get("/api/v1/cases/")
    as_leader_a.get(f"/api/v1/cases/{case.pk}/")
    as_leader_a.get(f"/api/v1/cases/{case.pk}/history/")
    assert _accesses(world.a.leader) == [
        (case.citizen_id, AccessAction.VIEW, f"/api/v1/cases/{case.pk}/history/"),
        (case.citizen_id, AccessAction.VIEW, f"/api/v1/cases/{case.pk}/"),
        (case.citizen_id, AccessAction.LIST, "/api/v1/cases/"),
    ]


def test_a_list_page_logs_one_row_per_citizen_on_that_page_only(world, as_admin):
    response = as_admin.get("/api/v1/citizens/", {"page_size": 1})
    assert response.json()["count"] == 2
    assert len(_accesses(world.admin)) == 1


def test_nothing_is_shown_when_the_access_cannot_be_logged(world, as_caseworker_a):
    # given: the log table refuses the write
    with mock.patch("cases.access_log._insert", side_effect=DatabaseError("log is down")):
        as_caseworker_a.raise_request_exception = False
        response = as_caseworker_a.get(f"/api/v1/citizens/{world.a.citizen.pk}/")
    # then: a server error, and no data about the citizen in it
    assert response.status_code == 500
    assert world.a.citizen.name.encode() not in response.content


# --- The access log endpoint (GDPR art. 15) ----------------------------------------------


def test_admin_reads_who_has_looked_at_a_citizen_newest_first(world, as_admin, as_caseworker_a, as_leader_a):
    citizen = world.a.citizen
    as_caseworker_a.get(f"/api/v1/citizens/{citizen.pk}/")
    as_leader_a.post(f"/api/v1/citizens/{citizen.pk}/reveal-cpr/", {"purpose": "Letter to the citizen"}, format="json")
    as_admin.get(f"/api/v1/citizens/{world.b.citizen.pk}/")  # somebody else's record

    response = as_admin.get(f"/api/v1/citizens/{citizen.pk}/access-log/")

    assert response.status_code == 200
    body = response.json()
    assert {"count", "next", "previous", "results"} <= set(body)
    rows = body["results"]
    assert [(r["username"], r["action"], r["purpose"]) for r in rows] == [
        ("leader_A", "reveal", "Letter to the citizen"),
        ("cw_A", "view", ""),
    ]
    assert rows[0]["route"] == f"/api/v1/citizens/{citizen.pk}/reveal-cpr/"
    assert rows[0]["user"] == world.a.leader.pk
    assert set(rows[0]) == {"id", "user", "username", "action", "route", "purpose", "created_at"}
    # reading the log is itself a look at the citizen, and shows up next time
    again = as_admin.get(f"/api/v1/citizens/{citizen.pk}/access-log/").json()["results"]
    assert (again[0]["username"], again[0]["action"]) == ("admin", "view")


def test_the_access_log_is_paginated(world, as_admin):
    for _ in range(60):
        as_admin.get(f"/api/v1/citizens/{world.a.citizen.pk}/")
    first = as_admin.get(f"/api/v1/citizens/{world.a.citizen.pk}/access-log/").json()
    assert first["count"] == 60 and len(first["results"]) == 50 and first["next"]


@pytest.mark.parametrize("who", ["caseworker", "leader"])
def test_only_an_admin_reads_the_access_log(world, who):
    client = client_for(world.a.caseworker.user if who == "caseworker" else world.a.leader)
    assert client.get(f"/api/v1/citizens/{world.a.citizen.pk}/access-log/").status_code == 403  # may see the citizen
    assert client.get(f"/api/v1/citizens/{world.b.citizen.pk}/access-log/").status_code == 404  # may not


def test_anonymous_clients_read_no_access_log(world, anonymous):
    assert anonymous.get(f"/api/v1/citizens/{world.a.citizen.pk}/access-log/").status_code in (401, 403)


# --- Revealing the CPR number ------------------------------------------------------------


@pytest.mark.parametrize("who", ["caseworker", "leader", "admin"])
def test_a_user_who_may_see_the_citizen_reveals_the_cpr_with_a_purpose(world, who):
    user = {"caseworker": world.a.caseworker.user, "leader": world.a.leader, "admin": world.admin}[who]
    citizen = world.a.citizen
    url = f"/api/v1/citizens/{citizen.pk}/reveal-cpr/"

    response = client_for(user).post(url, {"purpose": "  Meeting at the jobcentre  "}, format="json")

    assert response.status_code == 200
    assert response.json() == {"cpr": citizen.cpr}
    assert response["Cache-Control"] == "no-store"
    access = CitizenAccess.objects.get(user=user, action=AccessAction.REVEAL)
    assert (access.citizen_id, access.route, access.purpose) == (citizen.pk, url, "Meeting at the jobcentre")


@pytest.mark.parametrize("body", [{}, {"purpose": ""}, {"purpose": "   "}, {"purpose": None}, {"purpose": "x" * 501}])
def test_a_reveal_without_a_purpose_is_refused_and_not_logged(world, as_caseworker_a, body):
    response = as_caseworker_a.post(f"/api/v1/citizens/{world.a.citizen.pk}/reveal-cpr/", body, format="json")
    assert response.status_code == 400
    assert "purpose" in response.json()
    assert world.a.citizen.cpr not in response.content.decode()
    assert not CitizenAccess.objects.filter(action=AccessAction.REVEAL).exists()


@pytest.mark.parametrize("who", ["caseworker", "leader"])
def test_nobody_reveals_the_cpr_of_a_citizen_they_may_not_see(world, who):
    client = client_for(world.a.caseworker.user if who == "caseworker" else world.a.leader)
    response = client.post(f"/api/v1/citizens/{world.b.citizen.pk}/reveal-cpr/", {"purpose": "curious"}, format="json")
    assert response.status_code == 404
    assert world.b.citizen.cpr not in response.content.decode()
    assert not CitizenAccess.objects.exists()


def test_anonymous_clients_reveal_nothing(world, anonymous):
    response = anonymous.post(f"/api/v1/citizens/{world.a.citizen.pk}/reveal-cpr/", {"purpose": "x"}, format="json")
    assert response.status_code in (401, 403)


def test_everywhere_else_the_cpr_is_masked(world, as_admin):
    full = world.a.citizen.cpr
    for url in ("/api/v1/citizens/", f"/api/v1/citizens/{world.a.citizen.pk}/", "/api/v1/cases/"):
        body = as_admin.get(url).content.decode()
        assert full not in body and full.replace("-", "") not in body


def test_a_reveal_is_a_post_only(world, as_admin):
    url = reverse("api:citizen-reveal-cpr", args=[world.a.citizen.pk])
    assert as_admin.get(url).status_code == 405
