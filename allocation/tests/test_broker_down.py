"""The broker is down: a request never hangs on it, and the alert still arrives.

Nothing here mocks the broker: the app is pointed at a port where nothing listens, or at
a socket that accepts connections and never answers (the nastier failure: without socket
timeouts a publish would wait forever).
"""

import contextlib
import logging
import socket
import time

import pytest
from celery import Celery, _state
from django.conf import settings
from django.core import mail

from allocation import alerts, broker, prompt_check, services, tasks
from allocation.models import Alert
from allocation.tests.factories import open_case
from staff.tests.factories import CaseworkerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def celery_app_with_broker(url):
    """A fresh app configured like the project's but publishing to `url`, not eagerly."""
    previous_current, previous_default = _state.get_current_app(), _state.default_app
    app = Celery("jobcenter-broker-down", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=url,
        task_always_eager=False,
        broker_transport_options=settings.REDIS_BROKER_TRANSPORT_OPTIONS,
    )
    app.set_current()
    broker.broker_backoff_reset()
    try:
        yield app
    finally:
        broker.broker_backoff_reset()
        previous_current.set_current()
        _state.default_app = previous_default
        app.close()


@pytest.fixture
def silent_broker():
    """A TCP port that accepts connections (the kernel's backlog) but never replies."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


def timed(fn, **kwargs):
    start = time.monotonic()
    value = fn(**kwargs)
    return value, time.monotonic() - start


def test_enqueue_gives_up_at_once_when_nothing_listens(caplog):
    with celery_app_with_broker("redis://127.0.0.1:1/0"), caplog.at_level(logging.WARNING, "allocation.tasks"):
        sent, elapsed = timed(prompt_check.enqueue, team_ids=[1])
    assert sent is False
    assert elapsed < 2.0
    assert "Could not enqueue the caseload check" in caplog.text


def test_enqueue_gives_up_within_about_a_second_when_the_broker_never_answers(silent_broker):
    with celery_app_with_broker(silent_broker):
        sent, elapsed = timed(prompt_check.enqueue, team_ids=[1])
        # and the next request does not even try for a while
        again, elapsed_again = timed(prompt_check.enqueue, team_ids=[1])
    assert sent is False and again is False
    assert 0.5 < elapsed < 2.5
    assert elapsed_again < 0.1


@pytest.mark.django_db(transaction=True)
def test_a_change_during_an_outage_returns_quickly_and_the_periodic_check_raises_the_alert(silent_broker):
    # given an over-cap change is about to happen while the broker hangs
    team = TeamFactory()
    leader = UserFactory()
    team.leaders.add(leader)
    caseworker = CaseworkerFactory(team=team)
    open_case(team=team)
    open_case(team=team)
    CaseworkerFactory(team=team)

    with celery_app_with_broker(silent_broker):
        # when the change commits (autocommit, as in a request: the hook runs on commit)
        _, elapsed = timed(services.caseworker_update, caseworker=caseworker, cap_override=0)

        # then the request was not held up, and no alert exists yet
        assert elapsed < 2.5
        assert not Alert.objects.exists()
        assert mail.outbox == []

        # when the periodic check runs (beat → worker; here run in place)
        tasks.check_caseloads.apply()

    # then the alert is there, and the leader has been told once
    [alert] = Alert.objects.all()
    assert alert.caseworker_id == caseworker.pk
    assert [m.to for m in mail.outbox] == [[leader.email]]


def test_without_a_broker_the_periodic_check_alone_finds_every_breach():
    # a trigger that never arrived: the state alone says what is wrong
    team = TeamFactory()
    caseworker = CaseworkerFactory(team=team)
    open_case(team=team)
    services.caseworker_update(caseworker=caseworker, cap_override=0)  # hook not run: no commit in this test
    assert not Alert.objects.exists()

    alerts.caseloads_run()

    assert Alert.objects.filter(resolved_at__isnull=True).count() == 2
