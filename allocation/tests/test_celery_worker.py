"""End to end with a real Celery worker on the real Redis: a cap lowered in one thread, the
prompt check sent through Redis, run by the worker, one alert and one e-mail — however
many more checks run after it."""

import os
import time
import uuid

import pytest
import redis
from celery import Celery, _state
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from allocation import broker, new_cases, services, tasks
from allocation.models import Alert, AlertKind
from allocation.tests.factories import open_case
from staff.tests.factories import CaseworkerFactory, TeamFactory, UserFactory

# The worker runs in another thread with its own database connection: it must see
# committed data (transaction=True), on a database that threads share (PostgreSQL).
pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_app(monkeypatch):
    """A fresh app like the project's, on REDIS_URL, not eager, on a queue of its own so
    that no other worker on the same Redis takes the test's tasks."""
    url = os.environ["REDIS_URL"]
    queue = f"jobcenter-test-{uuid.uuid4().hex}"
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")  # the worker's Django checks are another test's job
    previous_current, previous_default = _state.get_current_app(), _state.default_app
    app = Celery("jobcenter-e2e", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=url,
        result_backend=url,
        task_ignore_result=False,
        task_always_eager=False,
        task_default_queue=queue,
        broker_transport_options=settings.REDIS_BROKER_TRANSPORT_OPTIONS,
        worker_hijack_root_logger=False,
    )
    app.set_current()
    broker.broker_backoff_reset()
    try:
        yield app
    finally:
        previous_current.set_current()
        _state.default_app = previous_default
        app.close()
        client = redis.Redis.from_url(url)
        client.delete(queue, f"_kombu.binding.{queue}")
        client.close()


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_an_over_cap_team_gets_exactly_one_alert_and_one_e_mail(redis_app):
    with start_worker(redis_app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
        # given a team where lowering one cap breaks exactly one limit
        team = TeamFactory(name="Team Redis")
        leader = UserFactory()
        team.leaders.add(leader)
        caseworker = CaseworkerFactory(team=team)
        for _ in range(3):
            open_case(team=team)
        CaseworkerFactory(team=team)

        # when the cap is lowered (the service's hook sends the check after commit)
        services.caseworker_update(caseworker=caseworker, cap_override=1)

        # then the worker raises the alert and tells the leader
        assert wait_for(lambda: len(mail.outbox) == 1), "the worker never sent the alert e-mail"

        # and the periodic check and a duplicate prompt check change nothing
        runs = [
            tasks.check_caseloads.delay(),
            tasks.check_caseloads.delay(team_ids=[team.pk]),
            tasks.check_caseloads.delay(),
        ]
        summaries = [run.get(timeout=30) for run in runs]

    [alert] = Alert.objects.all()
    assert (alert.kind, alert.caseworker_id, alert.resolved_at) == (AlertKind.CASEWORKER_OVER_CAP, caseworker.pk, None)
    assert alert.notified_at is not None
    assert [m.to for m in mail.outbox] == [[leader.email]]
    assert [s["opened"] for s in summaries] == [0, 0, 0]
    assert all(s["open"] == 1 for s in summaries)


def test_a_queue_drain_reaches_its_caseworker_as_one_digest_through_the_worker(redis_app):
    with start_worker(redis_app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
        # given three queued cases and a caseworker without room
        team = TeamFactory()
        caseworker = CaseworkerFactory(team=team, cap_override=0, email="digest@jobcenter.example.dk")
        queued = [open_case(team=team) for _ in range(3)]

        # when room appears: the drain commits three times, then sends the digest once
        services.caseworker_update(caseworker=caseworker, cap_override=3)

        # then the worker sends one mail with the three cases
        assert wait_for(lambda: len(mail.outbox) == 1), "the worker never sent the digest"
        # and the sweep, run after it, finds nothing left to tell
        assert new_cases.notify_new_cases.delay().get(timeout=30) == 0

    [message] = mail.outbox
    assert message.to == ["digest@jobcenter.example.dk"]
    danish = message.body.split("— — —")[0]
    assert all(f"Sag {case.pk}, " in danish for case in queued)
