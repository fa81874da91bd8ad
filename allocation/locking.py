"""Every lock allocation takes, in one place.

Why a maintained counter and a conditional UPDATE rather than counting under locks:
an intake then touches one caseworker row, once, and the database itself decides
whether there is room (`load + weight <= cap`, in hundredths). PostgreSQL re-evaluates that condition on
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

from cases.models import Case, CaseStatus
from staff.models import Caseworker, Complexity

from . import rules

_RETRYABLE_PGCODES = {"40P01", "40001"}  # deadlock_detected, serialization_failure


def claim_slot(
    *, caseworker_id: int, team_ids: Iterable[int] | None = None, complexity: str = Complexity.COMPLEX
) -> int | None:
    """Add a case of `complexity` to the caseworker's count and load if, and only if, there is
    room for its weight; the weight taken (hundredths), or None when there was no room."""
    weight = rules.column("weight", complexity)
    team_filter, params = "", [caseworker_id]
    if team_ids is not None:
        team_ids = list(team_ids)
        if not team_ids:
            return None
        team_filter = f"AND team_id IN ({', '.join(['%s'] * len(team_ids))})"
        params += team_ids
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {_TABLE} SET open_cases = open_cases + 1, load_hundredths = load_hundredths + {weight}
            WHERE id = %s AND {rules.takes_a_case_sql(_TABLE, complexity=complexity)} {team_filter}
            RETURNING {weight}
            """,  # noqa: S608 - the rule's own constants and column names, no input
            params,
        )
        row = cursor.fetchone()
    return row[0] if row else None


_TABLE = Caseworker._meta.db_table


def claim_first_free_slot(
    *, ranked_ids: Sequence[int], team_ids: Iterable[int], complexity: str = Complexity.COMPLEX
) -> tuple[int, int] | None:
    """Claim room for a case of `complexity` from the first caseworker in `ranked_ids` who
    has it and whose row no concurrent transaction is writing at this moment; the
    caseworker's id and the weight taken, or None.

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
        weight = claim_slot(caseworker_id=first, team_ids=team_ids, complexity=complexity)
        return (first, weight) if weight is not None else None
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_FIRST_FREE_SQL, {"ranked": ranked_ids, "teams": list(team_ids), "complexity": complexity})
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


_CLAIM_FIRST_FREE_SQL = f"""
        UPDATE {_TABLE} SET open_cases = {_TABLE}.open_cases + 1,
            load_hundredths = {_TABLE}.load_hundredths + {rules.weight_sql(_TABLE, "%(complexity)s")}
        WHERE id = (
            SELECT cw.id FROM {_TABLE} cw
            JOIN unnest(%(ranked)s::bigint[]) WITH ORDINALITY AS ranked(id, position) ON ranked.id = cw.id
            WHERE {rules.takes_a_case_sql("cw", complexity_param="%(complexity)s")}
              AND cw.team_id = ANY(%(teams)s::bigint[])
            ORDER BY ranked.position
            LIMIT 1
            FOR NO KEY UPDATE OF cw SKIP LOCKED
        )
        RETURNING id, {rules.weight_sql(_TABLE, "%(complexity)s")}
"""  # noqa: S608 - the rule's own constants, no input


def release_slot(*, caseworker_id: int, weight: int, count: int = 1) -> None:
    """Take `count` cases weighing `weight` hundredths in all off the caseworker's count and load."""
    Caseworker.objects.filter(pk=caseworker_id).update(
        open_cases=F("open_cases") - count, load_hundredths=F("load_hundredths") - weight
    )


def shift_counters(deltas: dict[int, tuple[int, int]]) -> None:
    """Move several counts and loads at once (a rebalance): `{caseworker: (count, load)}`, on
    rows the caller has locked, in primary-key order."""
    for caseworker_id in sorted(deltas):
        count, load = deltas[caseworker_id]
        if count or load:
            Caseworker.objects.filter(pk=caseworker_id).update(
                open_cases=F("open_cases") + count, load_hundredths=F("load_hundredths") + load
            )


def reweigh(*, caseworker_ids: Iterable[int]) -> None:
    """Weigh the open cases of these caseworkers again, by their complexity and the weights on
    the caseworker's row, and set each load to the sum: after a complexity, a policy's
    weights or a caseworker's role changed. The caller holds the caseworker rows."""
    ids = sorted(set(caseworker_ids))
    if not ids:
        return
    case_table = Case._meta.db_table
    placeholders = ", ".join(["%s"] * len(ids))
    weight = rules.weight_sql("cw", f"{case_table}.complexity")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {case_table} SET weight_hundredths = (
                SELECT {weight} FROM {_TABLE} cw WHERE cw.id = {case_table}.caseworker_id
            )
            WHERE status = %s AND caseworker_id IN ({placeholders})
            """,  # noqa: S608 - names from metadata
            [CaseStatus.OPEN, *ids],
        )
        cursor.execute(
            f"""
            UPDATE {_TABLE} SET load_hundredths = COALESCE((
                SELECT SUM(c.weight_hundredths) FROM {case_table} c
                WHERE c.caseworker_id = {_TABLE}.id AND c.status = %s
            ), 0)
            WHERE id IN ({placeholders})
            """,  # noqa: S608 - names from metadata
            [CaseStatus.OPEN, *ids],
        )


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
