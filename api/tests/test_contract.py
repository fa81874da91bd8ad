"""The schema is the contract: what the fuzzing found, pinned plainly.

Each answer below really occurs and is in the schema; a JSON value of the wrong type is a
400 rather than coerced; and the strict type check agrees with the type the schema declares.
"""

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from api.serializers import cases as case_serializers
from api.serializers import casework as casework_serializers
from api.serializers import staff as staff_serializers
from api.serializers.base import StrictTypes, json_type, type_errors

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/jobcenters/", "/api/v1/teams/", "/api/v1/caseworkers/", "/api/v1/citizens/", "/api/v1/cases/"]
REPORTS = ["caseloads", "queue-waiting", "exits", "time-to-exit", "contacts", "key-figures", "capacity"]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


@pytest.mark.parametrize("path", LISTS)
def test_a_page_out_of_range_is_a_documented_404(as_admin, schema, path):
    response = as_admin.get(path, {"page": 99})
    assert response.status_code == 404
    assert list(response.json()) == ["detail"]
    assert "404" in schema["paths"][path]["get"]["responses"]


@pytest.mark.parametrize("value", ["abc", "0", "201", "-5", "1.5"])
def test_an_unusable_page_size_is_a_400_not_the_default_page(as_admin, value):
    response = as_admin.get("/api/v1/cases/", {"page_size": value})
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_an_empty_query_value_is_no_value(as_admin):
    assert as_admin.get("/api/v1/cases/", {"page_size": "", "page": "", "status": ""}).status_code == 200


@pytest.mark.parametrize("value", ["null", "1", "maybe"])
def test_the_open_filter_takes_true_or_false_only(as_admin, value):
    assert as_admin.get("/api/v1/alerts/", {"open": value}).status_code == 400
    assert as_admin.get("/api/v1/alerts/", {"open": "true"}).status_code == 200


