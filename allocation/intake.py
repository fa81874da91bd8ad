"""Intake in one statement: PostgreSQL's fast path for `services.case_create`.

When no trial is running for the programme, one data-modifying statement is the whole
intake transaction, in the engine's order:

1. continuity: the citizen's most recent earlier caseworker, if eligible with room, is
   claimed, waiting for their row if another transaction is writing it;
2. otherwise the best-ranked eligible caseworker with room whose row nobody is writing
   (SKIP LOCKED; the next best is what a serial run would pick once that write is done);
3. the counter is raised and the case and its first assignment are inserted; or, when
   nobody in the pool has room, the case is inserted as queued.

One round trip instead of seven (BEGIN, the trial check, the candidates, the claim, the
two inserts, COMMIT), no transaction block of its own (a single statement is atomic), and
the statement is prepared once per connection.

None is returned, and `services` takes the general path, which consults `engine` and may
wait for rows, when a trial is running (the draw decides the pool) or when every row with
room is being written by another transaction at this moment.

Who may take a case, the ranking and the most recent caseworker are the engine's rules,
rendered by `rules.py` (the float ratio orders exactly like the engine's fractions for any
cap below 10**7). Hypothesis runs both on the same random pools (`tests/test_intake.py`). The locks are `locking.py`'s:
the only row this statement waits for is the continuity caseworker's, before it holds any
other; the runner-up is taken without waiting.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager, nullcontext
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.postgresql.base import ServerBindingCursor

from cases.models import Case, CaseStatus, Citizen
from staff.models import HUNDREDTHS, Caseworker, Complexity, Team
from trials.models import Trial

from . import rules
from .models import AssignmentReason, CaseAssignment

# Every column each insert writes; a test fails when a model gains a field missing here.
CASE_COLUMNS = (
    "citizen_id",
    "jobcenter_id",
    "programme",
    "target_group",
    "status",
    "caseworker_id",
    "opened_at",
    "queued_at",
    "assigned_at",
    "closed_at",
    "outcome",
    "closed_by_id",
    "created_at",
    "updated_at",
    "complexity",
    "weight_hundredths",
    "anonymised_at",
)
ASSIGNMENT_COLUMNS = (
    "case_id",
    "caseworker_id",
    "assigned_at",
    "ended_at",
    "reason",
    "note",
    "by_id",
    "created_at",
    "updated_at",
    "notified_at",
)


def fast_intake(
    *,
    citizen: Citizen,
    programme: str,
    target_group: str,
    by,
    now: datetime.datetime,
    day: datetime.date,
    complexity: str = Complexity.COMPLEX,
) -> Case | None:
    """The new case, open with a caseworker or queued, in one statement; None when the
    general path must decide. PostgreSQL only (SKIP LOCKED, data-modifying CTEs)."""
    if connection.vendor != "postgresql":
        return None
    params = {
        "citizen": citizen.pk,
        "jobcenter": citizen.jobcenter_id,
        "programme": programme,
        "target_group": target_group or "",
        "now": now,
        "day": day,
        "by": by.pk if by is not None else None,
        "open": CaseStatus.OPEN.value,
        "queued": CaseStatus.QUEUED.value,
        "intake": AssignmentReason.INTAKE.value,
        "continuity": AssignmentReason.CONTINUITY.value,
        "complexity": Complexity(complexity).value,
    }
    # Inside a caller's transaction, a savepoint keeps a failure (a second unclosed case)
    # from aborting the rest of it, as the general path's atomic block does.
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), _prepared_cursor() as cursor:
        cursor.execute(_statement(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, caseworker_id, weight = row
    case = Case(
        pk=pk,
        citizen=citizen,
        jobcenter_id=citizen.jobcenter_id,
        programme=programme,
        target_group=params["target_group"],
        caseworker_id=caseworker_id,
        opened_at=now,
        created_at=now,
        updated_at=now,
        complexity=params["complexity"],
        weight_hundredths=weight,
    )
    if caseworker_id is None:
        case.status, case.queued_at = CaseStatus.QUEUED, now
    else:
        case.status, case.assigned_at = CaseStatus.OPEN, now
    case._state.adding = False
    return case


@cache
def _statement() -> str:
    # Only table names from the models' metadata are formatted in; every value is a parameter.
    caseworker, team, case = Caseworker._meta.db_table, Team._meta.db_table, Case._meta.db_table
    in_pool_with_room = f"""
        t.jobcenter_id = %(jobcenter)s AND t.unit_type = %(programme)s
        AND {rules.takes_a_case_sql("cw", complexity_param="%(complexity)s")}
    """
    weight = rules.weight_sql("cw", "%(complexity)s")
    load = rules.column("load")
    return f"""
    WITH no_trial AS (
        SELECT NOT EXISTS (
            SELECT 1 FROM {Trial._meta.db_table} trial
            WHERE trial.jobcenter_id = %(jobcenter)s AND trial.programme = %(programme)s
                AND trial.starts_on <= %(day)s AND (trial.ends_on IS NULL OR trial.ends_on >= %(day)s)
        ) AS yes
    ), earlier AS (
        SELECT {rules.most_recent_caseworker_sql("%(citizen)s")} AS id
    ), continued AS (
        -- Waits while another transaction writes the row, then re-checks the condition on
        -- the newest version: the last slot cannot be taken twice.
        UPDATE {caseworker} cw SET open_cases = cw.open_cases + 1, {load} = cw.{load} + {weight}
        FROM earlier, {team} t
        WHERE cw.id = earlier.id AND t.id = cw.team_id AND {in_pool_with_room}
            AND (SELECT yes FROM no_trial)
        RETURNING cw.id, {weight} AS weight
    ), chosen AS (
        SELECT cw.id FROM {caseworker} cw JOIN {team} t ON t.id = cw.team_id
        WHERE {in_pool_with_room}
            AND (SELECT yes FROM no_trial) AND NOT EXISTS (SELECT 1 FROM continued)
        ORDER BY {rules.ranking_sql("cw")}
        LIMIT 1
        FOR NO KEY UPDATE OF cw SKIP LOCKED
    ), claimed AS (
        -- The row is locked, and its condition re-checked on its newest version.
        UPDATE {caseworker} cw SET open_cases = cw.open_cases + 1, {load} = cw.{load} + {weight}
        FROM chosen WHERE cw.id = chosen.id AND {rules.takes_a_case_sql("cw", complexity_param="%(complexity)s")}
        RETURNING cw.id, {weight} AS weight
    ), taken AS (
        SELECT id, weight, %(continuity)s AS reason FROM continued
        UNION ALL
        SELECT id, weight, %(intake)s FROM claimed
    ), new_case AS (
        INSERT INTO {case} ({", ".join(CASE_COLUMNS)})
        SELECT %(citizen)s, %(jobcenter)s, %(programme)s, %(target_group)s,
            CASE WHEN taken.id IS NULL THEN %(queued)s ELSE %(open)s END,
            taken.id,
            %(now)s,
            CASE WHEN taken.id IS NULL THEN %(now)s::timestamptz END,
            CASE WHEN taken.id IS NOT NULL THEN %(now)s::timestamptz END,
            NULL, '', NULL, %(now)s, %(now)s, %(complexity)s, COALESCE(taken.weight, {HUNDREDTHS}), NULL
        FROM no_trial LEFT JOIN taken ON TRUE
        WHERE taken.id IS NOT NULL
            -- Queued only when nobody in the pool has room, busy or not: a busy row with
            -- room is worth waiting for, which the general path does.
            OR (no_trial.yes AND NOT EXISTS (
                SELECT 1 FROM {caseworker} cw JOIN {team} t ON t.id = cw.team_id WHERE {in_pool_with_room}
            ))
        RETURNING id, caseworker_id, weight_hundredths
    ), new_assignment AS (
        INSERT INTO {CaseAssignment._meta.db_table} ({", ".join(ASSIGNMENT_COLUMNS)})
        SELECT new_case.id, taken.id, %(now)s, NULL, taken.reason, '', %(by)s, %(now)s, %(now)s, NULL
        FROM new_case JOIN taken ON taken.id = new_case.caseworker_id
    )
    SELECT id, caseworker_id, weight_hundredths FROM new_case
    """  # noqa: S608


def pool_has_room(*, jobcenter_id: int, programme: str, complexity: str = Complexity.COMPLEX) -> bool:
    """Whether anyone eligible in the pool has room for a case of `complexity` now (a fresh snapshot)."""
    return Caseworker.objects.filter(
        rules.takes_a_case_q(complexity=complexity), team__jobcenter_id=jobcenter_id, team__unit_type=programme
    ).exists()


_ONLY_WHEN_ASKED = 2**31 - 1


class _PreparingCursor(ServerBindingCursor):
    """Binds parameters on the server and prepares the statement on its first use.

    Django turns psycopg's preparing off (connection poolers in transaction mode lose
    prepared statements); this one statement runs on every intake, and planning it cost
    about as much as running it, so it is prepared on purpose. PgBouncer 1.21+ with
    `max_prepared_statements` keeps that working; `ALLOCATION_PREPARED_INTAKE=False`
    turns it off.
    """

    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=True)


@contextmanager
def _prepared_cursor():
    if not settings.ALLOCATION_PREPARED_INTAKE or connection.queries_logged:
        # Bound on the client: also while queries are being logged (DEBUG, assertNumQueries),
        # since psycopg keeps no query text for a prepared execution to log.
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        # None turns preparing off altogether, even when asked for. Django's other cursors
        # bind on the client and never prepare, so this changes nothing else.
        connection.connection.prepare_threshold = _ONLY_WHEN_ASKED
    # Django's own wrapper, so that errors are Django's and execute_wrappers see it.
    with connection.make_cursor(_PreparingCursor(connection.connection)) as cursor:
        yield cursor
