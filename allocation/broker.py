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

from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

BROKER_BACKOFF_SECONDS = 30
_broker_down_until = 0.0
_broker_lock = threading.Lock()


def publish(task, *, kwargs: dict, what: str) -> bool:
    """Send `task` with `kwargs`; False when the broker is (or was just) unreachable.
    `what` names the task in the log."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        logger.info("Broker recently unreachable; leaving %s to the periodic run", what)
        return False
    try:
        task.apply_async(kwargs=kwargs)
    except (KombuError, OSError) as error:
        with _broker_lock:
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        logger.warning("Could not enqueue %s (%s); the periodic run will catch up", what, error)
        return False
    return True


def broker_backoff_reset() -> None:
    global _broker_down_until
    _broker_down_until = 0.0
