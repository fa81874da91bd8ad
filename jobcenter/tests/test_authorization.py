"""Need to know over every route: the URL configuration is walked, and every route outside the
admin site must have its decision in authorization_table.TABLE, so that a route added
without one fails here, by name.

Per route: the table's answers for every role (each request in a transaction that is rolled
back, so one role's write never changes what the next meets); on the API, every method of a
route answers 404 to a role that may not see its object, and nothing but a 401/403 without
data to an anonymous client. The admin site is one family: staff only.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.urls import URLPattern, reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from api.tests.conftest import World
from api.tests.conftest import world as world  # noqa: F401  (fixture)
from cases.tests.factories import CitizenFactory
from casework import services as casework_services
from staff.models import CaseloadPolicy
from trials.models import Trial

from .authorization_table import HIDES, LISTS, NO_AUTH, ROLES, TABLE, Row
from .routes import admin_routes, api_routes, methods, routes, walk

pytestmark = pytest.mark.django_db


def test_every_route_has_a_decision():
    walked = [(route, name) for route, name, _ in walk() if not route.startswith("admin/")]
    unnamed = [route for route, name in walked if not name or name.endswith(":")]
    assert not unnamed, f"every route needs a name to be decided on: {unnamed}"
    names = {name for _, name in walked}
    assert not names - set(TABLE), f"routes without a scoping decision in TABLE: {sorted(names - set(TABLE))}"
    assert not set(TABLE) - names, f"decisions without a route: {sorted(set(TABLE) - names)}"
    for name, rows in TABLE.items():
        for row in rows:
            assert set(row.answers) == set(ROLES), (name, row.method, "every role needs an answer")


# --- Calling a route -----------------------------------------------------------------------


@pytest.fixture
def objects(world: World) -> dict:
    """Team A's objects, which every row is about."""
    a = world.a
    trial = Trial.objects.create(
        name="Lærkevej", jobcenter=a.jobcenter, programme="flere_skal_med", starts_on=datetime.date(2026, 1, 1)
    )
    entry = casework_services.journal_write(case=a.case, kind="note", text="Første samtale.", by=a.caseworker.user)
    # Yesterday's: it has started, so it may be marked held or a no-show as well as cancelled.
    meeting = casework_services.meeting_book(
        case=a.case, starts_at=timezone.now() - datetime.timedelta(days=1), kind="jobsamtale", channel="in_person"
    )
    return {
        "entry": entry,
        "meeting": meeting,
        "jobcenter": a.jobcenter,
        "team": a.team,
        "caseworker": a.caseworker,
        "other": a.other_caseworker,
        "citizen": a.citizen,
        "fresh-citizen": CitizenFactory(jobcenter=a.jobcenter),  # no case yet: one may be opened
        "case": a.case,
        "alert": a.alert,
        "trial": trial,
        "policy": CaseloadPolicy.objects.get(role="standard"),
        "journal-entry": entry,
    }


def _user(world: World, role: str):
    return {
        "anonymous": None,
        "caseworker": world.a.caseworker.user,
        "leader": world.a.leader,
        "caseworker_b": world.b.caseworker.user,
        "leader_b": world.b.leader,
        "admin": world.admin,
    }[role]


def _client(world: World, role: str, *, token: bool = False) -> APIClient:
    """A browser's session, or (`token`) an API client's token."""
    client = APIClient()
    user = _user(world, role)
    if user is not None and token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    elif user is not None:
        client.force_login(user)
    return client


def _url(name: str, pattern: URLPattern, what: str | None, objects: dict) -> str:
    values = {
        "team_id": lambda: objects["team"].pk,
        "caseworker_id": lambda: objects["other"].pk,
        "case_id": lambda: objects["case"].pk,
        "entry_id": lambda: objects["entry"].pk,
        "meeting_id": lambda: objects["meeting"].pk,
        "trial_id": lambda: objects["trial"].pk,
        "role": lambda: objects["policy"].role,
        "programme": lambda: "flere_skal_med",
        "uidb64": lambda: "MQ",
        "token": lambda: "set-password",
        "pk": lambda: objects[what].pk,
    }
    return reverse(name, kwargs={key: values[key]() for key in pattern.pattern.regex.groupindex})


def _params(row: Row, objects: dict) -> dict:
    if row.what == "team-filter":
        return {"team": objects["team"].pk}
    if row.what == "jobcenter-filter":
        return {"jobcenter": objects["jobcenter"].pk}
    return {}


def _body(body: dict | None, objects: dict) -> dict:
    result = {}
    for key, value in (body or {}).items():
        if value in ("other", "jobcenter", "team", "fresh-citizen", "case"):
            value = objects[value].pk
        elif value == "new-cpr":
            value = "311299-1235"
        elif value == "citizen-cpr":
            value = objects["citizen"].cpr
        result[key] = value
    return result


