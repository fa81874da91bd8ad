"""The authorisation matrix: every URL pattern of the project, every role, team A and B.

The URL configuration is walked; every named route outside the admin must have a row in
MATRIX, and every row a route, so that a route added without a decision fails here. A row
says, per role, what the route answers on team A's object and on team B's (the roles all
belong to team A): a status code, or for a list `(200, "A")` — 200, listing A's object
and not B's. The admin site is one family: staff only.

Each request runs in a transaction that is rolled back, so one role's write (closing a
case, say) never changes what the next role meets.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from api.tests.conftest import World
from api.tests.conftest import world as world  # noqa: F401  (fixture)
from cases.tests.factories import CitizenFactory
from cases.trials import Trial

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "caseworker", "leader", "admin")
LOGIN = 302  # anonymous on a page: redirected to the login page
NO_AUTH = 401  # anonymous on the API: "Authorization: Token" is asked for


@dataclass(frozen=True)
class Row:
    """One way of calling a route: method, the kind of object in its URL (or None), a body,
    and the answers: {role: code} without an object, {role: (on A, on B)} with one."""

    method: str
    what: str | None
    answers: dict
    body: dict | None = None
    json: bool = False


def same(code) -> tuple:
    return (code, code)


def anon_page(**others) -> dict:
    return {"anonymous": LOGIN, **others}


def anon_api(**others) -> dict:
    return {"anonymous": NO_AUTH, **others}


SCOPED = {"caseworker": (200, 404), "leader": (200, 404), "admin": same(200)}  # a caseworker's own, a leader's team
LEADERS = {"caseworker": same(404), "leader": (200, 404), "admin": same(200)}  # team pages: leaders and admins
ADMIN_WRITES = {"caseworker": (403, 404), "leader": (403, 404), "admin": same(200)}
REPORTS = {"caseworker": 404, "leader": 200, "admin": 200}

MATRIX: dict[str, list[Row]] = {
    # --- the web pages -------------------------------------------------------------------
    "web:home": [Row("GET", None, anon_page(caseworker=200, leader=302, admin=200))],  # a leader lands on the team
    "web:teams": [Row("GET", None, anon_page(caseworker=200, leader=200, admin=200))],  # only the teams one leads
    "web:team": [Row("GET", "team", anon_page(**LEADERS))],
    "web:caseworker_toggle": [
        Row(
            "POST",
            "team",
            anon_page(caseworker=same(404), leader=(302, 404), admin=same(302)),
            {"accepting_new_cases": "false"},
        )
    ],
    "web:rebalance_preview": [Row("GET", "team", anon_page(**LEADERS))],
    "web:rebalance_apply": [Row("POST", "team", anon_page(caseworker=same(404), leader=(302, 404), admin=same(302)))],
    "web:case": [Row("GET", "case", anon_page(**SCOPED))],
    "web:case_close": [
        Row("POST", "case", anon_page(caseworker=(302, 404), leader=(302, 404), admin=same(302)), {"outcome": "job"})
    ],
    "web:case_reassign": [
        Row(
            "POST",
            "case",
            anon_page(caseworker=(403, 404), leader=(302, 404), admin=same(302)),
            {"caseworker": "other", "reason": "leave"},
        )
    ],
    "web:case_reveal_cpr": [Row("POST", "case", anon_page(**SCOPED), {"purpose": "Phone call"})],
    # --- reports (figures about teams; never a row about a citizen) ----------------------
    "reports:index": [Row("GET", None, anon_page(**REPORTS))],
    "reports:caseloads": [
        Row("GET", "team-filter", anon_page(caseworker=same(404), leader=(200, 400), admin=same(200)))
    ],
    "reports:exits": [Row("GET", "team-filter", anon_page(caseworker=same(404), leader=(200, 400), admin=same(200)))],
    "reports:key_figures": [
        Row("GET", "team-filter", anon_page(caseworker=same(404), leader=(200, 400), admin=same(200)))
    ],
    "reports:capacity": [
        Row("GET", "team-filter", anon_page(caseworker=same(404), leader=(200, 400), admin=same(200)))
    ],
    "reports:trial": [Row("GET", "trial", anon_page(caseworker=404, leader=404, admin=200))],  # trials span teams
    "reports-api:caseloads": [
        Row("GET", "team-filter", anon_api(caseworker=same(404), leader=(200, 400), admin=same(200)))
    ],
    "reports-api:queue_waiting": [
        Row("GET", "team-filter", anon_api(caseworker=same(404), leader=(200, 400), admin=same(200)))
    ],
    "reports-api:exits": [
        Row("GET", "team-filter", anon_api(caseworker=same(404), leader=(200, 400), admin=same(200)))
    ],
    "reports-api:time_to_exit": [
        Row("GET", "team-filter", anon_api(caseworker=same(404), leader=(200, 400), admin=same(200)))
    ],
    "reports-api:key_figures": [
        Row("GET", "team-filter", anon_api(caseworker=same(404), leader=(200, 400), admin=same(200)))
    ],
    "reports-api:capacity": [
        Row("GET", "team-filter", anon_api(caseworker=same(404), leader=(200, 400), admin=same(200)))
    ],
    # trials span teams: only an administrator's list has any
    "reports-api:trials": [Row("GET", "trial", anon_api(caseworker=(200, ""), leader=(200, ""), admin=(200, "AB")))],
    "reports-api:trial": [Row("GET", "trial", anon_api(caseworker=404, leader=404, admin=200))],
    # --- the API -------------------------------------------------------------------------
    "api:schema": [Row("GET", None, {r: 200 for r in ROLES})],  # describes, holds no data
    "api:docs": [Row("GET", None, {r: 200 for r in ROLES})],
    "api:token": [Row("POST", None, {r: 400 for r in ROLES}, {"username": "nobody", "password": "x"}, json=True)],
    "api:me": [Row("GET", None, anon_api(caseworker=200, leader=200, admin=200))],
    "api:jobcenter-list": [
        Row("GET", "jobcenter", anon_api(caseworker=(200, "A"), leader=(200, "A"), admin=(200, "AB"))),
        Row("POST", None, anon_api(caseworker=403, leader=403, admin=201), {"name": "Ny", "municipality_code": "555"}),
    ],
    "api:jobcenter-detail": [
        Row("GET", "jobcenter", anon_api(**SCOPED)),
        Row("PATCH", "jobcenter", anon_api(**ADMIN_WRITES), {"name": "Renamed"}, json=True),
    ],
    "api:team-list": [
        Row("GET", "team", anon_api(caseworker=(200, ""), leader=(200, "A"), admin=(200, "AB"))),
        Row(
            "POST",
            "jobcenter",
            anon_api(caseworker=same(403), leader=same(403), admin=same(201)),
            {"name": "Ny", "jobcenter": "jobcenter", "unit_type": "standard"},
            json=True,
        ),
    ],
    "api:team-detail": [
        Row("GET", "team", anon_api(**LEADERS)),
        Row(
            "PATCH",
            "team",
            anon_api(caseworker=same(404), leader=(403, 404), admin=same(200)),
            {"name": "R"},
            json=True,
        ),
    ],
    "api:team-rebalance": [Row("POST", "team", anon_api(**LEADERS), {"apply": True}, json=True)],
    "api:caseworker-list": [
        Row("GET", "caseworker", anon_api(caseworker=(200, "A"), leader=(200, "A"), admin=(200, "AB"))),
        Row(
            "POST",
            "team",
            anon_api(caseworker=same(403), leader=same(403), admin=same(201)),
            {"username": "new", "full_name": "Ny", "team": "team"},
            json=True,
        ),
    ],
    "api:caseworker-detail": [
        Row("GET", "caseworker", anon_api(**SCOPED)),
        Row("PATCH", "caseworker", anon_api(**ADMIN_WRITES), {"fte": 0.5}, json=True),
    ],
    "api:policy-list": [Row("GET", None, anon_api(caseworker=200, leader=200, admin=200))],  # the same for all
    "api:policy-detail": [
        Row("GET", "policy", anon_api(caseworker=200, leader=200, admin=200)),
        Row("PATCH", "policy", anon_api(caseworker=403, leader=403, admin=200), {"cap": 40}, json=True),
    ],
    "api:citizen-list": [
        Row("GET", "citizen", anon_api(caseworker=(200, "A"), leader=(200, "A"), admin=(200, "AB"))),
        Row(
            "POST",
            "jobcenter",
            anon_api(caseworker=same(403), leader=(201, 403), admin=same(201)),
            {"cpr": "new-cpr", "name": "Ny Borger", "jobcenter": "jobcenter"},
            json=True,
        ),
    ],
    "api:citizen-detail": [Row("GET", "citizen", anon_api(**SCOPED))],
    "api:citizen-access-log": [
        Row("GET", "citizen", anon_api(caseworker=(403, 404), leader=(403, 404), admin=same(200)))
    ],
    "api:citizen-reveal-cpr": [Row("POST", "citizen", anon_api(**SCOPED), {"purpose": "Phone call"}, json=True)],
    "api:case-list": [
        Row("GET", "case", anon_api(caseworker=(200, "A"), leader=(200, "A"), admin=(200, "AB"))),
        Row(
            "POST",
            "fresh-citizen",
            anon_api(caseworker=same(403), leader=(201, 403), admin=same(201)),
            {"citizen": "fresh-citizen", "programme": "flere_skal_med"},
            json=True,
        ),
    ],
    "api:case-detail": [Row("GET", "case", anon_api(**SCOPED))],
    "api:case-history": [Row("GET", "case", anon_api(**SCOPED))],
    "api:case-close": [Row("POST", "case", anon_api(**SCOPED), {"outcome": "job"}, json=True)],
    "api:case-reassign": [
        Row(
            "POST",
            "case",
            anon_api(caseworker=(403, 404), leader=(200, 404), admin=same(200)),
            {"caseworker": "other"},
            json=True,
        )
    ],
    "api:alert-list": [Row("GET", "alert", anon_api(caseworker=(200, ""), leader=(200, "A"), admin=(200, "AB")))],
    "api:alert-detail": [Row("GET", "alert", anon_api(**LEADERS))],
    # --- signing in and out, language (no data; the password reset is public by design) --
    "login": [Row("GET", None, {r: 200 for r in ROLES})],
    "logout": [Row("POST", None, {r: 302 for r in ROLES})],
    "password_change": [Row("GET", None, anon_page(caseworker=200, leader=200, admin=200))],
    "password_change_done": [Row("GET", None, anon_page(caseworker=200, leader=200, admin=200))],
    "password_reset": [Row("GET", None, {r: 200 for r in ROLES})],
    "password_reset_done": [Row("GET", None, {r: 200 for r in ROLES})],
    "password_reset_confirm": [Row("GET", None, {r: 200 for r in ROLES})],  # an invalid link says so
    "password_reset_complete": [Row("GET", None, {r: 200 for r in ROLES})],
    "set_language": [Row("POST", None, {r: 302 for r in ROLES}, {"language": "en"})],
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name or ''}", entry


def all_routes() -> list[tuple[str, str, URLPattern]]:
    return list(_walk(get_resolver().url_patterns))


def admin_routes() -> list[tuple[str, str, URLPattern]]:
    return [(route, name, p) for route, name, p in all_routes() if route.startswith("admin/")]


def test_every_route_has_a_decision():
    routes = [(route, name) for route, name, _ in all_routes() if not route.startswith("admin/")]
    unnamed = [route for route, name in routes if not name or name.endswith(":")]
    assert not unnamed, f"every route needs a name to be decided on: {unnamed}"
    walked = {name for _, name in routes}
    assert walked == set(MATRIX), (
        f"routes without a decision: {sorted(walked - set(MATRIX))}; "
        f"decisions without a route: {sorted(set(MATRIX) - walked)}"
    )
    for name, rows in MATRIX.items():
        for row in rows:
            assert set(row.answers) == set(ROLES), (name, row.method, "every role needs an answer")


# --- Running a row -----------------------------------------------------------------------


@pytest.fixture
def trial(world: World) -> Trial:
    return Trial.objects.create(
        name="Lærkevej", jobcenter=world.a.jobcenter, programme="flere_skal_med", starts_on=datetime.date(2026, 1, 1)
    )


def _objects(world: World, side: str, trial: Trial) -> dict:
    s = world.a if side == "A" else world.b
    from staff.models import CaseloadPolicy

    return {
        "jobcenter": s.jobcenter,
        "team": s.team,
        "caseworker": s.caseworker,
        "other": s.other_caseworker,
        "citizen": s.citizen,
        "case": s.case,
        "alert": s.alert,
        "trial": trial,
        "policy": CaseloadPolicy.objects.get(role="standard"),
    }


def _url(name: str, pattern: URLPattern, what: str | None, objects: dict) -> str:
    kwargs = {}
    for key in pattern.pattern.regex.groupindex:
        kwargs[key] = {
            "team_id": lambda: objects["team"].pk,
            "caseworker_id": lambda: objects["other"].pk,
            "case_id": lambda: objects["case"].pk,
            "trial_id": lambda: objects["trial"].pk,
            "role": lambda: objects["policy"].role,
            "uidb64": lambda: "MQ",
            "token": lambda: "set-password",
            "pk": lambda: objects[what].pk,
        }[key]()
    return reverse(name, kwargs=kwargs)


def _body(body: dict | None, objects: dict) -> dict:
    refs = {"other", "jobcenter", "team", "fresh-citizen"}
    result = {}
    for key, value in (body or {}).items():
        if value in refs:
            value = objects[value].pk
        elif value == "new-cpr":
            value = "311299-1235" if objects["jobcenter"].municipality_code == "101" else "301199-1235"
        result[key] = value
    return result


def _client(world: World, role: str) -> APIClient:
    client = APIClient()
    user = {
        "anonymous": None,
        "caseworker": world.a.caseworker.user,
        "leader": world.a.leader,
        "admin": world.admin,
    }[role]
    if user is not None:
        client.force_login(user)
    return client


def _call(client, row: Row, url: str, body: dict, params: dict):
    with transaction.atomic():
        if row.method == "GET":
            response = client.get(url, params)
        else:
            send = getattr(client, row.method.lower())
            response = send(url, body, format="json") if row.json else send(url, body)
        transaction.set_rollback(True)
    return response


def _check(response, expected, objects: dict, what: str | None, context) -> None:
    if isinstance(expected, tuple) and isinstance(expected[1], str):  # a list: (200, which sides)
        code, sides = expected
        assert response.status_code == code, (*context, response.status_code)
        listed = {row["id"] for row in response.json()["results"]}
        mine = objects[what].pk
        assert (mine in listed) == (context[-1] in sides), (*context, "listed" if mine in listed else "not listed")
        return
    assert response.status_code == expected, (*context, response.status_code, response.content[:300])


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_the_matrix(world, trial, name):
    patterns = {n: p for _, n, p in all_routes()}
    pattern = patterns[name]
    for role in ROLES:
        client = _client(world, role)
        for row in MATRIX[name]:
            for side in ("A", "B"):
                objects = _objects(world, side, trial)
                objects["fresh-citizen"] = CitizenFactory(jobcenter=objects["jobcenter"])
                answer = row.answers[role]
                expected = answer if not isinstance(answer, tuple) or isinstance(answer[1], str) else None
                if expected is None:
                    expected = answer[0] if side == "A" else answer[1]
                elif row.what in (None, "trial", "policy") and side == "B":
                    continue  # not about a team: one answer
                params = {"team": objects["team"].pk} if row.what == "team-filter" else {}
                url = _url(name, pattern, row.what, objects)
                if isinstance(expected, tuple):  # a list: both sides are in one response
                    _check(_call(client, row, url, {}, params), expected, objects, row.what, (name, role, side))
                    continue
                response = _call(client, row, url, _body(row.body, objects), params)
                _check(response, expected, objects, row.what, (name, row.method, role, side))


# --- The admin site: one family, staff only ----------------------------------------------


def _admin_url(pattern: URLPattern, name: str) -> str:
    values = {"app_label": "cases", "object_id": "1", "content_type_id": "1", "url": "x", "id": "1", "pk": "1"}
    return reverse(name, kwargs={k: values[k] for k in pattern.pattern.regex.groupindex})


@pytest.mark.parametrize("role", ["anonymous", "caseworker", "leader"])
def test_nobody_but_staff_reaches_any_admin_page(world, role):
    client = _client(world, role)
    checked = 0
    for _, name, pattern in admin_routes():
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
    lists = [(name, p) for _, name, p in admin_routes() if name.endswith("_changelist")]
    assert len(lists) > 15
    assert client.get(reverse("admin:index")).status_code == 200
    for name, pattern in lists:
        response = client.get(_admin_url(pattern, name))
        assert response.status_code == 200, (name, response.status_code)
