"""Caseload weight in the reports: the snapshot's load beside the count, caseloads over time in
load, and capacity planning's "what would weights w cost?" — against figures worked out by hand."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from allocation import services, snapshots
from allocation.models import CaseloadSnapshot
from cases.models import Case, CaseStatus
from cases.tests.factories import CitizenFactory
from reports.figures import caseloads as caseload_figures
from reports.figures.capacity import capacity_plan, workload_in_load
from reports.figures.caseloads import caseload_trend
from reports.forms import CapacityForm
from reports.scope import ReportFilter, Scope, report_scope
from staff.models import Caseworker
from staff.tests.factories import CaseworkerFactory, TeamFactory

from .conftest import D1, D2, at, make_case, snapshot
from .test_views import login, rows_of

pytestmark = pytest.mark.django_db

EVERYTHING = Scope(None)
FEBRUARY = ReportFilter(date_from=datetime.date(2026, 2, 1), date_to=datetime.date(2026, 2, 28))
WEIGHTS = {"simple": Decimal("0.5"), "complex": Decimal("1"), "very_complex": Decimal("2")}


@pytest.fixture(params=["database", "histogram"])
def percentile_path(request, monkeypatch):
    if request.param == "database" and not caseload_figures.has_percentile():
        pytest.skip("no percentile aggregate on this database (the histogram run covers it)")
    if request.param == "histogram":
        monkeypatch.setattr(caseload_figures, "has_percentile", lambda: False)
    return request.param


# --- The snapshot -------------------------------------------------------------------------


def test_the_snapshot_records_the_load_beside_the_count():
    team = TeamFactory(unit_type="standard")
    worker = CaseworkerFactory(team=team)
    services.policy_update(role="standard", weights=WEIGHTS)
    for complexity in ("simple", "simple", "complex", "very_complex"):
        services.case_create(
            citizen=CitizenFactory(jobcenter=team.jobcenter), programme="standard", complexity=complexity
        )
    worker.refresh_from_db()
    assert (worker.open_cases, worker.load_hundredths) == (4, 400)  # 0.5 + 0.5 + 1 + 2

    snapshots.caseloads_snapshot(day=D1)

    rows = {s.caseworker_id: (s.open_cases, s.load_hundredths) for s in CaseloadSnapshot.objects.filter(date=D1)}
    assert rows == {worker.pk: (4, 400), None: (4, 400)}  # the team row sums its caseworkers


def test_the_migration_backfills_older_rows_as_the_count(world):
    row = snapshot(day=D1, caseworker=world.a1, open_cases=37, cap=100, load="0")
    migration = importlib.import_module("allocation.migrations.0007_snapshot_load")
    migration.backfill(apps, None)
    row.refresh_from_db()
    assert row.load_hundredths == 3700


# --- Caseloads over time ------------------------------------------------------------------


@pytest.fixture
def weighted_snapshots(world):
    """As `snapshots`, with loads. Per FTE in load: A1 30/1 = 30, A2 45/0.5 = 90, B1 110/1 = 110."""
    for day in (D1, D2):
        snapshot(day=day, caseworker=world.a1, open_cases=40, load="30", cap=100)
        snapshot(day=day, caseworker=world.a2, open_cases=30, load="45", cap=50, fte="0.50")
        snapshot(day=day, caseworker=world.b1, open_cases=120, load="110", cap=100)
        snapshot(day=day, team=world.team_a, open_cases=70, load="75", cap=150, fte="1.50", queued=7)
        snapshot(day=day, team=world.team_b, open_cases=120, load="110", cap=100, fte="1.00", queued=7)
    return world


def test_caseloads_in_load_by_hand(weighted_snapshots, percentile_path):
    first = caseload_trend(scope=EVERYTHING, filters=FEBRUARY, group_by="unit_type")[0]
    # the count is as before: 40, 60, 120 → median 60, p90 108, 1 of 3 over cap
    assert (first.median_per_fte, first.p90_per_fte, first.over_cap_share) == (60.0, 108.0, pytest.approx(1 / 3))
    # in load: 30, 90, 110 → median 90; p90 at rank 1.8: 90 + 0.8 × 20 = 106; over cap: B1 (110 > 100) only
    assert (first.median_load_per_fte, first.p90_load_per_fte) == (90.0, 106.0)
    assert first.over_cap_share_by_load == pytest.approx(1 / 3)
    leader = caseload_trend(scope=report_scope(weighted_snapshots.leader_a), filters=FEBRUARY)[0]
    # Alpha alone: 30, 90 → median 60, p90 30 + 0.9 × 60 = 84; nobody over cap in load
    assert (leader.median_load_per_fte, leader.p90_load_per_fte, leader.over_cap_share_by_load) == (60.0, 84.0, 0.0)


def test_without_weights_the_load_is_the_count(snapshots, percentile_path):
    for p in caseload_trend(scope=EVERYTHING, filters=FEBRUARY, group_by="team"):
        assert (p.median_load_per_fte, p.p90_load_per_fte, p.over_cap_share_by_load) == (
            p.median_per_fte,
            p.p90_per_fte,
            p.over_cap_share,
        )


def test_the_caseloads_page_and_csv_show_the_load(client, weighted_snapshots):
    login(client, weighted_snapshots.admin)
    query = {"date_from": "2026-02-02", "date_to": "2026-02-03"}
    rows = rows_of(client.get(reverse("reports:caseloads"), query | {"export": "caseloads"}))
    header, first = rows[0], rows[1]
    assert first[header.index("median_per_fte")] == "60.0" and first[header.index("median_load_per_fte")] == "90.0"
    assert first[header.index("p90_load_per_fte")] == "106.0"
    body = client.get(reverse("reports:caseloads"), query).content.decode()
    # Danish first: the pages speak Danish unless asked otherwise
    assert "Median belastning pr. årsværk" in body and "så belastning og antal er ens" in body
    services.policy_update(role="standard", weights=WEIGHTS)
    body = client.get(reverse("reports:caseloads"), query).content.decode()
    assert "linjen “Median belastning” vægter dem" in body


def test_the_caseloads_api_serves_the_load(weighted_snapshots):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(weighted_snapshots.leader_b)
    body = client.get("/api/v1/reports/caseloads/", {"date_from": "2026-02-02", "date_to": "2026-02-02"}).json()
    [bravo] = body["results"]
    assert (bravo["median_per_fte"], bravo["median_load_per_fte"], bravo["over_cap_share_by_load"]) == (
        120.0,
        110.0,
        1.0,
    )


# --- Capacity: what would weights w cost? -------------------------------------------------


@pytest.fixture
def small_world(world):
    """10 simple and 3 complex cases held by A1; 2 complex and 2 very complex queued in the
    standard pool. Count: 13 open + 4 queued = 17. At 0.5/1/2: 10 × 0.5 + 5 × 1 + 2 × 2 = 14."""
    for complexity, n in (("simple", 10), ("complex", 3)):
        for _ in range(n):
            Case.objects.filter(pk=make_case(caseworker=world.a1, opened=at(D1)).pk).update(complexity=complexity)
    for complexity in ("complex", "complex", "very_complex", "very_complex"):
        Case.objects.filter(pk=make_case(caseworker=world.a1, opened=at(D1)).pk).update(
            status=CaseStatus.QUEUED, caseworker=None, assigned_at=None, queued_at=at(D1), complexity=complexity
        )
    Caseworker.objects.filter(pk=world.a1.pk).update(open_cases=13)  # the maintained counter, as the count reads
    return world


def test_what_weights_would_cost_by_hand(small_world):
    rows = capacity_plan(scope=EVERYTHING, filters=FEBRUARY, caps={"standard": 45}, weights=WEIGHTS)
    [standard] = rows
    assert (standard.workload, standard.workload_load) == (17, 14.0)
    assert (standard.weight_simple, standard.weight_complex, standard.weight_very_complex) == (0.5, 1.0, 2.0)
    # cap 45: ⌈14 ÷ 45⌉ = 1 caseworker; in FTE 14 ÷ 45 = 0.311… → 0.32 (the count: 17 ÷ 45 = 0.377… → 0.38)
    assert (standard.load_caseworkers_needed, standard.load_fte_needed, standard.fte_needed) == (1, 0.32, 0.38)
    # 2.5 FTE today (A1 1, A2 0.5, B1 1): 0.32 − 2.5
    assert standard.load_fte_gap == -2.18


def test_the_policies_current_weights_are_the_default(small_world):
    unweighted = capacity_plan(scope=EVERYTHING, filters=FEBRUARY)[0]
    # no weights in use: the load is the count, at the policy cap of 100 → 0.17 FTE, 1 caseworker
    assert (unweighted.workload_load, unweighted.load_fte_needed, unweighted.fte_needed) == (17.0, 0.17, 0.17)
    assert unweighted.load_caseworkers_needed == 1
    services.policy_update(role="standard", weights=WEIGHTS)
    weighted = capacity_plan(scope=EVERYTHING, filters=FEBRUARY)[0]
    assert (weighted.weight_simple, weighted.workload_load, weighted.load_fte_needed) == (0.5, 14.0, 0.14)
    # one weight asked for, the others the policy's: 10 × 0.5 + 5 × 1 + 2 × 3 = 16
    one = capacity_plan(scope=EVERYTHING, filters=FEBRUARY, weights={"very_complex": Decimal("3")})[0]
    assert (one.weight_simple, one.weight_very_complex, one.workload_load) == (0.5, 3.0, 16.0)


def test_a_leader_weighs_their_teams_cases_and_the_pool_queue(small_world):
    [bravo] = capacity_plan(scope=report_scope(small_world.leader_b), filters=FEBRUARY, weights=WEIGHTS)
    # Bravo holds none of the cases; the pool's queue is 2 complex + 2 very complex = 2 + 4
    assert (bravo.open_cases, bravo.queued, bravo.workload_load, bravo.load_caseworkers_needed) == (0, 4, 6.0, 1)


def test_a_workload_in_load_is_exact_hundredths():
    assert workload_in_load({"simple": 3, "very_complex": 1}, {"simple": Decimal("0.33"), "very_complex": 5}) == 599


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "A weight must be more than 0 and at most 5."),
        ("-1", "A weight must be more than 0 and at most 5."),
        ("5.01", "A weight must be more than 0 and at most 5."),
        ("12", "A weight must be more than 0 and at most 5."),
        ("1.234", "Ensure that there are no more than 2 decimal places."),
        ("lots", "Enter a number."),
        ("NaN", "Enter a number."),
    ],
)
def test_weights_are_validated(value, message):
    form = CapacityForm({"weight_complex": value})
    assert not form.is_valid() and form.errors["weight_complex"] == [message]


def test_the_capacity_page_tries_weights_and_answers_bad_ones_with_400(client, small_world):
    login(client, small_world.admin)
    url = reverse("reports:capacity")
    query = {"cap_standard": "45", "weight_simple": "0.5", "weight_complex": "1", "weight_very_complex": "2"}
    response = client.get(url, query)
    assert response.status_code == 200 and "Vægt af en meget kompleks sag" in response.content.decode()
    rows = rows_of(client.get(url, query | {"export": "capacity"}))
    header, standard = rows[0], rows[1]
    columns = ("open_cases", "queued", "workload_load", "load_fte_needed", "load_caseworkers_needed")
    assert [standard[header.index(c)] for c in columns] == ["13", "4", "14.0", "0.32", "1"]
    bad = client.get(url, {"weight_simple": "0"})
    assert bad.status_code == 400 and "En vægt skal være over 0 og højst 5." in bad.content.decode()
    english = client.get(url, {"weight_simple": "0"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A weight must be more than 0 and at most 5." in english
    assert client.get(url, {"weight_simple": "9", "export": "capacity"}).status_code == 400


def test_the_capacity_api_takes_weights(small_world):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(small_world.admin)
    body = client.get(
        "/api/v1/reports/capacity/", {"cap_standard": 45, "weight_simple": "0.5", "weight_very_complex": 2}
    )
    [standard] = body.json()["results"]
    assert (standard["workload_load"], standard["load_fte_needed"], standard["load_caseworkers_needed"]) == (
        14.0,
        0.32,
        1,
    )
    bad = client.get("/api/v1/reports/capacity/", {"weight_complex": "1.005"})
    assert bad.status_code == 400 and set(bad.json()) == {"weight_complex"}
