"""Structured logs: JSON lines with the request id, one access line per request, CPR masked
in the message and in extra fields, and the request id carried into Celery tasks."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import time

import pytest
from celery import Celery, _state
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import Client

from core import request_id
from jobcenter.settings.base import logging_config
from staff.tests.factories import CaseworkerFactory

pytestmark = pytest.mark.django_db

CPR = "010190-1234"


@pytest.fixture
def json_lines():
    """Django's LOGGING with LOG_FORMAT=json, the root's handler writing to a buffer."""
    logging.config.dictConfig(logging_config("json"))
    buffer = io.StringIO()
    (handler,) = logging.getLogger().handlers
    handler.setStream(buffer)

    def lines() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]

    yield lines
    logging.config.dictConfig(settings.LOGGING)


def test_production_logs_json_and_local_text():
    assert logging_config("json")["handlers"]["console"]["formatter"] == "json"
    assert logging_config("text")["handlers"]["console"]["formatter"] == "plain"
    for log_format in ("json", "text"):
        assert logging_config(log_format)["handlers"]["console"]["filters"] == ["request_id", "mask_cpr"]


def test_a_cpr_number_is_masked_in_the_json_message_and_in_extra_fields(json_lines):
    logging.getLogger("jobcenter.tests").warning("citizen %s", CPR, extra={"citizen": CPR, "note": f"cpr {CPR}"})

    (line,) = json_lines()
    assert line["message"] == "citizen 010190-XXXX"
    assert line["citizen"] == "010190-XXXX" and line["note"] == "cpr 010190-XXXX"
    assert "1234" not in json.dumps(line)
    assert {"time", "level", "logger", "request_id"} <= set(line)


def test_the_access_line_has_the_fields_and_the_request_id_is_echoed(json_lines):
    caseworker = CaseworkerFactory()
    client = Client()
    client.force_login(caseworker.user)
    incoming = "abc-123_DEF.456"

    response = client.get(f"/caseload/?x={CPR}&y=1", headers={"X-Request-ID": incoming})

    assert response["X-Request-ID"] == incoming
    (access,) = [line for line in json_lines() if line["logger"] == "jobcenter.access"]
    assert access["request_id"] == incoming
    assert access["method"] == "GET" and access["path"] == "/caseload/" and access["status"] == response.status_code
    assert access["view"] == "web:caseload" and response.status_code == 200
    assert access["user_id"] == caseworker.user.pk
    assert isinstance(access["duration_ms"], float)
    text = json.dumps([line for line in json_lines() if line["request_id"] == incoming])
    assert CPR not in text and "1234" not in text and caseworker.user.username not in text


@pytest.mark.parametrize(
    "header", ["", "short", "x" * 65, "has space in it", "semi;colon;value", "ænd-ø-å-123", "id-0101901234"]
)
def test_an_insane_incoming_request_id_is_replaced(header, json_lines):
    response = Client().get("/healthz", headers={"X-Request-ID": header} if header else {})

    echoed = response["X-Request-ID"]
    assert echoed != header and len(echoed) == 22
    assert [line["request_id"] for line in json_lines() if line["logger"] == "jobcenter.access"] == [echoed]


def test_every_line_of_a_request_carries_its_id_and_none_leaks_after(json_lines):
    Client().get("/readyz", headers={"X-Request-ID": "probe-0001"})
    logging.getLogger("jobcenter.tests").info("after the request")

    lines = json_lines()
    assert {line["request_id"] for line in lines[:-1]} == {"probe-0001"}
    assert lines[-1]["request_id"] == ""


# --- Celery: the id travels in the task's headers -----------------------------------------


def test_publishing_during_a_request_puts_the_id_in_the_task_headers():
    token = request_id._current.set("req-00000001")
    try:
        headers = {"id": "t"}
        request_id.add_to_task_headers(headers=headers)
    finally:
        request_id._current.reset(token)
    assert headers["request_id"] == "req-00000001"
    outside = {"id": "t"}
    request_id.add_to_task_headers(headers=outside)
    assert "request_id" not in outside


def test_the_worker_runs_the_task_with_the_id_from_its_headers_and_forgets_it_after():
    class Task:
        request = type("Request", (), {"request_id": "req-00000002"})()

    task = Task()
    request_id.set_from_task(task=task)
    assert request_id.current() == "req-00000002"
    request_id.reset_after_task(task=task)
    assert request_id.current() == ""


@pytest.fixture
def memory_app(monkeypatch):
    """A fresh app like the project's on kombu's in-memory broker, not eager: a real
    publish and a real worker (in a thread), with the project's signal handlers."""
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")
    previous_current, previous_default = _state.get_current_app(), _state.default_app
    app = Celery("jobcenter-request-id", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url="memory://",
        broker_transport_options={},
        task_always_eager=False,
        worker_hijack_root_logger=False,
    )
    app.set_current()
    try:
        yield app
    finally:
        previous_current.set_current()
        _state.default_app = previous_default
        app.close()


def test_a_task_sent_through_a_broker_logs_the_request_id_of_its_request(memory_app, settings, capsys):
    # The worker sets Django up again (celery's Django fix-up), which applies LOGGING anew:
    # the JSON configuration, to standard error, is what it must apply.
    original = settings.LOGGING
    settings.LOGGING = logging_config("json")
    logging.config.dictConfig(settings.LOGGING)
    seen: list[str] = []

    @memory_app.task(name="jobcenter.tests.note_request_id")
    def note_request_id() -> None:
        seen.append(request_id.current())
        logging.getLogger("jobcenter.tests").warning("inside the task")

    with start_worker(memory_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        response = Client().get("/healthz", headers={"X-Request-ID": "req-worker-abc"})
        token = request_id._current.set(response["X-Request-ID"])  # as a view would send it
        try:
            note_request_id.delay()
        finally:
            request_id._current.reset(token)
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    with capsys.disabled():  # the handlers write to the real standard error again
        logging.config.dictConfig(original)
    assert seen == ["req-worker-abc"]
    (inside,) = [line for line in lines if line["message"] == "inside the task"]
    assert inside["request_id"] == "req-worker-abc"
