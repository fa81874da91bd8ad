"""/metrics: refused without a token or an allowed address; the domain's gauges right for a
small world; no name and no CPR number in them; the intake counted where it happens."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from allocation.models import Alert, AlertKind
from allocation.tests.factories import open_case
from cases.models import Case, CaseStatus
from staff.tests.factories import AdminFactory, CaseworkerFactory, JobcenterFactory, TeamFactory

pytestmark = pytest.mark.django_db

TOKEN = "a-long-random-metrics-token-for-tests"


@pytest.fixture
def metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = ["10.1.2.0/24"]
    return settings


def _scrape(**headers) -> str:
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}", **headers})
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


# --- Who may scrape ----------------------------------------------------------------------


def test_without_a_token_or_an_allowed_address_metrics_are_a_404(metrics_settings):
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert Client().get("/metrics", headers={"Authorization": TOKEN}).status_code == 404  # no "Bearer"
    assert Client().get("/metrics", headers={"Authorization": f"Token {TOKEN}"}).status_code == 404


def test_an_administrators_session_is_not_enough(metrics_settings):
    client = Client()
    client.force_login(AdminFactory())
    assert client.get("/metrics").status_code == 404


def test_the_token_opens_them(metrics_settings):
    assert "jobcenter_intakes_total" in _scrape()


def test_an_allowed_address_opens_them_without_a_token(metrics_settings):
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.1.3.3").get("/metrics").status_code == 404


def test_an_address_forwarded_by_the_client_itself_is_not_trusted(metrics_settings):
    # no trusted proxy: X-Forwarded-For is the client's own claim
    client = Client(REMOTE_ADDR="192.0.2.7")
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"}).status_code == 404


def test_an_empty_token_setting_opens_nothing(settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    assert Client().get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_an_allowed_entry_that_does_not_parse_matches_nothing_and_breaks_nothing(settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", ["not-an-address", "127.0.0.1"]
    assert Client().get("/metrics").status_code == 200


# --- What they say -----------------------------------------------------------------------


@pytest.fixture
def small_world():
    """Jobcentre 851: team A, two caseworkers of cap 2, five cases (four open, one queued,
    two of the open ones far past their first contact); jobcentre 461: team B, empty."""
    jobcenter = JobcenterFactory(municipality_code="851")
    team_a = TeamFactory(jobcenter=jobcenter)
    first = CaseworkerFactory(team=team_a, cap_override=2, full_name="Karen Sagsbehandler")
    CaseworkerFactory(team=team_a, cap_override=2, full_name="Mads Sagsbehandler")
    team_b = TeamFactory(jobcenter=JobcenterFactory(municipality_code="461"))
    CaseworkerFactory(team=team_b, cap_override=3, full_name="Ole Sagsbehandler")
    cases = [open_case(team=team_a) for _ in range(5)]
    now = timezone.now()
    overdue = Case.objects.filter(caseworker=first).values_list("pk", flat=True)
    Case.objects.filter(pk__in=list(overdue)).update(opened_at=now - datetime.timedelta(days=400))
    Case.objects.filter(status=CaseStatus.QUEUED).update(queued_at=now - datetime.timedelta(hours=3))
    Alert.objects.create(kind=AlertKind.QUEUE_WAITING, team=team_a, message="Waiting")
    Alert.objects.create(kind=AlertKind.QUEUE_WAITING, team=team_b, message="Waiting")
    Alert.objects.create(kind=AlertKind.TEAM_OVER_CAPACITY, team=team_a, message="Old", resolved_at=now)
    return {"jobcenter": jobcenter, "a": team_a, "b": team_b, "cases": cases}


def test_the_domain_gauges_of_a_small_world(metrics_settings, small_world):
    samples = _samples(_scrape())
    a = (("municipality", "851"), ("team", str(small_world["a"].pk)))
    b = (("municipality", "461"), ("team", str(small_world["b"].pk)))
    assert samples[("jobcenter_team_open_cases", a)] == 4
    assert samples[("jobcenter_team_capacity", a)] == 4
    assert samples[("jobcenter_team_load", a)] == 4
    assert samples[("jobcenter_team_load_ratio", a)] == 1.0
    assert samples[("jobcenter_team_contacts_overdue", a)] == 2
    assert samples[("jobcenter_team_open_cases", b)] == 0
    assert samples[("jobcenter_team_capacity", b)] == 3
    assert samples[("jobcenter_team_load_ratio", b)] == 0
    assert samples[("jobcenter_team_contacts_overdue", b)] == 0
    pool = (
        ("jobcenter", str(small_world["jobcenter"].pk)),
        ("municipality", "851"),
        ("unit_type", small_world["a"].unit_type),
    )
    assert samples[("jobcenter_queue_length", pool)] == 1
    assert 3 * 3600 <= samples[("jobcenter_queue_oldest_wait_seconds", pool)] < 3 * 3600 + 120
    assert samples[("jobcenter_alerts_open", (("kind", "queue_waiting"),))] == 2
    assert samples[("jobcenter_alerts_open", (("kind", "team_over_capacity"),))] == 0  # resolved


def test_no_name_and_no_cpr_number_in_the_metrics(metrics_settings, small_world):
    text = _scrape()
    people = [case.citizen for case in small_world["cases"]]
    for citizen in people:
        assert citizen.name not in text
        assert citizen.cpr not in text and citizen.cpr.replace("-", "") not in text
    for name in ("Karen", "Mads", "Ole", "Sagsbehandler", small_world["a"].name, small_world["jobcenter"].name):
        assert name not in text


def test_an_intake_is_counted_and_timed_where_it_happens(metrics_settings):
    def value(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0

    before = (
        value("jobcenter_intakes_total", result="open"),
        value("jobcenter_intakes_total", result="queued"),
        value("jobcenter_intake_duration_seconds_count"),
    )
    team = TeamFactory()
    CaseworkerFactory(team=team, cap_override=1)
    open_case(team=team)
    open_case(team=team)

    after = (
        value("jobcenter_intakes_total", result="open"),
        value("jobcenter_intakes_total", result="queued"),
        value("jobcenter_intake_duration_seconds_count"),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 2]
    assert 'jobcenter_intakes_total{result="queued"}' in _scrape()


def test_request_rates_and_latencies_by_view(metrics_settings):
    Client().get("/healthz")
    text = _scrape()
    assert 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="healthz"}' in text


def test_a_scrape_costs_a_fixed_number_of_queries(metrics_settings, small_world, django_assert_max_num_queries):
    TeamFactory.create_batch(5)
    with django_assert_max_num_queries(5):
        _scrape()


# --- Several gunicorn workers: one sum, the domain gauges once --------------------------------


def test_several_gunicorn_workers_add_up_and_the_domain_gauges_appear_once(tmp_path):
    import os
    import subprocess
    import sys
    import urllib.request

    from .test_outage import ROOT, _free_port, _get

    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jobcenter.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "GUNICORN_WORKERS": "3",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "METRICS_TOKEN": TOKEN,
    }
    env.pop("REDIS_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True, timeout=300
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "jobcenter.wsgi"],
        # gunicorn.conf.py creates the folder in the master before the workers start
        env={**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus")},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                import time

                time.sleep(0.1)
        for _ in range(29):  # 30 in all, spread over the workers by the kernel
            assert _get(f"{base}/healthz")[0] == 200
        request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - localhost
            text = response.read().decode()
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    samples = _samples(text)
    key = ("django_http_requests_latency_seconds_by_view_method_count", (("method", "GET"), ("view", "healthz")))
    assert samples[key] == 30, output
    assert text.count("# TYPE jobcenter_alerts_open gauge") == 1
    assert samples[("jobcenter_alerts_open", (("kind", "queue_waiting"),))] == 0
    assert "Traceback" not in output, output
