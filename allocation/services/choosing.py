"""Where a case may go and who takes it: the pool, the ranked candidates, the claim."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import connection

from cases.models import Case
from staff.models import Complexity

from .. import engine, locking, rules
from ..models import CaseAssignment


@dataclass(frozen=True)
class Pool:
    """The caseworkers a case of this jobcenter and programme may go to."""

    jobcenter_id: int
    programme: str
    # A randomised trial's arm narrows the pool to its teams; () means every team.
    team_ids: tuple[int, ...] = ()


# How many of the pool's best-ranked caseworkers one intake reads. The engine ranks them
# exactly; the database only pre-selects, and its order (a float ratio, exact for any
# realistic cap) agrees with the engine's, so the engine's first choice is always among
# them. The runners-up are where a concurrent intake goes when the best row is busy.
RANKED_CANDIDATES = 12


def _ranked_candidates(
    *, pool: Pool, citizen_id: int, complexity: str = Complexity.COMPLEX
) -> tuple[list[engine.Candidate], list[int], list[int]]:
    """One query: the pool's eligible caseworkers with room for a case of `complexity`, best
    first, the citizen's most recent earlier caseworker ahead of them (continuity), their
    teams, and that earlier caseworker's id when they are one of them.

    Hand-written SQL because it runs on every intake and the ORM's compilation of it cost
    more than the query itself (bench/allocation.py); it is plain SQL that SQLite runs too.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _ranked_candidates_sql(complexity, len(pool.team_ids)),
            [citizen_id, pool.jobcenter_id, pool.programme, *pool.team_ids, RANKED_CANDIDATES],
        )
        rows = cursor.fetchall()
    candidates, team_ids, earlier_ids = [], set(), []
    for pk, cap, open_cases, load, weight, team_id, not_earlier in rows:
        candidates.append(engine.Candidate(id=pk, cap=cap, open_cases=open_cases, load=load, weight=weight))
        team_ids.add(team_id)
        if not not_earlier:
            earlier_ids.append(pk)
    return candidates, sorted(team_ids), earlier_ids


@cache
def _ranked_candidates_sql(complexity: str, team_count: int) -> str:
    """The rules' own renderings (rules.py): the most recent caseworker ahead of the rest
    (continuity), then the engine's ranking, among those who may take a case of `complexity`."""
    team_filter = f"AND t.id IN ({', '.join(['%s'] * team_count)})" if team_count else ""
    return f"""
    SELECT cw.id, cw.cap, cw.open_cases, cw.{rules.column("load")}, cw.{rules.column("weight", complexity)},
        cw.team_id,
        CASE WHEN cw.id = {rules.most_recent_caseworker_sql("%s")} THEN 0 ELSE 1 END AS not_earlier
    FROM staff_caseworker cw
    JOIN staff_team t ON t.id = cw.team_id
    WHERE t.jobcenter_id = %s AND t.unit_type = %s AND {rules.takes_a_case_sql("cw", complexity=complexity)}
        {team_filter}
    ORDER BY not_earlier, {rules.ranking_sql("cw")}
    LIMIT %s
    """  # noqa: S608 - table names and the rules' constants, no input


def _allocate(*, pool: Pool, citizen_id: int, ranked=None, complexity: str = Complexity.COMPLEX) -> engine.Decision:
    """Decide, and take the slot; `Retry` when another transaction took it first.

    Must run inside the attempt's atomic block: on `Retry` the rollback releases the lock
    that a failed claim keeps (see locking.py), and the next attempt decides afresh.
    """
    # `ranked`: `_ranked_candidates` of this pool, when the caller has read it already.
    candidates, team_ids, earlier = ranked or _ranked_candidates(
        pool=pool, citizen_id=citizen_id, complexity=complexity
    )
    ranking = engine.rank_caseworkers(candidates, earlier)
    if not ranking:
        return engine.Decision(None)
    best = ranking[0]
    if best.continuity:
        # The citizen's own caseworker is worth waiting for while someone else writes the row.
        weight = locking.claim_slot(caseworker_id=best.caseworker_id, team_ids=team_ids, complexity=complexity)
        if weight is not None:
            return engine.Decision(best.caseworker_id, continuity=True, weight=weight)
        raise locking.Retry()
    claimed = locking.claim_first_free_slot(
        ranked_ids=[d.caseworker_id for d in ranking], team_ids=team_ids, complexity=complexity
    )
    if claimed is None:
        weight = locking.claim_slot(caseworker_id=best.caseworker_id, team_ids=team_ids, complexity=complexity)
        if weight is not None:
            claimed = (best.caseworker_id, weight)
    if claimed is None:
        raise locking.Retry()
    return engine.Decision(claimed[0], weight=claimed[1])


def _start_assignment(*, case: Case, caseworker_id: int, reason: str, by, now, note: str = "") -> CaseAssignment:
    return CaseAssignment.objects.create(
        case=case, caseworker_id=caseworker_id, assigned_at=now, reason=reason, by=by, note=note[:500]
    )


def _end_assignment(*, case_ids: list[int], now) -> None:
    CaseAssignment.objects.filter(case_id__in=case_ids, ended_at__isnull=True).update(ended_at=now)