@pytest.mark.parametrize("report", REPORTS)
def test_a_report_refuses_a_bad_period_with_a_documented_400(as_admin, schema, report):
    path = f"/api/v1/reports/{report}/"
    response = as_admin.get(path, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 400
    assert "date_from" in response.json()
    assert "400" in schema["paths"][path]["get"]["responses"]


def test_every_operation_documents_the_answers_of_the_servers_in_front(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        assert set(responses["414"]["content"]) == {"text/html"}, (method, path)
        assert "Retry-After" in responses["503"]["headers"], (method, path)
        assert responses["503"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_every_write_documents_a_conflict_with_its_code(schema):
    conflict = schema["components"]["schemas"]["Conflict"]
    assert set(conflict["required"]) == {"detail", "code"}
    for path, method, operation in _operations(schema):
        if method in {"post", "put", "patch", "delete"}:
            assert "409" in operation["responses"], (method, path)


def test_request_bodies_are_json_only(schema):
    for path, method, operation in _operations(schema):
        if "requestBody" in operation:
            assert list(operation["requestBody"]["content"]) == ["application/json"], (method, path)


def test_caseworker_writes_document_their_own_bodies(schema):
    post = schema["paths"]["/api/v1/caseworkers/"]["post"]["requestBody"]["content"]["application/json"]
    patch = schema["paths"]["/api/v1/caseworkers/{id}/"]["patch"]["requestBody"]["content"]["application/json"]
    assert post["schema"]["$ref"].endswith("/CaseworkerCreateRequest")
    assert patch["schema"]["$ref"].endswith("/PatchedCaseworkerUpdateRequest")
    assert "username" in schema["components"]["schemas"]["CaseworkerCreateRequest"]["required"]


def test_links_chain_a_citizen_to_their_case_and_its_closing(schema):
    created = schema["paths"]["/api/v1/citizens/"]["post"]["responses"]["201"]["links"]
    assert created["OpenCase"] == {"operationId": "cases_create", "requestBody": {"citizen": "$response.body#/id"}}
    opened = schema["paths"]["/api/v1/cases/"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in opened.values()} == {
        "cases_close_create",
        "cases_reassign_create",
        "cases_history_list",
        "cases_journal_list",
        "cases_journal_create",
        "meetings_create",
        "cases_contact_plan_retrieve",
    }
    assert opened["BookMeeting"]["requestBody"] == {"case": "$response.body#/id"}
    booked = schema["paths"]["/api/v1/meetings/"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in booked.values()} == {
        "meetings_cancel_create",
        "meetings_held_create",
        "meetings_no_show_create",
    }


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v1/jobcenters/{jobcenter}/", {"name": 0}),
        ("/api/v1/policies/standard/", {"cap": "5"}),
        ("/api/v1/policies/standard/", {"cap": True}),
        ("/api/v1/caseworkers/{caseworker}/", {"fte": "0.5"}),
        ("/api/v1/caseworkers/{caseworker}/", {"accepting_new_cases": "false"}),
        ("/api/v1/caseworkers/{caseworker}/", {"accepting_new_cases": 0}),
        ("/api/v1/caseworkers/{caseworker}/", {"team": "1"}),
        ("/api/v1/teams/{team}/", {"leaders": ["1"]}),
        ("/api/v1/policies/standard/", {"weights": {"simple": "0.5"}}),
        ("/api/v1/policies/standard/", {"new_hire_share": "0.5"}),
        ("/api/v1/caseworkers/{caseworker}/", {"started_on": 20240101}),
        ("/api/v1/cases/{case}/", {"complexity": 1}),
    ],
)
def test_a_json_value_of_the_wrong_type_is_refused(world, as_admin, path, body):
    url = path.format(
        jobcenter=world.a.jobcenter.pk, caseworker=world.a.caseworker.pk, team=world.a.team.pk, case=world.a.case.pk
    )
    response = as_admin.patch(url, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == list(body)


def test_a_reveal_purpose_must_be_a_string(world, as_admin):
    url = f"/api/v1/citizens/{world.a.citizen.pk}/reveal-cpr/"
    response = as_admin.post(url, {"purpose": 0}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["purpose"])


def test_the_rebalance_switches_take_true_or_false(world, as_admin):
    url = f"/api/v1/teams/{world.a.team.pk}/rebalance/"
    assert as_admin.post(url, {"apply": "true"}, format="json").status_code == 400
    assert as_admin.post(url, {"apply": 1}, format="json").status_code == 400
    assert as_admin.post(url, {"apply": False}, format="json").status_code == 200


def test_values_of_the_right_type_pass(world, as_admin):
    url = f"/api/v1/caseworkers/{world.a.caseworker.pk}/"
    response = as_admin.patch(url, {"fte": 1, "accepting_new_cases": True, "cap_override": None}, format="json")
    assert response.status_code == 200
    renamed = as_admin.patch(f"/api/v1/jobcenters/{world.a.jobcenter.pk}/", {"name": "Nord"}, format="json")
    assert renamed.json()["name"] == "Nord"


def test_form_encoded_input_keeps_drfs_string_parsing(world, as_admin):
    response = as_admin.patch("/api/v1/policies/standard/", {"cap": "90"}, format="multipart")
    assert (response.status_code, response.json()["cap"]) == (200, 90)


def test_wrong_types_and_other_messages_are_reported_together(world, as_admin):
    body = {"cpr": 101085, "jobcenter": world.a.jobcenter.pk}  # a number, and no name
    response = as_admin.post("/api/v1/citizens/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"cpr", "name"}


# The strict check and the schema read a field's type from the same DRF field: each kind
# below is published by drf-spectacular with the very type the check demands.
FIELDS = [
    serializers.CharField(),
    serializers.EmailField(),
    serializers.RegexField(r"^\d+$"),
    serializers.DateField(),
    serializers.DateTimeField(),
    serializers.IntegerField(),
    serializers.FloatField(),
    serializers.BooleanField(),
    serializers.DecimalField(max_digits=3, decimal_places=2, coerce_to_string=False),
    serializers.DecimalField(max_digits=3, decimal_places=2, coerce_to_string=True),
    serializers.ChoiceField(choices=[("a", "A"), ("b", "B")]),
    serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all()),
    serializers.ManyRelatedField(child_relation=serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects)),
    serializers.ListField(child=serializers.IntegerField()),
    serializers.DictField(),
]


@pytest.mark.parametrize("field", FIELDS, ids=lambda field: type(field).__name__)
def test_the_strict_check_demands_the_type_the_schema_declares(field):
    from drf_spectacular.openapi import AutoSchema
    from drf_spectacular.plumbing import ComponentRegistry

    inspector = AutoSchema()
    inspector.registry = ComponentRegistry()
    inspector.method, inspector.path = "POST", "/"
    declared = inspector._map_serializer_field(field, "request")
    assert declared.get("type") == json_type(field)


@pytest.mark.parametrize(
    "field, good, bad",
    [
        (serializers.CharField(), "0", 0),
        (serializers.IntegerField(), 5, True),
        (serializers.IntegerField(), 5, "5"),
        (serializers.FloatField(), 1, "1.0"),
        (serializers.DecimalField(max_digits=3, decimal_places=2, coerce_to_string=False), 0.5, "0.5"),
        (serializers.DecimalField(max_digits=3, decimal_places=2, coerce_to_string=False), Decimal("0.5"), False),
        (serializers.BooleanField(), False, 0),
        (serializers.ListField(child=serializers.IntegerField()), [1, 2], [1, "2"]),
    ],
)
def test_type_errors(field, good, bad):
    assert type_errors(field, good) == []
    assert type_errors(field, bad) != []
    assert type_errors(field, None) == []  # null is DRF's to accept or refuse


def test_every_request_body_has_the_strict_base(schema):
    classes = {
        name.removesuffix("Serializer"): cls
        for module in (case_serializers, staff_serializers, casework_serializers)
        for name, cls in vars(module).items()
        if isinstance(cls, type) and issubclass(cls, serializers.BaseSerializer)
    }
    requests = {
        name.removeprefix("Patched").removesuffix("Request")
        for name in schema["components"]["schemas"]
        if name.endswith("Request")
    }
    ours = requests & set(classes)
    assert ours >= {"Jobcenter", "CaseCreate", "CaseworkerCreate", "CprReveal", "JournalEntryCreate", "MeetingCreate"}
    assert [name for name in sorted(ours) if not issubclass(classes[name], StrictTypes)] == []
