"""Caseload weight (version 1, third part): one test per clause of the contract.

The world (api/tests/conftest.py): team A and team B, Flere skal med units, each with two
caseworkers of cap 10 (overrides) and one open case held by the first caseworker.
"""

import datetime
import json

import pytest
from django.utils import timezone

from allocation import services as allocation_services
from cases.models import Case, CaseStatus
from cases.tests.factories import CitizenFactory
from staff.models import CaseloadPolicy, Caseworker

from .conftest import client_for

pytestmark = pytest.mark.django_db

DEFAULT_WEIGHTS = {"simple": 1, "complex": 1, "very_complex": 1}


def _case_url(case) -> str:
    return f"/api/v1/cases/{case.pk}/"


def _intake(client, world, **extra):
    citizen = CitizenFactory(jobcenter=world.a.jobcenter)
    return client.post("/api/v1/cases/", {"citizen": citizen.pk, "programme": "flere_skal_med", **extra}, format="json")


def _weigh(client, **weights):
    response = client.patch("/api/v1/policies/flere_skal_med/", {"weights": weights}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


# --- A case's complexity ---------------------------------------------------------------------


def test_a_case_reads_its_complexity_and_complex_is_the_default(world, as_caseworker_a):
    assert as_caseworker_a.get(_case_url(world.a.case)).json()["complexity"] == "complex"
    listed = as_caseworker_a.get("/api/v1/cases/").json()["results"]
    assert [row["complexity"] for row in listed] == ["complex"]


def test_intake_without_a_complexity_is_complex(world, as_admin):
    response = _intake(as_admin, world)
    assert (response.status_code, response.json()["complexity"]) == (201, "complex")


@pytest.mark.parametrize("complexity", ["simple", "complex", "very_complex"])
def test_intake_takes_a_complexity(world, as_admin, complexity):
    response = _intake(as_admin, world, complexity=complexity)
    assert response.status_code == 201
    assert response.json()["complexity"] == complexity
    assert Case.objects.get(pk=response.json()["id"]).complexity == complexity


@pytest.mark.parametrize("complexity", ["urgent", "", None, 1, True, ["simple"]])
def test_intake_refuses_an_unknown_complexity(world, as_admin, complexity):
    before = Case.objects.count()
    response = _intake(as_admin, world, complexity=complexity)
    assert (response.status_code, list(response.json())) == (400, ["complexity"])
    assert Case.objects.count() == before


def test_the_holder_sets_the_complexity(world, as_caseworker_a):
    response = as_caseworker_a.patch(_case_url(world.a.case), {"complexity": "simple"}, format="json")
    assert (response.status_code, response.json()["complexity"]) == (200, "simple")
    assert Case.objects.get(pk=world.a.case.pk).complexity == "simple"


def test_a_leader_of_the_cases_team_sets_the_complexity(world, as_leader_a):
    response = as_leader_a.patch(_case_url(world.a.case), {"complexity": "very_complex"}, format="json")
    assert (response.status_code, response.json()["complexity"]) == (200, "very_complex")


def test_a_leader_of_the_pool_sets_the_complexity_of_a_queued_case(world, as_admin, as_leader_a):
    for caseworker in (world.a.caseworker, world.a.other_caseworker):
        as_admin.patch(f"/api/v1/caseworkers/{caseworker.pk}/", {"accepting_new_cases": False}, format="json")
    queued = _intake(as_admin, world).json()
    assert queued["status"] == "queued"
    response = as_leader_a.patch(f"/api/v1/cases/{queued['id']}/", {"complexity": "simple"}, format="json")
    assert (response.status_code, response.json()["complexity"]) == (200, "simple")


def test_an_admin_sets_the_complexity(world, as_admin):
    response = as_admin.patch(_case_url(world.b.case), {"complexity": "simple"}, format="json")
    assert (response.status_code, response.json()["complexity"]) == (200, "simple")


def test_a_leader_of_another_team_does_not_see_the_case(world, as_leader_a):
    # Visibility: the case of team B is not the leader's to see, so it does not exist for them.
    response = as_leader_a.patch(_case_url(world.b.case), {"complexity": "simple"}, format="json")
    assert response.status_code == 404
    assert Case.objects.get(pk=world.b.case.pk).complexity == "complex"


def test_a_caseworker_who_does_not_hold_the_case_does_not_see_it(world):
    colleague = client_for(world.a.other_caseworker.user)
    response = colleague.patch(_case_url(world.a.case), {"complexity": "simple"}, format="json")
    assert response.status_code == 404
    assert Case.objects.get(pk=world.a.case.pk).complexity == "complex"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "closed"},
        {"caseworker": 1},
        {"programme": "trial"},
        {"outcome": "job"},
        {"complexity": "simple", "target_group": "jobparat"},
    ],
)
def test_only_the_complexity_of_a_case_is_patched(world, as_admin, body):
    response = as_admin.patch(_case_url(world.a.case), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == set(body) - {"complexity"}
    assert all(isinstance(messages, list) and messages for messages in response.json().values())
    case = Case.objects.get(pk=world.a.case.pk)
    assert (case.status, case.complexity, case.caseworker_id) == ("open", "complex", world.a.caseworker.pk)


@pytest.mark.parametrize("complexity", ["urgent", "", None, 2, False])
def test_an_unknown_complexity_is_refused(world, as_admin, complexity):
    response = as_admin.patch(_case_url(world.a.case), {"complexity": complexity}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["complexity"])


def test_a_closed_case_keeps_its_complexity(world, as_admin, as_caseworker_a):
    assert as_admin.post(f"{_case_url(world.a.case)}close/", {"outcome": "job"}, format="json").status_code == 200
    for client in (as_caseworker_a, as_admin):  # the last holder still sees it, and may not change it
        response = client.patch(_case_url(world.a.case), {"complexity": "simple"}, format="json")
        assert response.status_code == 409
        assert set(response.json()) == {"detail", "code"}
    assert Case.objects.get(pk=world.a.case.pk).complexity == "complex"


def test_cases_still_take_no_put_and_no_delete(world, as_admin):
    assert as_admin.put(_case_url(world.a.case), {"complexity": "simple"}, format="json").status_code == 405
    assert as_admin.delete(_case_url(world.a.case)).status_code == 405


# --- Policy weights and the new-colleague reduction -------------------------------------------


def test_a_policy_reads_its_weights_and_reduction_with_defaults(world, as_caseworker_a):
    assert as_caseworker_a.get("/api/v1/policies/psychiatric/").json() == {
        "role": "psychiatric",
        "cap": 25,
        "weights": DEFAULT_WEIGHTS,
        "new_hire_months": 0,
        "new_hire_share": 1,
    }


def test_weights_are_json_numbers(world, as_admin):
    body = as_admin.get("/api/v1/policies/standard/").content
    weights = json.loads(body)["weights"]
    assert all(isinstance(value, int | float) and not isinstance(value, bool) for value in weights.values())
    assert b'"1.00"' not in body


def test_an_admin_patches_one_weight_and_the_others_stay(world, as_admin):
    policy = _weigh(as_admin, simple=0.5)
    assert policy["weights"] == {"simple": 0.5, "complex": 1, "very_complex": 1}
    assert policy["cap"] == 45
    assert as_admin.get("/api/v1/policies/flere_skal_med/").json()["weights"]["simple"] == 0.5


def test_an_admin_patches_every_weight_at_the_bounds(world, as_admin):
    policy = _weigh(as_admin, simple=0.01, complex=2.25, very_complex=5)
    assert policy["weights"] == {"simple": 0.01, "complex": 2.25, "very_complex": 5}


@pytest.mark.parametrize(
    "weights",
    [
        {"simple": 0},
        {"simple": -1},
        {"complex": 5.01},
        {"complex": 1.234},
        {"very_complex": "2"},
        {"very_complex": True},
        {"simple": None},
        {"simple": "NaN"},
        {"urgent": 1},
        {"simple": 1, "Simple": 1},
        ["simple", 1],
        "1",
        1,
        True,
        None,
    ],
)
def test_bad_weights_are_a_400_on_weights(world, as_admin, weights):
    response = as_admin.patch("/api/v1/policies/flere_skal_med/", {"weights": weights}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["weights"]), response.content
    policy = CaseloadPolicy.objects.get(role="flere_skal_med")
    assert (policy.weight_simple, policy.weight_complex, policy.weight_very_complex) == (1, 1, 1)


def test_a_bad_weight_changes_nothing_else_in_the_same_patch(world, as_admin):
    body = {"cap": 30, "weights": {"simple": 0.5, "complex": 9}}
    response = as_admin.patch("/api/v1/policies/flere_skal_med/", body, format="json")
    assert (response.status_code, list(response.json())) == (400, ["weights"])
    policy = CaseloadPolicy.objects.get(role="flere_skal_med")
    assert (policy.cap, policy.weight_simple) == (45, 1)


def test_an_admin_sets_the_new_colleague_reduction(world, as_admin):
    body = {"new_hire_months": 6, "new_hire_share": 0.5}
    response = as_admin.patch("/api/v1/policies/flere_skal_med/", body, format="json")
    assert response.status_code == 200
    assert {k: response.json()[k] for k in body} == body


@pytest.mark.parametrize(
    "body, field",
    [
        ({"new_hire_months": -1}, "new_hire_months"),
        ({"new_hire_months": 61}, "new_hire_months"),
        ({"new_hire_months": 1.5}, "new_hire_months"),
        ({"new_hire_months": "3"}, "new_hire_months"),
        ({"new_hire_months": True}, "new_hire_months"),
        ({"new_hire_months": None}, "new_hire_months"),
        ({"new_hire_share": 0}, "new_hire_share"),
        ({"new_hire_share": 1.01}, "new_hire_share"),
        ({"new_hire_share": 0.333}, "new_hire_share"),
        ({"new_hire_share": "0.5"}, "new_hire_share"),
        ({"new_hire_share": False}, "new_hire_share"),
        ({"new_hire_share": None}, "new_hire_share"),
    ],
)
def test_bad_new_colleague_values_are_a_400(world, as_admin, body, field):
    response = as_admin.patch("/api/v1/policies/flere_skal_med/", body, format="json")
    assert (response.status_code, list(response.json())) == (400, [field])


def test_only_admins_change_weights(world, as_leader_a, as_caseworker_a):
    for client in (as_leader_a, as_caseworker_a):
        response = client.patch("/api/v1/policies/flere_skal_med/", {"weights": {"simple": 0.5}}, format="json")
        assert response.status_code == 403
    assert CaseloadPolicy.objects.get(role="flere_skal_med").weight_simple == 1


def test_a_patch_that_names_nothing_changes_nothing(world, as_admin):
    response = as_admin.patch("/api/v1/policies/flere_skal_med/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["weights"] == DEFAULT_WEIGHTS and response.json()["cap"] == 45


# --- Load: caseworkers and teams ---------------------------------------------------------------


def _caseworker(client, caseworker) -> dict:
    return client.get(f"/api/v1/caseworkers/{caseworker.pk}/").json()


def _team(client, team) -> dict:
    return client.get(f"/api/v1/teams/{team.pk}/").json()


def test_a_caseworker_reads_load_beside_open_cases_and_cap(world, as_caseworker_a):
    data = _caseworker(as_caseworker_a, world.a.caseworker)
    assert (data["open_cases"], data["load"], data["cap"]) == (1, 1, 10)
    assert isinstance(data["load"], float)  # a JSON number, as fte is


def test_load_is_the_sum_of_the_weights_of_open_cases(world, as_admin):
    _weigh(as_admin, simple=0.5, very_complex=2.5)
    # caseworker A holds one complex case (1); the other caseworker has room, the lowest load/cap
    heavy = _intake(as_admin, world, complexity="very_complex").json()
    assert heavy["caseworker"] == world.a.other_caseworker.pk
    light = _intake(as_admin, world, complexity="simple").json()
    assert light["caseworker"] == world.a.caseworker.pk  # 1/10 < 2.5/10
    first, other = _caseworker(as_admin, world.a.caseworker), _caseworker(as_admin, world.a.other_caseworker)
    assert (first["open_cases"], first["load"]) == (2, 1.5)
    assert (other["open_cases"], other["load"]) == (1, 2.5)


def test_the_load_follows_a_change_of_complexity(world, as_admin, as_caseworker_a):
    _weigh(as_admin, very_complex=3)
    as_caseworker_a.patch(_case_url(world.a.case), {"complexity": "very_complex"}, format="json")
    assert _caseworker(as_admin, world.a.caseworker)["load"] == 3
    as_caseworker_a.patch(_case_url(world.a.case), {"complexity": "simple"}, format="json")
    assert _caseworker(as_admin, world.a.caseworker)["load"] == 1


def test_the_load_follows_a_change_of_weights(world, as_admin):
    _weigh(as_admin, complex=1.75)
    assert _caseworker(as_admin, world.a.caseworker)["load"] == 1.75
    assert _team(as_admin, world.a.team)["load"] == 1.75


def test_a_closed_case_leaves_the_load(world, as_admin):
    _weigh(as_admin, complex=2)
    as_admin.post(f"{_case_url(world.a.case)}close/", {"outcome": "job"}, format="json")
    data = _caseworker(as_admin, world.a.caseworker)
    assert (data["open_cases"], data["load"]) == (0, 0)


def test_a_team_reads_its_load_beside_open_cases_and_capacity(world, as_admin, as_leader_a):
    _weigh(as_admin, very_complex=2.5)
    _intake(as_admin, world, complexity="very_complex")
    team = _team(as_leader_a, world.a.team)
    assert (team["open_cases"], team["load"], team["capacity"], team["over_limit"]) == (2, 3.5, 20, False)
    listed = {row["id"]: row for row in as_admin.get("/api/v1/teams/").json()["results"]}
    assert listed[world.a.team.pk]["load"] == 3.5 and listed[world.b.team.pk]["load"] == 1


def test_over_limit_compares_load_with_cap(world, as_admin):
    as_admin.patch(f"/api/v1/caseworkers/{world.a.caseworker.pk}/", {"cap_override": 3}, format="json")
    _weigh(as_admin, very_complex=5)
    as_admin.patch(_case_url(world.a.case), {"complexity": "very_complex"}, format="json")
    caseworker, team = _caseworker(as_admin, world.a.caseworker), _team(as_admin, world.a.team)
    assert (caseworker["open_cases"], caseworker["load"], caseworker["cap"]) == (1, 5, 3)
    # one case in a capacity of 13, but a load of 5 on a cap of 3
    assert (team["open_cases"], team["capacity"], team["load"], team["over_limit"]) == (1, 13, 5, True)


# --- New colleagues: started_on ------------------------------------------------------------------


def _new_caseworker(client, world, **extra):
    body = {"username": "ny", "full_name": "Ny Kollega", "team": world.a.team.pk, **extra}
    return client.post("/api/v1/caseworkers/", body, format="json")


def test_started_on_defaults_to_the_day_of_creation(world, as_admin):
    response = _new_caseworker(as_admin, world)
    assert (response.status_code, response.json()["started_on"]) == (201, timezone.localdate().isoformat())


def test_an_admin_gives_started_on_at_creation(world, as_admin):
    response = _new_caseworker(as_admin, world, started_on="2024-03-01")
    assert (response.status_code, response.json()["started_on"]) == (201, "2024-03-01")
    assert Caseworker.objects.get(pk=response.json()["id"]).started_on == datetime.date(2024, 3, 1)


def test_an_admin_patches_started_on(world, as_admin):
    url = f"/api/v1/caseworkers/{world.a.other_caseworker.pk}/"
    response = as_admin.patch(url, {"started_on": "2020-08-15"}, format="json")
    assert (response.status_code, response.json()["started_on"]) == (200, "2020-08-15")


@pytest.mark.parametrize("started_on", ["yesterday", "2024-02-30", "", None, 20240301, True])
def test_a_bad_started_on_is_a_400(world, as_admin, started_on):
    created = _new_caseworker(as_admin, world, started_on=started_on)
    assert (created.status_code, list(created.json())) == (400, ["started_on"])
    url = f"/api/v1/caseworkers/{world.a.other_caseworker.pk}/"
    patched = as_admin.patch(url, {"started_on": started_on}, format="json")
    assert (patched.status_code, list(patched.json())) == (400, ["started_on"])


def test_only_admins_change_started_on(world, as_leader_a, as_caseworker_a):
    url = f"/api/v1/caseworkers/{world.a.caseworker.pk}/"
    for client in (as_leader_a, as_caseworker_a):
        assert client.patch(url, {"started_on": "2001-01-01"}, format="json").status_code == 403


def test_a_new_colleague_carries_the_policys_share_of_the_cap(world, as_admin):
    as_admin.patch("/api/v1/policies/flere_skal_med/", {"new_hire_months": 6, "new_hire_share": 0.5}, format="json")
    created = _new_caseworker(as_admin, world).json()
    assert created["cap"] == 22  # floor(45 × 1 × 0.5)
    part_time = _new_caseworker(as_admin, world, username="halv", fte=0.5).json()
    assert part_time["cap"] == 11  # floor(45 × 0.5 × 0.5)
    # started long enough ago: the full cap
    year_ago = (timezone.localdate() - datetime.timedelta(days=365)).isoformat()
    patched = as_admin.patch(f"/api/v1/caseworkers/{created['id']}/", {"started_on": year_ago}, format="json")
    assert patched.json()["cap"] == 45
    # an override is the administrator's own number and wins
    override = _new_caseworker(as_admin, world, username="fast", cap_override=40).json()
    assert override["cap"] == 40


def test_the_reduction_applies_to_colleagues_already_there_when_the_policy_changes(world, as_admin):
    created = _new_caseworker(as_admin, world).json()
    assert created["cap"] == 45
    as_admin.patch("/api/v1/policies/flere_skal_med/", {"new_hire_months": 3, "new_hire_share": 0.4}, format="json")
    assert _caseworker(as_admin, Caseworker.objects.get(pk=created["id"]))["cap"] == 18


# --- With the defaults, everything looks as before ------------------------------------------------


def test_with_the_defaults_load_is_the_count(world, as_admin):
    for _ in range(3):
        _intake(as_admin, world, complexity="very_complex")
    _intake(as_admin, world, complexity="simple")
    for row in as_admin.get("/api/v1/caseworkers/").json()["results"]:
        assert row["load"] == row["open_cases"], row
    for row in as_admin.get("/api/v1/teams/").json()["results"]:
        assert row["load"] == row["open_cases"], row
    for row in as_admin.get("/api/v1/policies/").json()["results"]:
        assert (row["weights"], row["new_hire_months"], row["new_hire_share"]) == (DEFAULT_WEIGHTS, 0, 1)


def test_with_the_defaults_caps_are_counts_as_before(world, as_admin):
    # a caseworker at their cap in cases takes no further case, whatever its complexity
    as_admin.patch(f"/api/v1/caseworkers/{world.a.other_caseworker.pk}/", {"status": "on_leave"}, format="json")
    as_admin.patch(f"/api/v1/caseworkers/{world.a.caseworker.pk}/", {"cap_override": 2}, format="json")
    assert _intake(as_admin, world, complexity="simple").json()["status"] == "open"
    queued = _intake(as_admin, world, complexity="simple").json()
    assert (queued["status"], queued["caseworker"]) == ("queued", None)
    assert Case.objects.filter(status=CaseStatus.QUEUED).count() == 1


def test_capacity_is_reached_by_weight_once_weights_differ(world, as_admin):
    as_admin.patch(f"/api/v1/caseworkers/{world.a.other_caseworker.pk}/", {"status": "on_leave"}, format="json")
    as_admin.patch(f"/api/v1/caseworkers/{world.a.caseworker.pk}/", {"cap_override": 3}, format="json")
    _weigh(as_admin, simple=0.5)
    # load 1 (the complex case) + 4 × 0.5 = 3: four simple cases fit where two would in counts
    for _ in range(4):
        assert _intake(as_admin, world, complexity="simple").json()["status"] == "open"
    assert _intake(as_admin, world, complexity="simple").json()["status"] == "queued"
    data = _caseworker(as_admin, world.a.caseworker)
    assert (data["open_cases"], data["load"], data["cap"]) == (5, 3, 3)


def test_the_service_and_the_api_agree_on_the_load(world, as_admin):
    allocation_services.policy_update(role="flere_skal_med", weights={"complex": "1.25"})
    assert _caseworker(as_admin, world.a.caseworker)["load"] == 1.25


# --- The schema describes it --------------------------------------------------------------------


@pytest.fixture
def schema(anonymous):
    return anonymous.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def test_the_schema_describes_the_new_fields(schema):
    components = schema["components"]["schemas"]
    assert components["ComplexityEnum"]["enum"] == ["simple", "complex", "very_complex"]
    assert "complexity" in components["Case"]["required"]
    assert components["CaseCreateRequest"]["properties"]["complexity"]["default"] == "complex"
    assert components["PatchedCaseUpdateRequest"]["additionalProperties"] is False
    assert set(components["PatchedCaseUpdateRequest"]["properties"]) == {"complexity"}
    assert {"weights", "new_hire_months", "new_hire_share"} <= set(components["Policy"]["required"])
    weights = components["PolicyWeights"]
    assert set(weights["required"]) == {"simple", "complex", "very_complex"}
    assert all(prop["type"] == "number" and prop["maximum"] == 5 for prop in weights["properties"].values())
    assert components["PolicyWeightsUpdateRequest"]["additionalProperties"] is False
    assert components["Caseworker"]["properties"]["load"]["type"] == "number"
    assert components["Caseworker"]["properties"]["started_on"]["format"] == "date"
    assert "started_on" in components["CaseworkerCreateRequest"]["properties"]
    assert "started_on" in components["PatchedCaseworkerUpdateRequest"]["properties"]
    assert components["Team"]["properties"]["load"]["type"] == "number"


def test_the_schema_offers_patch_but_not_put_on_a_case(schema):
    operations = schema["paths"]["/api/v1/cases/{id}/"]
    assert "patch" in operations and "put" not in operations and "delete" not in operations
    assert {"200", "400", "403", "404", "409"} <= set(operations["patch"]["responses"])
