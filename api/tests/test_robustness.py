"""No 500 for anything a client can send (docs/api.md "Errors")."""

import pytest

from staff.models import Caseworker

pytestmark = pytest.mark.django_db

WRITES = [
    ("post", "/api/v1/jobcenters/"),
    ("post", "/api/v1/teams/"),
    ("post", "/api/v1/caseworkers/"),
    ("post", "/api/v1/citizens/"),
    ("post", "/api/v1/cases/"),
    ("post", "/api/v1/auth/token/"),
    ("patch", "/api/v1/policies/standard/"),
    ("patch", "/api/v1/caseworkers/{cw}/"),
    ("patch", "/api/v1/teams/{team}/"),
    ("patch", "/api/v1/cases/{case}/"),
    ("put", "/api/v1/jobcenters/{jc}/"),
    ("post", "/api/v1/cases/{case}/reassign/"),
    ("post", "/api/v1/cases/{case}/close/"),
    ("post", "/api/v1/teams/{team}/rebalance/"),
    ("post", "/api/v1/cases/{case}/journal/"),
    ("post", "/api/v1/meetings/"),
    ("patch", "/api/v1/contact-rules/flere_skal_med/"),
]

# Not a JSON object that the database could store: always a 400.
MALFORMED = [
    b"{",
    b"not json at all",
    b"null",
    b"[]",
    b'"a string"',
    b"42",
    b'{"name": NaN}',
    b'{"cpr": "\\ud800", "name": "\\udfff", "username": "\\ud83d", "reason": "\\ud800", "outcome": "\\ud800"}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a": ' * 5000 + b"1" + b"}" * 5000,
]

# Well-formed JSON with odd values: never a 5xx (a PATCH that names no known field is a 200).
ODD = [
    b'{"name": "nul\\u0000byte", "username": "a\\u0000b", "full_name": "\\u0000", "reason": "\\u0000"}',
    b'{"name": "' + b"x" * 1_000_000 + b'", "full_name": "' + b"y" * 100_000 + b'"}',
    b'{"citizen": 99999999999999999999999, "caseworker": 99999999999999999999, "team": -1, "jobcenter": 1e308}',
    b'{"citizen": true, "programme": 1, "caseworker": [1], "team": {"id": 1}, "jobcenter": "x", "fte": "1e400"}',
    b'{"cap": 99999999999999999999, "cap_override": 1.5, "fte": "NaN", "apply": "yes please", "outcome": {}}',
    b'{"leaders": "1,2", "unit_type": ["trial"], "municipality_code": 101, "username": 5, "password": []}',
    b'{"leaders": [1, 99999999999999999999, "x", null]}',
]


def _url(template: str, world) -> str:
    return template.format(
        cw=world.a.caseworker.pk, team=world.a.team.pk, jc=world.a.jobcenter.pk, case=world.a.case.pk
    )


@pytest.mark.parametrize("method, template", WRITES)
def test_malformed_bodies_are_400(world, as_admin, method, template):
    url = _url(template, world)
    for body in MALFORMED:
        response = getattr(as_admin, method)(url, body, content_type="application/json")
        assert response.status_code == 400, (url, body[:80], response.status_code, response.content[:300])
        assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("method, template", WRITES)
def test_odd_values_are_never_a_server_error(world, as_admin, method, template):
    url = _url(template, world)
    for body in ODD:
        response = getattr(as_admin, method)(url, body, content_type="application/json")
        assert response.status_code < 500, (url, body[:80], response.status_code, response.content[:300])
        assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("method, template", WRITES)
