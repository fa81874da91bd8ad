"""Sending a task from a web request: never raise, never hang on a dead broker.

The prompt caseload check and the new-cases digest are both sent after a change commits,
and both have a periodic run behind them that catches up on whatever a lost message
missed. So a publish that fails is logged and forgotten, and web processes stop trying
for a while: a dead broker should cost one request about a second, not every request. The
broker settings (connect and socket timeouts of 1 s, no publish retries) bound the wait.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

BROKER_BACKOFF_SECONDS = 30
_broker_down_until = 0.0
_broker_lock = threading.Lock()
# (task, arguments) -> until when the message already sent covers a new change (monotonic)
_covered_until: dict[tuple[str, str], float] = {}
_COVERED_LIMIT = 1000


def publish(task, *, kwargs: dict, what: str) -> bool:
    """Send `task` with `kwargs`; False when the broker is (or was just) unreachable.
    `what` names the task in the log.

    Coalesced (TASK_COALESCE_SECONDS, C): the message is sent to run C seconds from now,
    and while the first half of that wait lasts this process sends no second one with the
    same arguments: the tasks read the state of the caseloads when they run, so the message
    on its way covers every change that committed before it runs, and a change is always
    committed before it is published (on commit). Half, not all: the worker's clock may run
    ahead of this one. Under load that is one message per C/2 seconds per process instead of
    one per intake; a leader hears of a breach, and a caseworker of a case, C seconds later.
    """
    global _broker_down_until
    now = time.monotonic()
    if now < _broker_down_until:
        logger.info("Broker recently unreachable; leaving %s to the periodic run", what)
        return False
    coalesce = 0 if task.app.conf.task_always_eager else settings.TASK_COALESCE_SECONDS
    key = (task.name, repr(sorted(kwargs.items())))
    if coalesce and _covered_until.get(key, 0.0) > now:
        return True
    try:
        task.apply_async(kwargs=kwargs, countdown=coalesce or None)
    except (KombuError, OSError) as error:
        with _broker_lock:
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        logger.warning("Could not enqueue %s (%s); the periodic run will catch up", what, error)
        return False
    if coalesce:
        with _broker_lock:
            _covered_until[key] = now + coalesce / 2
            if len(_covered_until) > _COVERED_LIMIT:  # arguments are a handful of pools per process
                for stale in [k for k, until in _covered_until.items() if until <= now]:
                    del _covered_until[stale]
    return True


def broker_backoff_reset() -> None:
    global _broker_down_until
    _broker_down_until = 0.0
    _covered_until.clear()
