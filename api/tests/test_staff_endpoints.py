"""Jobcenters, teams, caseworkers, policies: every row of docs/api.md with its documented codes."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from allocation.tests.factories import open_case
from cases.models import CaseStatus
from staff.models import Caseworker, CaseworkerStatus, Jobcenter, Team
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory

pytestmark = pytest.mark.django_db

# --- Jobcenters ----------------------------------------------------------------------------


def test_jobcenter_read_shape(world, as_admin):
    assert as_admin.get(f"/api/v1/jobcenters/{world.a.jobcenter.pk}/").json() == {
        "id": world.a.jobcenter.pk,
        "name": "Jobcenter A",
        "municipality_code": "101",
    }


def test_admin_creates_updates_and_deletes_a_jobcenter(world, as_admin):
    response = as_admin.post("/api/v1/jobcenters/", {"name": "Jobcenter Aarhus", "municipality_code": "751"})
    assert response.status_code == 201
    pk = response.json()["id"]
    assert as_admin.patch(f"/api/v1/jobcenters/{pk}/", {"name": "Aarhus"}).json()["name"] == "Aarhus"
    put = as_admin.put(f"/api/v1/jobcenters/{pk}/", {"name": "Aarhus K", "municipality_code": "752"})
    assert (put.status_code, put.json()["municipality_code"]) == (200, "752")
    assert as_admin.delete(f"/api/v1/jobcenters/{pk}/").status_code == 204
    assert not Jobcenter.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("code", ["12", "1234", "abc", "", None])
def test_municipality_code_must_be_three_digits(world, as_admin, code):
    response = as_admin.post("/api/v1/jobcenters/", {"name": "X", "municipality_code": code}, format="json")
    assert response.status_code == 400
    assert "municipality_code" in response.json()


def test_municipality_code_is_unique(world, as_admin):
    response = as_admin.post("/api/v1/jobcenters/", {"name": "Again", "municipality_code": "101"})
    assert response.status_code == 400
    assert "municipality_code" in response.json()


def test_a_jobcenter_with_teams_is_not_deleted(world, as_admin):
    response = as_admin.delete(f"/api/v1/jobcenters/{world.a.jobcenter.pk}/")
    assert response.status_code == 409
    assert response.json()["detail"]
    assert Jobcenter.objects.filter(pk=world.a.jobcenter.pk).exists()


def test_only_admins_write_jobcenters(world, as_leader_a, as_caseworker_a):
    for client in (as_leader_a, as_caseworker_a):
        assert client.post("/api/v1/jobcenters/", {"name": "X", "municipality_code": "555"}).status_code == 403
        url = f"/api/v1/jobcenters/{world.a.jobcenter.pk}/"
        assert client.patch(url, {"name": "Mine"}).status_code == 403
        assert client.delete(url).status_code == 403
    assert Jobcenter.objects.get(pk=world.a.jobcenter.pk).name == "Jobcenter A"


# --- Teams ---------------------------------------------------------------------------------


def test_team_read_shape_and_load_figures(world, as_leader_a):
    assert as_leader_a.get(f"/api/v1/teams/{world.a.team.pk}/").json() == {
        "id": world.a.team.pk,
        "name": "Team A",
        "jobcenter": world.a.jobcenter.pk,
        "unit_type": "flere_skal_med",
        "leaders": [world.a.leader.pk],
        "caseworker_count": 2,
        "open_cases": 1,
        "load": 1,
        "capacity": 20,
        "over_limit": False,
        "contacts_overdue": 0,
    }


def test_capacity_counts_active_caseworkers_and_over_limit_follows_caps(world, as_admin):
    url = f"/api/v1/teams/{world.a.team.pk}/"
    as_admin.patch(f"/api/v1/caseworkers/{world.a.other_caseworker.pk}/", {"status": "on_leave"})
    assert as_admin.get(url).json()["capacity"] == 10
    # lowering a cap below the open cases is allowed and makes the team over its limit
    as_admin.patch(f"/api/v1/caseworkers/{world.a.caseworker.pk}/", {"cap_override": 0})
    team = as_admin.get(url).json()
    assert (team["capacity"], team["open_cases"], team["over_limit"]) == (0, 1, True)


def test_admin_creates_a_team_with_leaders(world, as_admin):
    body = {
        "name": "Psykiatri",
        "jobcenter": world.a.jobcenter.pk,
        "unit_type": "psychiatric",
        "leaders": [world.a.leader.pk],
    }
    response = as_admin.post("/api/v1/teams/", body, format="json")
    assert response.status_code == 201
    team = response.json()
    assert (team["leaders"], team["caseworker_count"], team["capacity"], team["over_limit"]) == (
        [world.a.leader.pk],
        0,
        0,
        False,
    )


@pytest.mark.parametrize(
    "change",
    [{"unit_type": "chess"}, {"name": ""}, {"jobcenter": 99999}, {"leaders": [99999]}, {"name": "x" * 201}],
)
def test_team_validation(world, as_admin, change):
    body = {"name": "T", "jobcenter": world.a.jobcenter.pk, "unit_type": "trial", **change}
    response = as_admin.post("/api/v1/teams/", body, format="json")
    assert response.status_code == 400
    assert set(change) <= set(response.json())


def test_team_names_are_unique_per_jobcenter(world, as_admin):
    body = {"name": "Team A", "jobcenter": world.a.jobcenter.pk, "unit_type": "trial"}
    assert as_admin.post("/api/v1/teams/", body, format="json").status_code == 400


def test_team_patch_renames_and_sets_leaders(world, as_admin):
    url = f"/api/v1/teams/{world.a.team.pk}/"
    response = as_admin.patch(
        url, {"name": "Team Alpha", "leaders": [world.a.leader.pk, world.b.leader.pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Team Alpha"
    assert sorted(response.json()["leaders"]) == sorted([world.a.leader.pk, world.b.leader.pk])
    assert response.json()["caseworker_count"] == 2


def test_a_team_with_caseworkers_keeps_its_unit_type(world, as_admin):
    response = as_admin.patch(f"/api/v1/teams/{world.a.team.pk}/", {"unit_type": "trial"})
    assert response.status_code == 409
    assert response.json()["detail"]
    empty = TeamFactory(jobcenter=world.a.jobcenter, unit_type="standard")
    assert as_admin.patch(f"/api/v1/teams/{empty.pk}/", {"unit_type": "trial"}).json()["unit_type"] == "trial"


def test_team_delete_only_while_empty(world, as_admin):
    response = as_admin.delete(f"/api/v1/teams/{world.a.team.pk}/")
    assert (response.status_code, bool(response.json()["detail"])) == (409, True)
    empty = TeamFactory(jobcenter=world.a.jobcenter)
    assert as_admin.delete(f"/api/v1/teams/{empty.pk}/").status_code == 204
    assert not Team.objects.filter(pk=empty.pk).exists()


def test_only_admins_write_teams(world, as_leader_a):
    body = {"name": "Mine", "jobcenter": world.a.jobcenter.pk, "unit_type": "trial"}
    assert as_leader_a.post("/api/v1/teams/", body).status_code == 403
    assert as_leader_a.patch(f"/api/v1/teams/{world.a.team.pk}/", {"name": "Mine"}).status_code == 403
    assert as_leader_a.delete(f"/api/v1/teams/{world.a.team.pk}/").status_code == 403


# --- Rebalance -----------------------------------------------------------------------------


def _overload_a(world, as_admin):
    """Caseworker A holds 4 cases, then their cap drops to 2: two must move to the other."""
    for _ in range(3):
        open_case(team=world.a.team)
    # intake spreads the load; put all four on caseworker A through reassignment
    for case in world.a.other_caseworker.cases.filter(status=CaseStatus.OPEN):
        as_admin.post(f"/api/v1/cases/{case.pk}/reassign/", {"caseworker": world.a.caseworker.pk})
    assert Caseworker.objects.get(pk=world.a.caseworker.pk).open_cases == 4
    as_admin.patch(f"/api/v1/caseworkers/{world.a.caseworker.pk}/", {"cap_override": 2})


def test_rebalance_plan_changes_nothing_and_apply_carries_it_out(world, as_admin, as_leader_a):
    _overload_a(world, as_admin)
    url = f"/api/v1/teams/{world.a.team.pk}/rebalance/"
    plan = as_leader_a.post(url, {"apply": False}, format="json")
    assert plan.status_code == 200
    moves = plan.json()["moves"]
    assert len(moves) == 2 and plan.json()["over_cap_after"] == 0
    assert {(m["from_caseworker"], m["to_caseworker"]) for m in moves} == {
        (world.a.caseworker.pk, world.a.other_caseworker.pk)
    }
    assert Caseworker.objects.get(pk=world.a.caseworker.pk).open_cases == 4  # a plan changes nothing

    done = as_leader_a.post(url, {"apply": True}, format="json")
    assert done.status_code == 200
    assert sorted(m["case"] for m in done.json()["moves"]) == sorted(m["case"] for m in moves)
    assert Caseworker.objects.get(pk=world.a.caseworker.pk).open_cases == 2
    assert as_admin.get(f"/api/v1/teams/{world.a.team.pk}/").json()["over_limit"] is False
    history = as_admin.get(f"/api/v1/cases/{moves[0]['case']}/history/").json()
    assert (history[-1]["reason"], history[-1]["by"]) == ("rebalance", world.a.leader.pk)


def test_rebalance_permissions(world, as_admin, as_leader_a, as_caseworker_a):
    url = f"/api/v1/teams/{world.a.team.pk}/rebalance/"
    assert as_caseworker_a.post(url, {"apply": False}, format="json").status_code == 404  # teams are leaders'
    assert as_leader_a.post(url, {"spill_over": True}, format="json").status_code == 403
    assert as_admin.post(url, {"spill_over": True}, format="json").status_code == 200
    assert as_leader_a.post(url, {"apply": "sometimes"}, format="json").status_code == 400
    assert as_leader_a.post(url, {}, format="json").json() == {"moves": [], "over_cap_after": 0}


# --- Caseworkers ---------------------------------------------------------------------------


def test_caseworker_read_shape(world, as_caseworker_a):
    cw = world.a.caseworker
    assert as_caseworker_a.get(f"/api/v1/caseworkers/{cw.pk}/").json() == {
        "id": cw.pk,
        "username": "cw_A",
        "full_name": "Caseworker A",
        "team": world.a.team.pk,
        "role": "flere_skal_med",
        "fte": 1.0,
        "cap_override": 10,
        "cap": 10,
        "open_cases": 1,
        "load": 1,
        "status": "active",
        "accepting_new_cases": True,
        "started_on": cw.started_on.isoformat(),
        "contacts_overdue": 0,
    }


def test_admin_creates_a_caseworker_and_their_login(world, as_admin, anonymous):
    body = {"username": "mette", "full_name": "Mette Hansen", "team": world.a.team.pk, "password": "Lærkevej-2018!"}
    response = as_admin.post("/api/v1/caseworkers/", body, format="json")
    assert response.status_code == 201
    created = response.json()
    # role defaults to the team's unit type; the cap follows the policy (Flere skal med: 45)
    assert (created["username"], created["role"], created["fte"], created["cap"], created["open_cases"]) == (
        "mette",
        "flere_skal_med",
        1.0,
        45,
        0,
    )
    assert "password" not in created
    token = anonymous.post("/api/v1/auth/token/", {"username": "mette", "password": "Lærkevej-2018!"})
    assert token.status_code == 200


def test_caseworker_without_password_cannot_sign_in(world, as_admin, anonymous):
    body = {"username": "nopw", "full_name": "No Password", "team": world.a.team.pk, "email": "n@example.dk"}
    assert as_admin.post("/api/v1/caseworkers/", body, format="json").status_code == 201
    assert not get_user_model().objects.get(username="nopw").has_usable_password()


def test_exact_decimal_cap(world, as_admin):
    body = {"username": "part", "full_name": "Part Time", "team": world.a.team.pk, "role": "standard", "fte": 0.29}
    created = as_admin.post("/api/v1/caseworkers/", body, format="json").json()
    assert (created["fte"], created["cap"]) == (0.29, 29)
    patched = as_admin.patch(f"/api/v1/caseworkers/{created['id']}/", {"fte": 0.5}, format="json").json()
    assert (patched["fte"], patched["cap"]) == (0.5, 50)
    patched = as_admin.patch(f"/api/v1/caseworkers/{created['id']}/", {"cap_override": 7}, format="json").json()
    assert patched["cap"] == 7
    patched = as_admin.patch(f"/api/v1/caseworkers/{created['id']}/", {"cap_override": None}, format="json").json()
    assert patched["cap"] == 50


@pytest.mark.parametrize(
    "change, field",
    [
        ({"fte": 0}, "fte"),
        ({"fte": 1.01}, "fte"),
        ({"fte": -0.5}, "fte"),
        ({"fte": 0.333}, "fte"),
        ({"fte": "half"}, "fte"),
        ({"cap_override": -1}, "cap_override"),
        ({"cap_override": 10**12}, "cap_override"),
        ({"role": "boss"}, "role"),
        ({"team": 99999}, "team"),
        ({"team": "A"}, "team"),
        ({"username": ""}, "username"),
        ({"username": "has space"}, "username"),
        ({"username": "cw_A"}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "123"}, "password"),
        ({"full_name": None}, "full_name"),
    ],
)
def test_caseworker_create_validation(world, as_admin, change, field):
    body = {"username": "new", "full_name": "New Person", "team": world.a.team.pk, **change}
    response = as_admin.post("/api/v1/caseworkers/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "username, password, field",
    [
        ("CW_A", None, "username"),  # "cw_a" exists: a username differs by more than its case
        ("kirstenhansen", "kirstenhansen", "password"),  # a password equal to the username
        ("kirstenhansen", "Kirsten Hansen 1", "password"),  # ... or too like the person's name
    ],
)
def test_the_api_applies_the_same_login_rules_as_the_admin(world, as_admin, username, password, field):
    # The rules live in the service (staff.services.login_validate), so every interface agrees.
    body = {"username": username, "full_name": "Kirsten Hansen", "team": world.a.team.pk}
    if password:
        body["password"] = password
    before = get_user_model().objects.count()

    response = as_admin.post("/api/v1/caseworkers/", body, format="json")

    assert response.status_code == 400 and field in response.json(), response.json()
    assert get_user_model().objects.count() == before


@pytest.mark.parametrize("missing", ["username", "full_name", "team"])
def test_caseworker_create_required_fields(world, as_admin, missing):
    body = {"username": "new", "full_name": "New Person", "team": world.a.team.pk}
    del body[missing]
    response = as_admin.post("/api/v1/caseworkers/", body, format="json")
    assert (response.status_code, missing in response.json()) == (400, True)


@pytest.mark.parametrize(
    "change", [{"fte": 0}, {"cap_override": -3}, {"status": "retired"}, {"accepting_new_cases": "perhaps"}, {"team": 0}]
)
def test_caseworker_patch_validation(world, as_admin, change):
    response = as_admin.patch(f"/api/v1/caseworkers/{world.a.caseworker.pk}/", change, format="json")
    assert response.status_code == 400
    assert set(change) <= set(response.json())


def test_caseworker_patch_every_documented_field(world, as_admin):
    url = f"/api/v1/caseworkers/{world.a.other_caseworker.pk}/"
    other_team = TeamFactory(jobcenter=world.a.jobcenter, unit_type="flere_skal_med")
    change = {
        "team": other_team.pk,
        "role": "business_consultant",
        "fte": 0.5,
        "cap_override": None,
        "status": "on_leave",
        "accepting_new_cases": False,
        "full_name": "Renamed Person",
        "email": "renamed@example.dk",
        "started_on": "2021-05-01",
    }
    response = as_admin.patch(url, change, format="json")
    assert response.status_code == 200
    data = response.json()
    assert {k: data[k] for k in change if k != "email"} == {k: v for k, v in change.items() if k != "email"}
    assert data["cap"] == 25  # floor(50 × 0.5)
    assert get_user_model().objects.get(caseworker__pk=world.a.other_caseworker.pk).email == "renamed@example.dk"


def test_a_caseworker_who_returns_from_leave_takes_queued_cases(world, as_admin):
    as_admin.patch(f"/api/v1/caseworkers/{world.a.caseworker.pk}/", {"status": "on_leave"})
    as_admin.patch(f"/api/v1/caseworkers/{world.a.other_caseworker.pk}/", {"status": "on_leave"})
    waiting = open_case(team=world.a.team)
    assert waiting.status == CaseStatus.QUEUED
    as_admin.patch(f"/api/v1/caseworkers/{world.a.other_caseworker.pk}/", {"status": "active"})
    case = as_admin.get(f"/api/v1/cases/{waiting.pk}/").json()
    assert (case["status"], case["caseworker"], case["team"]) == ("open", world.a.other_caseworker.pk, world.a.team.pk)


def test_a_new_caseworker_takes_queued_cases(world, as_admin):
    team = TeamFactory(jobcenter=world.a.jobcenter, unit_type="psychiatric")
    waiting = open_case(team=team)
    assert waiting.status == CaseStatus.QUEUED
    created = as_admin.post("/api/v1/caseworkers/", {"username": "p1", "full_name": "P One", "team": team.pk}).json()
    assert as_admin.get(f"/api/v1/cases/{waiting.pk}/").json()["caseworker"] == created["id"]


def test_only_admins_write_caseworkers(world, as_leader_a, as_caseworker_a):
    url = f"/api/v1/caseworkers/{world.a.caseworker.pk}/"
    body = {"username": "x", "full_name": "X", "team": world.a.team.pk}
    for client in (as_leader_a, as_caseworker_a):
        assert client.post("/api/v1/caseworkers/", body).status_code == 403
        assert client.patch(url, {"fte": 0.5}, format="json").status_code == 403
        assert client.delete(url).status_code == 403
    assert Caseworker.objects.get(pk=world.a.caseworker.pk).fte == Decimal("1.00")


def test_caseworker_delete_only_if_they_never_held_a_case(world, as_admin):
    response = as_admin.delete(f"/api/v1/caseworkers/{world.a.caseworker.pk}/")
    assert response.status_code == 409 and response.json()["detail"]
    user_id = world.a.other_caseworker.user_id
    assert as_admin.delete(f"/api/v1/caseworkers/{world.a.other_caseworker.pk}/").status_code == 204
    assert not get_user_model().objects.filter(pk=user_id).exists()


def test_caseworker_put_is_not_offered(world, as_admin):
    assert as_admin.put(f"/api/v1/caseworkers/{world.a.caseworker.pk}/", {}).status_code == 405


# --- Policies ------------------------------------------------------------------------------


def test_policies_list_and_detail(world, as_caseworker_a):
    rows = as_caseworker_a.get("/api/v1/policies/").json()["results"]
    assert {r["role"]: r["cap"] for r in rows} == {
        "standard": 100,
        "business_consultant": 50,
        "flere_skal_med": 45,
        "psychiatric": 25,
        "trial": 50,
    }
    assert as_caseworker_a.get("/api/v1/policies/psychiatric/").json() == {
        "role": "psychiatric",
        "cap": 25,
        "weights": {"simple": 1, "complex": 1, "very_complex": 1},
        "new_hire_months": 0,
        "new_hire_share": 1,
    }
    assert as_caseworker_a.get("/api/v1/policies/boss/").status_code == 404


def test_admin_sets_a_policy_cap_and_caps_follow(world, as_admin):
    cw = CaseworkerFactory(team=world.a.team, fte=Decimal("0.5"))
    response = as_admin.patch("/api/v1/policies/flere_skal_med/", {"cap": 40}, format="json")
    assert response.json() == {
        "role": "flere_skal_med",
        "cap": 40,
        "weights": {"simple": 1, "complex": 1, "very_complex": 1},
        "new_hire_months": 0,
        "new_hire_share": 1,
    }
    assert Caseworker.objects.get(pk=cw.pk).cap == 20
    assert Caseworker.objects.get(pk=world.a.caseworker.pk).cap == 10  # an override stays


@pytest.mark.parametrize("cap", [-1, "many", None, 10**12])
def test_policy_cap_validation(world, as_admin, cap):
    response = as_admin.patch("/api/v1/policies/standard/", {"cap": cap}, format="json")
    assert (response.status_code, "cap" in response.json()) == (400, True)


def test_policies_are_never_deleted_or_created_and_only_admins_set_them(world, as_admin, as_leader_a):
    assert as_admin.delete("/api/v1/policies/standard/").status_code == 405
    assert as_admin.post("/api/v1/policies/", {"role": "standard", "cap": 1}).status_code == 405
    assert as_admin.put("/api/v1/policies/standard/", {"cap": 1}).status_code == 405
    assert as_leader_a.patch("/api/v1/policies/standard/", {"cap": 1}).status_code == 403


def test_jobcenter_without_dependants_can_go(world, as_admin):
    empty = JobcenterFactory(municipality_code="999")
    assert as_admin.delete(f"/api/v1/jobcenters/{empty.pk}/").status_code == 204
    assert CaseworkerStatus.ACTIVE == "active"
