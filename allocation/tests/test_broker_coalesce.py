"""Coalesced publishing (allocation.broker.publish): one message covers the changes of its wait."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from allocation import broker


class Task:
    """A task as publish sees it: a name, an app's eager setting, apply_async."""

    def __init__(self, *, eager: bool = False):
        self.name = "allocation.check_teams"
        self.app = SimpleNamespace(conf=SimpleNamespace(task_always_eager=eager))
        self.sent: list[tuple[dict, float | None]] = []

    def apply_async(self, *, kwargs, countdown=None):
        self.sent.append((kwargs, countdown))


@pytest.fixture
def clock(monkeypatch, settings):
    settings.TASK_COALESCE_SECONDS = 2.0
    broker.broker_backoff_reset()
    now = [1000.0]
    monkeypatch.setattr(broker.time, "monotonic", lambda: now[0])
    yield now
    broker.broker_backoff_reset()


def test_one_message_covers_the_same_check_for_the_first_half_of_its_wait(clock):
    task = Task()
    assert broker.publish(task, kwargs={"team_ids": [1]}, what="the check") is True
    clock[0] += 0.9
    assert broker.publish(task, kwargs={"team_ids": [1]}, what="the check") is True  # covered
    assert task.sent == [({"team_ids": [1]}, 2.0)]  # sent once, to run in two seconds
    broker.publish(task, kwargs={"team_ids": [2]}, what="the check")  # other teams: its own message
    clock[0] += 0.2  # 1.1 s after the first: the worker's clock may be ahead, so send again
    broker.publish(task, kwargs={"team_ids": [1]}, what="the check")
    assert task.sent == [({"team_ids": [1]}, 2.0), ({"team_ids": [2]}, 2.0), ({"team_ids": [1]}, 2.0)]


def test_no_coalescing_when_switched_off_or_eager(clock, settings):
    settings.TASK_COALESCE_SECONDS = 0
    task = Task()
    for _ in range(3):
        broker.publish(task, kwargs={"team_ids": [1]}, what="the check")
    assert task.sent == [({"team_ids": [1]}, None)] * 3
    settings.TASK_COALESCE_SECONDS = 2.0
    eager = Task(eager=True)  # the tests' eager mode runs each at once, as before
    for _ in range(2):
        broker.publish(eager, kwargs={}, what="the digest")
    assert eager.sent == [({}, None)] * 2


def test_a_refused_message_covers_nothing(clock):
    class Refusing(Task):
        def apply_async(self, *, kwargs, countdown=None):
            raise OSError("connection refused")

    assert broker.publish(Refusing(), kwargs={}, what="the digest") is False
    broker.broker_backoff_reset()
    task = Task()
    assert broker.publish(task, kwargs={}, what="the digest") is True
    assert task.sent == [({}, 2.0)]
