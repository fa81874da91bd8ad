"""Celery tasks: thin wrappers, ids in, one service call each, safe to run twice.

Scheduling (CELERY_BEAT_SCHEDULE in settings): `allocation.check_caseloads` every
CASELOAD_CHECK_INTERVAL_SECONDS, `allocation.snapshot_caseloads` nightly,
`allocation.remind_open_alerts` each morning.

Only ONE beat may run (`celery worker --beat` in one place, or the `beat` service):
two schedulers would send every periodic task twice. That would be harmless — alerts are
deduplicated by the database's unique constraint, e-mails by the claim on `notified_at`,
snapshots are replaced per date — but it is wasted work.

Retries: database errors (a deadlock, a dropped connection) retry with exponential
backoff capped at five minutes, far below the Redis visibility timeout (an hour), so a
retried task is never also redelivered as unacknowledged.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time

from celery import shared_task
from django.db import DatabaseError, transaction
from kombu.exceptions import KombuError

from . import alerts, notifications, snapshots

logger = logging.getLogger(__name__)

RELIABLE = {
    "acks_late": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "soft_time_limit": 240,
    "time_limit": 300,
}


@shared_task(name="allocation.check_caseloads", **RELIABLE)
def check_caseloads(team_ids: list[int] | None = None, pools: list[list] | None = None) -> dict:
    """Without arguments the periodic check of every team (after the queue sweep); with
    team ids and/or pools ([jobcenter id, programme]) the prompt check of those teams."""
    return alerts.caseloads_run(team_ids=team_ids, pools=pools).as_dict()


@shared_task(name="allocation.snapshot_caseloads", **RELIABLE)
def snapshot_caseloads(date: str | None = None) -> dict:
    """Record today's (or the ISO `date`'s) caseloads; a re-run replaces that day's rows."""
    day = datetime.date.fromisoformat(date) if date else None
    return snapshots.caseloads_snapshot(day=day).as_dict()


@shared_task(name="allocation.remind_open_alerts", **RELIABLE)
def remind_open_alerts() -> int:
    return notifications.alerts_remind()


# --- Enqueueing from a web request -------------------------------------------------------

# After a failed publish, web processes stop trying for a while: a dead broker should cost
# one request about a second, not every request. The periodic check covers the gap.
BROKER_BACKOFF_SECONDS = 30
_broker_down_until = 0.0
_broker_lock = threading.Lock()


def check_caseloads_after_commit(*, team_ids=(), pool=None) -> None:
    """The hook `allocation.services` calls after a change that may have broken a limit:
    the prompt check of those teams, sent once the change has committed."""
    kwargs = {"team_ids": sorted(set(team_ids))}
    if pool is not None:
        kwargs["pools"] = [[pool.jobcenter_id, pool.programme]]
    transaction.on_commit(lambda: enqueue_check(**kwargs))


def enqueue_check(**kwargs) -> bool:
    """Send the check to the broker; never raise and never hang a request on a dead broker.

    A lost message loses nothing: alerts follow from the state of the caseloads, and the
    periodic check (every CASELOAD_CHECK_INTERVAL_SECONDS) raises the alert anyway. The
    broker settings (connect and socket timeouts of 1 s, no publish retries) bound the wait.
    """
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        logger.info("Broker recently unreachable; leaving the caseload check to the periodic run")
        return False
    try:
        check_caseloads.apply_async(kwargs=kwargs)
    except (KombuError, OSError) as error:
        with _broker_lock:
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        logger.warning("Could not enqueue the caseload check (%s); the periodic check will catch up", error)
        return False
    return True


def broker_backoff_reset() -> None:
    global _broker_down_until
    _broker_down_until = 0.0