def test_other_content_types(world, as_admin, method, template):
    url = _url(template, world)
    response = getattr(as_admin, method)(url, b"<xml/>", content_type="application/xml")
    assert response.status_code in (400, 415)
    response = getattr(as_admin, method)(
        url, "name=%00&fte=%FF&cpr=\x00", content_type="application/x-www-form-urlencoded"
    )
    assert 400 <= response.status_code < 500 or response.status_code in (200, 201)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/abc/",
        "/api/v1/cases/99999999999999999999999999/",
        "/api/v1/cases/-1/",
        "/api/v1/cases/1.5/",
        "/api/v1/cases/%00/",
        "/api/v1/cases/%F0%9F%92%A9/",
        "/api/v1/cases/99999999999999999999999999/history/",
        "/api/v1/citizens/9223372036854775808/",
        "/api/v1/teams/abc/",
        "/api/v1/caseworkers/0/",
        "/api/v1/jobcenters/99999999999999999999/",
        "/api/v1/alerts/x/",
        "/api/v1/policies/%00/",
        "/api/v1/policies/" + "a" * 5000 + "/",
        "/api/v1/cases/abc/journal/",
        "/api/v1/cases/99999999999999999999999999/journal/",
        "/api/v1/cases/{case}/journal/abc/",
        "/api/v1/cases/{case}/journal/9223372036854775808/",
        "/api/v1/cases/%00/contact-plan/",
        "/api/v1/meetings/-1/",
        "/api/v1/meetings/%F0%9F%92%A9/",
        "/api/v1/contact-rules/%00/",
        "/api/v1/contact-rules/office/",
    ],
)
def test_unknown_and_non_numeric_ids_are_404(world, as_admin, path):
    assert as_admin.get(path.replace("{case}", str(world.a.case.pk))).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/{big}/reassign/",
        "/api/v1/cases/{big}/close/",
        "/api/v1/teams/{big}/rebalance/",
        "/api/v1/cases/{big}/journal/",
        "/api/v1/meetings/{big}/held/",
        "/api/v1/meetings/{big}/no-show/",
        "/api/v1/meetings/{big}/cancel/",
    ],
)
def test_actions_on_unknown_ids_are_404(world, as_admin, path):
    url = path.format(big="9" * 25)
    assert as_admin.post(url, {"caseworker": 1, "outcome": "job"}, format="json").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"page": "99999999999999999999999999"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "1e400"},
        {"page": "\x00"},
        {"page": "last", "page_size": "abc"},
        {"page_size": "99999999999999999999"},
        {"page_size": "-5"},
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/citizens/", "/api/v1/teams/", "/api/v1/alerts/"])
def test_odd_page_parameters_never_500(world, as_admin, path, params):
    response = as_admin.get(path, params)
    assert response.status_code in (200, 400, 404)
    if params.get("page_size") and response.status_code == 200:
        assert len(response.json()["results"]) <= 200


@pytest.mark.parametrize(
    "params", [{"open": "maybe"}, {"open": "\x00"}, {"open": "1" * 10000}, {"status": "\x00"}, {"team": "\x00"}]
)
def test_odd_filters_never_500(world, as_admin, params):
    for path in ("/api/v1/alerts/", "/api/v1/cases/"):
        assert as_admin.get(path, params).status_code in (200, 400)


def test_huge_strings_are_a_400_per_field(world, as_admin):
    body = {"username": "u" * 10_000, "full_name": "n" * 10_000, "team": world.a.team.pk, "email": "e" * 10_000}
    response = as_admin.post("/api/v1/caseworkers/", body, format="json")
    assert response.status_code == 400
    assert {"username", "full_name", "email"} <= set(response.json())
    response = as_admin.post(
        "/api/v1/citizens/", {"cpr": "1" * 10**6, "name": "n" * 10**5, "jobcenter": 1}, format="json"
    )
    assert response.status_code == 400
    assert {"cpr", "name"} <= set(response.json())


def test_form_encoded_patch_does_not_read_absent_checkboxes_as_false(world, as_admin):
    # DRF reads a missing boolean in form data as an unticked checkbox, unless partial
    response = as_admin.patch(f"/api/v1/caseworkers/{world.a.caseworker.pk}/", {"full_name": "Via a form"})
    assert response.status_code == 200
    assert Caseworker.objects.get(pk=world.a.caseworker.pk).accepting_new_cases is True


def test_ids_of_other_jobcenters(world, as_admin, as_leader_a):
    # an admin moving a case across jobcenters: a 409 from the allocation rules
    url = f"/api/v1/cases/{world.a.case.pk}/reassign/"
    assert as_admin.post(url, {"caseworker": world.b.caseworker.pk}, format="json").status_code == 409
    # a leader naming another jobcenter's caseworker, citizen or team: refused as ids that do not
    # exist (they cannot see them), never a 500
    assert as_leader_a.post(url, {"caseworker": world.b.caseworker.pk}, format="json").status_code == 400
    body = {"citizen": world.b.citizen.pk, "programme": "flere_skal_med"}
    assert as_leader_a.post("/api/v1/cases/", body, format="json").status_code == 400
    assert as_leader_a.get("/api/v1/cases/", {"team": world.b.team.pk}).json()["count"] == 0
