"""Every lock allocation takes, in one place.

Why a maintained counter and a conditional UPDATE rather than counting under locks:
an intake then touches one caseworker row, once, and the database itself decides
whether there is room (`open_cases < cap`). PostgreSQL re-evaluates that condition on
the newest row version after waiting for the row lock, so two transactions can never
both take the last slot, at READ COMMITTED, without serialisable retries. Counting open
cases under a lock would need the whole pool locked for every intake. The price is a
counter that must never drift: only these helpers move it, always in the transaction
that moves the case, and `reconcile.caseload_drift` proves it (tests, and the
`reconcile_caseloads` command in production).

Order rule: caseworker rows first, in primary-key order when there are several, then
case rows. Intake and queue drains hold a single caseworker row (the slot they claimed)
before they touch a case row. A claim that finds its row full after waiting still holds
that row's lock (PostgreSQL keeps the lock it took to re-check), which could break the
order; so a failed claim is never followed by another claim in the same transaction:
the attempt is rolled back (`Retry`) and starts again on fresh data. The one-statement
intake (`intake.py`) is the single exception: after waiting for the continuity
caseworker's row it may take a second row, but only with SKIP LOCKED, which never waits,
so it cannot close a cycle of waits.

Caseworker rows are locked FOR NO KEY UPDATE, which does not conflict with the
KEY SHARE lock that foreign-key checks take when a case or an assignment row that
points at the caseworker is inserted. `staff.services` follows the same rules for the
rows it changes (one caseworker, or a policy's caseworkers in primary-key order) without
importing this module, which sits above it. On SQLite, transactions begin IMMEDIATE and
therefore serialise.

Who may take a case is `engine.TAKES_A_CASE`, rendered by `rules.py` into the claims below;
no claim here writes the condition itself.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Iterable, Sequence

from django.db import OperationalError, connection, transaction
from django.db.models import F

from staff.models import Caseworker

from . import rules

_RETRYABLE_PGCODES = {"40P01", "40001"}  # deadlock_detected, serialization_failure


def claim_slot(*, caseworker_id: int, team_ids: Iterable[int] | None = None) -> bool:
    """Raise the caseworker's open-case counter by one if, and only if, there is room."""
    qs = Caseworker.objects.filter(rules.takes_a_case_q(), pk=caseworker_id)
    if team_ids is not None:
        qs = qs.filter(team_id__in=list(team_ids))
    return qs.update(open_cases=F("open_cases") + 1) == 1


def claim_first_free_slot(*, ranked_ids: Sequence[int], team_ids: Iterable[int]) -> int | None:
    """Claim a slot from the first caseworker in `ranked_ids` that has room and whose row no
    concurrent transaction is writing at this moment; the caseworker's id, or None.

    Concurrent intakes would otherwise all queue behind the same best-ranked row. Taking
    the next one instead is what a serial execution would have done too: once the
    transaction holding the best row commits, that row has one case more and the next one
    is the best. Needs SKIP LOCKED (PostgreSQL); elsewhere it claims the first one only.
    """
    ranked_ids = list(ranked_ids)
    if not ranked_ids:
        return None
    if not connection.features.has_select_for_update_skip_locked:
        first = ranked_ids[0]
        return first if claim_slot(caseworker_id=first, team_ids=team_ids) else None
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_FIRST_FREE_SQL, [ranked_ids, list(team_ids)])
        row = cursor.fetchone()
    return row[0] if row else None


_CLAIM_FIRST_FREE_SQL = f"""
        UPDATE staff_caseworker SET open_cases = staff_caseworker.open_cases + 1
        WHERE id = (
            SELECT cw.id FROM staff_caseworker cw
            JOIN unnest(%s::bigint[]) WITH ORDINALITY AS ranked(id, position) ON ranked.id = cw.id
            WHERE {rules.takes_a_case_sql("cw")}
              AND cw.team_id = ANY(%s::bigint[])
            ORDER BY ranked.position
            LIMIT 1
            FOR NO KEY UPDATE OF cw SKIP LOCKED
        )
        RETURNING id
"""  # noqa: S608 - the rule's own constants, no input


def release_slot(*, caseworker_id: int, count: int = 1) -> None:
    Caseworker.objects.filter(pk=caseworker_id).update(open_cases=F("open_cases") - count)


def shift_counters(deltas: dict[int, int]) -> None:
    """Move several open-case counters at once (a rebalance), on rows the caller has locked,
    in primary-key order."""
    for caseworker_id in sorted(deltas):
        if deltas[caseworker_id]:
            Caseworker.objects.filter(pk=caseworker_id).update(open_cases=F("open_cases") + deltas[caseworker_id])


def lock_caseworkers(ids: Iterable[int]) -> dict[int, Caseworker]:
    ordered = sorted(set(ids))
    rows = Caseworker.objects.select_for_update(no_key=True).filter(pk__in=ordered).order_by("pk")
    return {cw.pk: cw for cw in rows}


def _is_retryable(error: OperationalError) -> bool:
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return code in _RETRYABLE_PGCODES or "database is locked" in str(error)


class Retry(Exception):
    """The attempt met rows that changed under it; roll it back and run it again."""


def retrying(fn, /, attempts: int = 200, **kwargs):
    """Run `fn` (an atomic attempt) again for as long as it raises `Retry`.

    Every retry means another transaction made progress (took the last slot, moved the
    case), so this ends; the bound only turns a bug into an error instead of a hang.
    """
    for _ in range(attempts):
        try:
            return fn(**kwargs)
        except Retry:
            continue
    raise RuntimeError(f"{fn.__name__} kept meeting concurrent changes ({attempts} attempts)")


def retry_on_conflict(attempts: int = 5):
    """Run the function as one atomic attempt; retry a transaction aborted to break a deadlock.

    Only the outermost transaction can be retried; inside another one the attempt runs in
    a savepoint, so that an error (or `Retry`) rolls back its writes and its row locks,
    and the deadlock error propagates to whoever owns the transaction.
    """

    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if connection.in_atomic_block:
                with transaction.atomic():
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
