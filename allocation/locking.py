"""Every lock allocation takes, in one place.

Order rule: caseworker rows first, in primary-key order, then case rows. Intake and
queue drains lock a single caseworker row through one conditional UPDATE
(`open_cases < cap`), which is what makes the cap hold under any concurrency: PostgreSQL
re-evaluates the condition on the newest row version after waiting for the row lock, so
two transactions can never both take the last slot. On SQLite, transactions begin
IMMEDIATE and therefore serialise.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Iterable

from django.db import OperationalError, connection, transaction
from django.db.models import F

from staff.models import Caseworker, CaseworkerStatus

_RETRYABLE_PGCODES = {"40P01", "40001"}  # deadlock_detected, serialization_failure


def claim_slot(*, caseworker_id: int, team_ids: Iterable[int] | None = None) -> bool:
    """Raise the caseworker's open-case counter by one if, and only if, there is room."""
    qs = Caseworker.objects.filter(
        pk=caseworker_id,
        status=CaseworkerStatus.ACTIVE,
        accepting_new_cases=True,
        open_cases__lt=F("cap"),
    )
    if team_ids is not None:
        qs = qs.filter(team_id__in=list(team_ids))
    return qs.update(open_cases=F("open_cases") + 1) == 1


def claim_slot_unconditionally_below_cap(*, caseworker_id: int) -> bool:
    """Raise the counter if below cap, whatever the status (reassignment checks status itself)."""
    return (
        Caseworker.objects.filter(pk=caseworker_id, open_cases__lt=F("cap")).update(open_cases=F("open_cases") + 1) == 1
    )


def release_slot(*, caseworker_id: int, count: int = 1) -> None:
    Caseworker.objects.filter(pk=caseworker_id).update(open_cases=F("open_cases") - count)


def lock_caseworkers(ids: Iterable[int]) -> dict[int, Caseworker]:
    ordered = sorted(set(ids))
    rows = Caseworker.objects.select_for_update().filter(pk__in=ordered).order_by("pk")
    return {cw.pk: cw for cw in rows}


def _is_retryable(error: OperationalError) -> bool:
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return code in _RETRYABLE_PGCODES or "database is locked" in str(error)


def retry_on_conflict(attempts: int = 5):
    """Retry a whole transaction that the database aborted to break a deadlock.

    Only the outermost transaction can be retried; inside another one the error
    propagates to whoever owns the transaction.
    """

    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if connection.in_atomic_block:
                return fn(*args, **kwargs)
            for attempt in range(attempts):
                try:
                    with transaction.atomic():
                        return fn(*args, **kwargs)
                except OperationalError as error:
                    if attempt == attempts - 1 or not _is_retryable(error):
                        raise
                    time.sleep(random.uniform(0, 0.01 * 2**attempt))
            raise AssertionError("unreachable")

        return wrapper

    return decorator
