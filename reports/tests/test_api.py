"""/api/v1/reports/: the same figures as the pages, scoped the same way, documented."""

import pytest
from rest_framework.test import APIClient

from .test_trial_report import AS_OF, trial  # noqa: F401  (fixture)
from .test_views import PERIOD

pytestmark = pytest.mark.django_db

ENDPOINTS = ["caseloads", "queue-waiting", "exits", "time-to-exit", "contacts", "key-figures", "capacity", "trials"]


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_clients_get_nothing(world, endpoint):
    assert api().get(f"/api/v1/reports/{endpoint}/").status_code in (401, 403)


@pytest.mark.parametrize("endpoint", ENDPOINTS[:-1])
def test_users_who_lead_no_team_get_404(world, endpoint):
    assert api(world.caseworker_user).get(f"/api/v1/reports/{endpoint}/").status_code == 404


def test_caseloads_by_hand_and_scoped(snapshots):
    body = (
        api(snapshots.admin)
        .get("/api/v1/reports/caseloads/", {"date_from": "2026-02-02", "date_to": "2026-02-02"})
        .json()
    )
    assert body["results"] == [
        {
            "date": "2026-02-02",
            "group": "standard",
            "label": "Standard cash-benefit unit",
            "caseworkers": 3,
            "median_per_fte": 60.0,
            "p90_per_fte": 108.0,
            "over_cap_share": pytest.approx(1 / 3),
            "queued": 7,
            # the load fields, added (weight-reports): history before weights reads as the count
            "median_load_per_fte": 60.0,
            "p90_load_per_fte": 108.0,
            "over_cap_share_by_load": pytest.approx(1 / 3),
        }
    ]
    leader = (
        api(snapshots.leader_b)
        .get("/api/v1/reports/caseloads/", {"date_from": "2026-02-02", "date_to": "2026-02-02", "group_by": "team"})
        .json()
    )
    assert [(r["label"], r["median_per_fte"]) for r in leader["results"]] == [("Bravo", 120.0)]


def test_exits_scoped_to_the_leaders_team(exits):
    body = api(exits.leader_a).get("/api/v1/reports/exits/", PERIOD | {"group_by": "team"}).json()
    assert {r["label"] for r in body["results"]} == {"Alpha"}
    q1 = next(r for r in body["results"] if r["quarter"] == "2026-Q1")
    assert q1["total"] == 13 and q1["counts"]["job"] == 6 and q1["counts"]["moved"] is None
    durations = api(exits.leader_b).get("/api/v1/reports/time-to-exit/", PERIOD | {"group_by": "team"}).json()
    assert durations["results"] == [{"group": str(exits.team_b.pk), "label": "Bravo", "exits": 5, "median_days": 30.0}]
    figures = api(exits.admin).get("/api/v1/reports/key-figures/", PERIOD).json()["results"]
    assert [(k["quarter"], k["exits"]) for k in figures] == [("2026-Q1", 18), ("2026-Q2", 5)]


def test_invalid_filters_answer_400_with_field_messages(world):
    client = api(world.admin)
    response = client.get("/api/v1/reports/exits/", {"date_from": "soon", "unit_type": "office"})
    assert response.status_code == 400 and set(response.json()) == {"date_from", "unit_type"}
    assert client.get("/api/v1/reports/capacity/", {"cap_standard": "0"}).status_code == 400
    assert client.get("/api/v1/reports/caseloads/", {"group_by": "citizen"}).status_code == 400
    # a leader naming another team's id gets a validation error, not that team's figures
    assert api(world.leader_a).get("/api/v1/reports/exits/", {"team": world.team_b.pk}).status_code == 400


def test_capacity_what_if(world):
    body = api(world.admin).get("/api/v1/reports/capacity/", {"cap_standard": 55, "cost_per_fte": 500000}).json()
    standard = next(r for r in body["results"] if r["unit_type"] == "standard")
    assert (standard["cap"], standard["policy_cap"], standard["fte"]) == (55, 100, 2.5)


def test_trial_report_is_for_administrators(trial):  # noqa: F811
    url = f"/api/v1/reports/trials/{trial.pk}/"
    leader = trial.arms.first().teams.first().leaders.first()
    assert api(leader).get(url).status_code == 404
    assert api(leader).get("/api/v1/reports/trials/").json() == {"results": []}
    from staff.tests.factories import AdminFactory

    admin = AdminFactory()
    assert [t["name"] for t in api(admin).get("/api/v1/reports/trials/").json()["results"]] == ["Lærkevej 2026"]
    body = api(admin).get(url).json()
    control, low = body["arms"]
    assert (control["included"], low["included"]) == (20, 20)
    assert low["difference"]["difference"] == pytest.approx(0.3)
    assert control["job_or_education"]["share"] == 0.4
    assert low["survival"]["points"][0] == {"day": 0, "survival": 1.0, "low": 1.0, "high": 1.0, "at_risk": 20}
    assert body["excluded"] == {"earlier_case": 6, "too_young": None}
    assert set(body["logrank"]) == {"chi2", "p_value"}
    assert api(admin).get("/api/v1/reports/trials/999999/").status_code == 404


def test_the_schema_documents_the_report_endpoints(world):
    response = api(world.admin).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"] if response["Content-Type"].startswith("application/json") else None
    if paths is None:
        import yaml

        paths = yaml.safe_load(response.content)["paths"]
    for endpoint in ENDPOINTS:
        assert f"/api/v1/reports/{endpoint}/" in paths
    assert "/api/v1/reports/trials/{trial_id}/" in paths
    parameters = {p["name"] for p in paths["/api/v1/reports/caseloads/"]["get"]["parameters"]}
    assert {"date_from", "date_to", "jobcenter", "unit_type", "team", "group_by"} <= parameters