def _send(client, method: str, url: str, body: dict, *, json: bool = True, params: dict | None = None):
    """One request, rolled back afterwards."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, params or {})
        else:
            send = getattr(client, method.lower())
            response = send(url, body, format="json") if json else send(url, body)
        transaction.set_rollback(True)
    return response


def _check(response, expected, listed_pk: int | None, context) -> None:
    if expected in (LISTS, HIDES):
        assert response.status_code == 200, (*context, response.status_code)
        listed = listed_pk in {row["id"] for row in response.json()["results"]}
        assert listed == (expected == LISTS), (*context, "listed" if listed else "not listed")
        return
    assert response.status_code == expected, (*context, response.status_code, response.content[:300])


@pytest.mark.parametrize("name", sorted(TABLE))
def test_the_table(world, objects, name):
    _, pattern = routes()[name]
    for role in ROLES:
        client = _client(world, role)
        for row in TABLE[name]:
            url = _url(name, pattern, row.what, objects)
            response = _send(
                client, row.method, url, _body(row.body, objects), json=row.json, params=_params(row, objects)
            )
            listed = objects[row.what].pk if row.what in objects else None
            _check(response, row.answers[role], listed, (name, row.method, row.what, role))


# --- Every method of an API route ----------------------------------------------------------


def _api_routes() -> list[str]:
    """The API's routes that have a decision (one without fails test_every_route_has_a_decision)."""
    return sorted(name for name in api_routes() if name in TABLE)


def _object_row(name: str) -> Row | None:
    """The first row about an object in the URL: it says who may not see that object."""
    _, pattern = routes()[name]
    if not {"pk", "case_id", "team_id", "trial_id"} & set(pattern.pattern.regex.groupindex):
        return None
    return TABLE[name][0]


@pytest.mark.parametrize("name", [n for n in _api_routes() if _object_row(n) is not None])
def test_an_object_hidden_from_a_role_is_a_404_whatever_the_method(world, objects, name):
    _, pattern = routes()[name]
    row = _object_row(name)
    hidden_from = [role for role, answer in row.answers.items() if answer == 404]
    assert hidden_from, f"{name}: a route about an object that every role may see?"
    url = _url(name, pattern, row.what, objects)
    body = _body(row.body, objects)
    for role in hidden_from:
        client = _client(world, role, token=True)
        for method in methods(pattern):
            response = _send(client, method, url, body)
            assert response.status_code == 404, (name, role, method, response.status_code, response.content[:300])


@pytest.mark.parametrize("name", [n for n in _api_routes() if TABLE[n][0].answers["anonymous"] == NO_AUTH])
def test_anonymous_clients_get_nothing_from_the_api(world, objects, name):
    _, pattern = routes()[name]
    row = TABLE[name][0]
    url = _url(name, pattern, row.what, objects)
    client = _client(world, "anonymous")
    for method in methods(pattern):
        response = _send(client, method, url, _body(row.body, objects))
        assert response.status_code in (401, 403), (name, method, response.status_code)
        assert set(response.json()) <= {"detail"}, "an anonymous answer carries no data"


# --- The admin site: one family, staff only ----------------------------------------------


def _admin_url(pattern: URLPattern, name: str) -> str:
    values = {"app_label": "cases", "object_id": "1", "content_type_id": "1", "url": "x", "id": "1", "pk": "1"}
    return reverse(name, kwargs={k: values[k] for k in pattern.pattern.regex.groupindex})


@pytest.mark.parametrize("role", ["anonymous", "caseworker", "leader"])
def test_nobody_but_staff_reaches_any_admin_page(world, role):
    client = _client(world, role)
    checked = 0
    for name, pattern in admin_routes():
        if name.endswith(":") or name in ("admin:login", "admin:logout", "admin:jsi18n"):
            continue  # the login page itself, and the catch-all (a redirect or 404 for anybody)
        url = _admin_url(pattern, name)
        response = client.get(url)
        assert response.status_code == 302, (role, url, response.status_code)
        assert response["Location"].startswith("/admin/login/"), (role, url)
        checked += 1
    assert checked > 50


def test_an_admin_reaches_every_admin_list(world):
    client = _client(world, "admin")
    lists = [(name, p) for name, p in admin_routes() if name.endswith("_changelist")]
    assert len(lists) > 15
    assert client.get(reverse("admin:index")).status_code == 200
    for name, pattern in lists:
        response = client.get(_admin_url(pattern, name))
        assert response.status_code == 200, (name, response.status_code)
