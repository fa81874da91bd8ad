"""Need to know, over every API route: the URL configuration is walked, and every route must
have a decision in ROUTES, so that a new endpoint without one fails here.

For each scoped route, a caseworker and a team leader of team A get 404 on team B's
objects (with every method the route accepts), lists leave B's objects out, an anonymous
client gets 401/403, and an administrator does reach the same URL (so the 404 is scoping,
not a wrong URL).
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from staff.models import CaseloadPolicy

from .conftest import client_for

pytestmark = pytest.mark.django_db

PUBLIC = "public"  # holds no data: the schema, its docs, the token exchange
SELF = "self"  # about the signed-in user only
GLOBAL = "global"  # the same for everyone signed in (caseload policies)
LIST = "list"  # a collection: B's objects must not be in it
DETAIL = "detail"  # one object: B's object must be a 404
REPORT = "report"  # figures (reports app): leaders of their own teams, admins; anybody else 404
ADMIN_ONLY = "admin-only"  # nobody but an admin sees anything: 404 or an empty list

# route name → (decision, which object of team B's side it is about, body for writes)
ROUTES: dict[str, tuple[str, str | None, dict]] = {
    "api:schema": (PUBLIC, None, {}),
    "api:docs": (PUBLIC, None, {}),
    "api:token": (PUBLIC, None, {}),
    "api:me": (SELF, None, {}),
    "api:jobcenter-list": (LIST, "jobcenter", {}),
    "api:jobcenter-detail": (DETAIL, "jobcenter", {"name": "Renamed", "municipality_code": "999"}),
    "api:team-list": (LIST, "team", {}),
    "api:team-detail": (DETAIL, "team", {"name": "Renamed", "jobcenter": 1, "unit_type": "flere_skal_med"}),
    "api:team-rebalance": (DETAIL, "team", {"apply": True}),
    "api:caseworker-list": (LIST, "caseworker", {}),
    "api:caseworker-detail": (DETAIL, "caseworker", {"fte": 0.5}),
    "api:policy-list": (GLOBAL, None, {}),
    "api:policy-detail": (GLOBAL, None, {"cap": 40}),
    "api:citizen-list": (LIST, "citizen", {}),
    "api:citizen-detail": (DETAIL, "citizen", {}),
    "api:citizen-reveal-cpr": (DETAIL, "citizen", {"purpose": "Telephone call with the citizen"}),
    "api:citizen-access-log": (DETAIL, "citizen", {}),
    "api:case-list": (LIST, "case", {}),
    "api:case-detail": (DETAIL, "case", {}),
    "api:case-reassign": (DETAIL, "case", {"caseworker": "A"}),
    "api:case-close": (DETAIL, "case", {"outcome": "job"}),
    "api:case-history": (DETAIL, "case", {}),
    "api:alert-list": (LIST, "alert", {}),
    "api:alert-detail": (DETAIL, "alert", {}),
    # /api/v1/reports/ (reports/api_urls.py): aggregated figures, filtered by team or jobcenter
    "reports-api:caseloads": (REPORT, None, {}),
    "reports-api:queue_waiting": (REPORT, None, {}),
    "reports-api:exits": (REPORT, None, {}),
    "reports-api:time_to_exit": (REPORT, None, {}),
    "reports-api:key_figures": (REPORT, None, {}),
    "reports-api:capacity": (REPORT, None, {}),
    "reports-api:trials": (ADMIN_ONLY, None, {}),
    "reports-api:trial": (ADMIN_ONLY, None, {}),
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name or '<unnamed>'}", entry


def api_routes() -> dict[str, URLPattern]:
    return {name: pattern for route, name, pattern in _walk(get_resolver().url_patterns) if route.startswith("api/")}


def _methods(pattern: URLPattern) -> list[str]:
    """The HTTP methods a route answers (other than HEAD/OPTIONS): what a client can try."""
    callback = pattern.callback
    if getattr(callback, "actions", None):
        # (DRF adds "head" to this dict on the first GET; HEAD answers as GET does, bodiless)
        allowed = set(callback.cls.http_method_names) - {"head", "options"}
        return sorted(m.upper() for m in callback.actions if m in allowed)
    view = callback.view_class
    return sorted(m.upper() for m in view.http_method_names if m not in {"head", "options"} and hasattr(view, m))


def _url(name: str, pattern: URLPattern, obj) -> str:
    kwargs = {}
    for key in pattern.pattern.regex.groupindex:
        kwargs[key] = obj.role if key == "role" else obj.pk if obj is not None else 1
    return reverse(name, kwargs=kwargs)


def _object(side, what: str | None):
    if what is None:
        return None
    return {
        "jobcenter": side.jobcenter,
        "team": side.team,
        "caseworker": side.caseworker,
        "citizen": side.citizen,
        "case": side.case,
        "alert": side.alert,
    }[what]


def _body(world, body: dict) -> dict:
    # "A": a target on the requester's own side, so that only scoping can refuse it.
    return {k: (world.a.other_caseworker.pk if v == "A" else v) for k, v in body.items()}


def _send(client, method: str, url: str, body: dict):
    return getattr(client, method.lower())(url, body, format="json") if method != "GET" else client.get(url)


def test_every_api_route_has_a_scoping_decision():
    walked = set(api_routes())
    assert "<unnamed>" not in {n.split(":")[-1] for n in walked}, "every API route needs a name"
    assert walked == set(ROUTES), (
        f"routes without a decision: {sorted(walked - set(ROUTES))}; decisions without a route: "
        f"{sorted(set(ROUTES) - walked)}"
    )


@pytest.mark.parametrize("name", sorted(n for n, d in ROUTES.items() if d[0] != PUBLIC))
def test_anonymous_clients_get_nothing(world, anonymous, name):
    decision, what, body = ROUTES[name]
    pattern = api_routes()[name]
    obj = (
        _object(world.a, what) if what else CaseloadPolicy.objects.get(role="standard") if decision == GLOBAL else None
    )
    url = _url(name, pattern, obj)
    for method in _methods(pattern):
        response = _send(anonymous, method, url, _body(world, body))
        assert response.status_code in (401, 403), (method, url, response.status_code)
        assert set(response.json()) <= {"detail"}, "an anonymous answer carries no data"


@pytest.mark.parametrize("role", ["caseworker", "leader"])
@pytest.mark.parametrize("name", sorted(n for n, d in ROUTES.items() if d[0] in (DETAIL, LIST, REPORT, ADMIN_ONLY)))
def test_team_a_never_reaches_team_b(world, name, role):
    decision, what, body = ROUTES[name]
    pattern = api_routes()[name]
    user = world.a.caseworker.user if role == "caseworker" else world.a.leader
    client, admin = client_for(user), client_for(world.admin)
    theirs = _object(world.b, what)
    url = _url(name, pattern, theirs)

    if decision == REPORT:
        if role == "caseworker":
            assert client.get(url).status_code == 404
        for params in ({"team": world.b.team.pk}, {"jobcenter": world.b.jobcenter.pk}):
            assert client.get(url, params).status_code in (400, 404), params
            assert admin.get(url, params).status_code == 200
        return

    if decision == ADMIN_ONLY:
        response = client.get(url)
        assert response.status_code == 404 or response.json()["results"] == []
        return

    if decision == LIST:
        response = client.get(url, {"page_size": 200})
        assert response.status_code == 200
        ids = [row["id"] for row in response.json()["results"]]
        assert theirs.pk not in ids
        assert theirs.pk in [row["id"] for row in admin.get(url, {"page_size": 200}).json()["results"]]
        return

    for method in _methods(pattern):
        response = _send(client, method, url, _body(world, body))
        assert response.status_code == 404, (role, method, url, response.status_code, response.content)
    # The same URL exists and answers an administrator: the 404 above is scoping.
    method = "GET" if "GET" in _methods(pattern) else _methods(pattern)[0]
    assert _send(admin, method, url, _body(world, body)).status_code != 404


@pytest.mark.parametrize("name", ["api:policy-list", "api:policy-detail", "api:me"])
def test_routes_that_every_signed_in_user_reads(world, as_caseworker_a, name):
    kwargs = {"role": "standard"} if name == "api:policy-detail" else {}
    response = as_caseworker_a.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    if name == "api:me":
        assert response.json()["id"] == world.a.caseworker.user_id


@pytest.mark.parametrize("name", ["api:schema", "api:docs"])
def test_schema_and_docs_are_public(anonymous, name):
    assert anonymous.get(reverse(name)).status_code == 200
