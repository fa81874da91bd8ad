"""The queue: drained oldest first whenever capacity appears."""

from __future__ import annotations

from django.utils import timezone

from cases.models import Case, CaseStatus
from staff.models import Caseworker
from trials import selectors as trial_selectors

from .. import engine, locking, new_cases
from ..models import AssignmentReason
from .choosing import Pool, _allocate, _start_assignment

# --- The queue ---------------------------------------------------------------------------


def queue_drain(*, pool: Pool, limit: int | None = None) -> int:
    """Allocate queued cases of the pool, oldest first, until nobody eligible has room;
    the caseworkers who received cases are told once, in one digest each."""
    placed = _drain(pool=pool, limit=limit)
    if placed:
        new_cases.after_commit()
    return placed


def _drain(*, pool: Pool, limit: int | None = None) -> int:
    """The drain without the digest, for operations that send it once at their end.

    Each case is its own short transaction (when not already inside one), so a drain
    never holds more than one caseworker row at a time.
    """
    placed = 0
    while limit is None or placed < limit:
        if not locking.retrying(_drain_one, pool=pool):
            break
        placed += 1
    return placed


@locking.retry_on_conflict()
def _drain_one(*, pool: Pool) -> bool:
    """Place the oldest queued case that can be placed; False when none can.

    A case drawn into a trial arm may only go to the arm's teams, and a case weighs what its
    complexity weighs: when its arm, or the pool, has no room for that weight, the next
    case in the queue is tried rather than the whole queue waiting behind it (a lighter case
    may fit where a heavier one does not). Once a pool has no room for a case of a given
    complexity, no later case of that arm and complexity is tried in this drain.
    """
    queued = (
        Case.objects.filter(jobcenter_id=pool.jobcenter_id, programme=pool.programme, status=CaseStatus.QUEUED)
        .order_by("queued_at", "id")
        .values_list("id", "citizen_id", "trial_enrolment__arm_id", "complexity")
    )
    full: set[tuple[int | None, str]] = set()
    for case_id, citizen_id, arm_id, complexity in queued.iterator(chunk_size=100):
        if (arm_id, complexity) in full:
            continue
        arm_teams = trial_selectors.arm_team_ids(arm_id=arm_id) if arm_id else ()  # the arm is read already
        # The slot first, the case row second: the lock order of locking.py.
        decision = _allocate(
            pool=Pool(pool.jobcenter_id, pool.programme, arm_teams), citizen_id=citizen_id, complexity=complexity
        )
        if decision.queued:
            full.add((arm_id, complexity))
            continue
        _place_queued(case_id=case_id, decision=decision)
        return True
    return False


def _place_queued(*, case_id: int, decision: engine.Decision) -> None:
    # Waits while another drain or a close holds the row, then sees whether it is still queued.
    case = Case.objects.select_for_update().filter(pk=case_id, status=CaseStatus.QUEUED).first()
    if case is None:
        raise locking.Retry()  # taken or closed meanwhile; the rollback frees the slot again
    now = timezone.now()
    case.status, case.caseworker_id, case.assigned_at, case.queued_at = (
        CaseStatus.OPEN,
        decision.caseworker_id,
        now,
        None,
    )
    case.weight_hundredths = decision.weight
    case.save(update_fields=["status", "caseworker", "assigned_at", "queued_at", "weight_hundredths", "updated_at"])
    reason = AssignmentReason.CONTINUITY if decision.continuity else AssignmentReason.QUEUE
    _start_assignment(case=case, caseworker_id=decision.caseworker_id, reason=reason, by=None, now=now)


def queue_drain_all() -> int:
    """Drain every pool that has queued cases: after policy changes, and as a periodic sweep."""
    pools = Case.objects.filter(status=CaseStatus.QUEUED).values_list("jobcenter_id", "programme").distinct().order_by()
    placed = sum(_drain(pool=Pool(j, p)) for j, p in list(pools))
    if placed:
        new_cases.after_commit()
    return placed


def _pools_of_caseworkers(caseworker_ids) -> set[Pool]:
    rows = Caseworker.objects.filter(pk__in=list(caseworker_ids)).values_list("team__jobcenter_id", "team__unit_type")
    return {Pool(j, p) for j, p in rows}


def _after_capacity_rose(*, caseworker_ids) -> int:
    """Drain the pools of these caseworkers; how many cases were placed. The caller sends
    the digest (`new_cases.after_commit`), once for its whole operation."""
    pools = sorted(_pools_of_caseworkers(caseworker_ids), key=lambda p: (p.jobcenter_id, p.programme))
    return sum(_drain(pool=pool) for pool in pools)
