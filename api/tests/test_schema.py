"""The OpenAPI schema: valid, every field typed, enums as enums, errors documented; docs offline."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from allocation.models import AlertKind, AssignmentReason
from cases.models import CaseStatus, Outcome, TargetGroup
from casework.models import Channel, JournalKind, MeetingKind, MeetingStatus
from staff.models import CaseworkerStatus, Role, UnitType

pytestmark = pytest.mark.django_db

OWN_PREFIX = "/api/v1/"
ELSEWHERE = ("/api/v1/reports/",)  # documented by the reports app and its tests


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def _own_operations(schema):
    for path, item in schema["paths"].items():
        if path.startswith(OWN_PREFIX) and not path.startswith(ELSEWHERE):
            for method, operation in item.items():
                if method in {"get", "post", "put", "patch", "delete"}:
                    yield path, method, operation


def test_generation_is_valid_and_free_of_warnings(tmp_path):
    # --fail-on-warn turns any untyped field or enum name clash into an error
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_schema_is_openapi_3_and_public(schema, anonymous):
    assert schema["openapi"].startswith("3.")
    assert anonymous.get("/api/schema/").status_code == 200


def test_every_documented_route_is_in_the_schema(schema):
    expected = {
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/jobcenters/",
        "/api/v1/jobcenters/{id}/",
        "/api/v1/teams/",
        "/api/v1/teams/{id}/",
        "/api/v1/teams/{id}/rebalance/",
        "/api/v1/caseworkers/",
        "/api/v1/caseworkers/{id}/",
        "/api/v1/policies/",
        "/api/v1/policies/{role}/",
        "/api/v1/citizens/",
        "/api/v1/citizens/{id}/",
        "/api/v1/cases/",
        "/api/v1/cases/{id}/",
        "/api/v1/cases/{id}/reassign/",
        "/api/v1/cases/{id}/close/",
        "/api/v1/cases/{id}/history/",
        "/api/v1/alerts/",
        "/api/v1/alerts/{id}/",
        # casework (version 1, second part)
        "/api/v1/cases/{case_id}/journal/",
        "/api/v1/cases/{case_id}/journal/{id}/",
        "/api/v1/meetings/",
        "/api/v1/meetings/{id}/",
        "/api/v1/meetings/{id}/held/",
        "/api/v1/meetings/{id}/no-show/",
        "/api/v1/meetings/{id}/cancel/",
        "/api/v1/contact-rules/",
        "/api/v1/contact-rules/{programme}/",
        "/api/v1/cases/{id}/contact-plan/",
        "/api/v1/me/agenda/",
    }
    assert expected <= set(schema["paths"])


def _untyped(node, where="") -> list[str]:
    """Schema objects that say nothing about their type (no type, $ref, enum or combinator)."""
    found = []
    if isinstance(node, dict):
        if "properties" in node:
            for name, prop in node["properties"].items():
                if not (set(prop) & {"type", "$ref", "allOf", "oneOf", "anyOf", "enum"}):
                    found.append(f"{where}.{name}")
        for key, value in node.items():
            found += _untyped(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _untyped(value, f"{where}[{i}]")
    return found


def test_every_field_is_typed(schema):
    assert _untyped(schema["components"]["schemas"]) == []
    assert _untyped(schema["paths"]) == []


@pytest.mark.parametrize(
    "component, field, enum, choices",
    [
        ("Case", "status", "CaseStatusEnum", CaseStatus),
        ("Case", "programme", "UnitTypeEnum", UnitType),
        ("Team", "unit_type", "UnitTypeEnum", UnitType),
        ("Caseworker", "role", "RoleEnum", Role),
        ("Caseworker", "status", "CaseworkerStatusEnum", CaseworkerStatus),
        ("Alert", "kind", "AlertKindEnum", AlertKind),
        ("Assignment", "reason", "AssignmentReasonEnum", AssignmentReason),
        ("CaseCloseRequest", "outcome", "OutcomeEnum", Outcome),
        ("JournalEntry", "kind", "JournalKindEnum", JournalKind),
        ("JournalEntryCreateRequest", "kind", "JournalKindEnum", JournalKind),
        ("Meeting", "kind", "MeetingKindEnum", MeetingKind),
        ("Meeting", "channel", "MeetingChannelEnum", Channel),
        ("Meeting", "status", "MeetingStatusEnum", MeetingStatus),
        ("MeetingCreateRequest", "kind", "MeetingKindEnum", MeetingKind),
        ("ContactRule", "programme", "UnitTypeEnum", UnitType),
    ],
)
def test_choices_are_enums(schema, component, field, enum, choices):
    components = schema["components"]["schemas"]
    assert json.dumps(components[component]["properties"][field]).count(f"#/components/schemas/{enum}") == 1
    assert components[enum]["enum"] == list(choices.values)


def test_nullable_choices_are_enums_or_null(schema):
    case = schema["components"]["schemas"]["Case"]["properties"]
    for field, enum in (("outcome", "OutcomeEnum"), ("target_group", "TargetGroupEnum")):
        refs = [entry.get("$ref") for entry in case[field]["oneOf"]]
        assert refs == [f"#/components/schemas/{enum}", "#/components/schemas/NullEnum"]
    assert schema["components"]["schemas"]["TargetGroupEnum"]["enum"] == list(TargetGroup.values)


CONFLICTS = {
    "/api/v1/cases/",
    "/api/v1/cases/{id}/reassign/",
    "/api/v1/cases/{id}/close/",
    "/api/v1/meetings/",
    "/api/v1/meetings/{id}/held/",
    "/api/v1/meetings/{id}/no-show/",
    "/api/v1/meetings/{id}/cancel/",
}


def test_error_responses_are_documented(schema):
    missing = []
    for path, method, operation in _own_operations(schema):
        codes = set(operation["responses"])
        wanted = set() if path == "/api/v1/auth/token/" else {"401", "403"}
        if "{" in path:
            wanted.add("404")
        if method in {"post", "put", "patch"} and "requestBody" in operation:  # logout takes no body
            wanted.add("400")
        if path in CONFLICTS and method == "post":
            wanted.add("409")
        if method == "delete":
            wanted.add("409")
        if not wanted <= codes:
            missing.append((method, path, sorted(wanted - codes)))
    assert missing == []


def test_token_auth_is_a_security_scheme(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"]["type"] == "apiKey"
    assert "security" not in schema  # no global requirement: each operation states its own
    token_post = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert token_post.get("security", []) in ([], [{}])
    assert schema["paths"]["/api/v1/me/"]["get"]["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]


def test_swagger_ui_is_served_without_a_cdn(anonymous):
    response = anonymous.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    for cdn in ("cdn.", "jsdelivr", "unpkg", "cdnjs", "//"):
        assert f'src="{cdn}' not in html and f"https:{cdn}" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_the_contact_plan_documents_its_status_enum(schema):
    components = schema["components"]["schemas"]
    assert components["ContactStatusEnum"]["enum"] == ["overdue", "due_soon", "on_track", "none"]
    contact = next(p for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"] if p["name"] == "contact")
    assert contact["schema"]["enum"] == ["due_soon", "on_track", "overdue"]
    assert components["Case"]["properties"]["next_contact_due"]["format"] == "date"
    for component in ("Team", "Caseworker"):
        assert components[component]["properties"]["contacts_overdue"]["type"] == "integer"
