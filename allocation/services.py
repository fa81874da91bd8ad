"""Allocation transactions: intake, close, reassign, the queue, and staff changes that
create capacity. The decision itself is `engine.choose_caseworker`; this module makes it
hold in the database (locking rules: `locking.py`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, connection
from django.utils import timezone

from cases import trials
from cases.models import Case, CaseStatus, Citizen
from staff import services as staff_services
from staff.models import CaseloadPolicy, Caseworker, CaseworkerStatus, Team

from . import engine, intake, locking
from .errors import CapacityExceeded, CaseNotOpen, DuplicateOpenCase, NotEligible
from .models import AssignmentReason, CaseAssignment

logger = logging.getLogger(__name__)


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


def _ranked_candidates(*, pool: Pool, citizen_id: int) -> tuple[list[engine.Candidate], list[int], list[int]]:
    """One query: the pool's eligible caseworkers with room, best first, the citizen's most
    recent earlier caseworker ahead of them (continuity), their teams, and that earlier
    caseworker's id when they are one of them.

    Hand-written SQL because it runs on every intake and the ORM's compilation of it cost
    more than the query itself (bench/allocation.py); it is plain SQL that SQLite runs too.
    """
    team_filter, team_params = "", []
    if pool.team_ids:
        team_filter = f"AND t.id IN ({', '.join(['%s'] * len(pool.team_ids))})"
        team_params = list(pool.team_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            _RANKED_CANDIDATES_SQL.format(team_filter=team_filter),
            [
                citizen_id,
                pool.jobcenter_id,
                pool.programme,
                CaseworkerStatus.ACTIVE.value,
                *team_params,
                RANKED_CANDIDATES,
            ],
        )
        rows = cursor.fetchall()
    candidates, team_ids, earlier_ids = [], set(), []
    for pk, cap, open_cases, team_id, not_earlier in rows:
        candidates.append(engine.Candidate(id=pk, cap=cap, open_cases=open_cases))
        team_ids.add(team_id)
        if not not_earlier:
            earlier_ids.append(pk)
    return candidates, sorted(team_ids), earlier_ids


# A case keeps its last holder when it closes, so the holder of the citizen's most
# recently assigned case is the citizen's most recent caseworker: one index look-up.
_RANKED_CANDIDATES_SQL = """
    SELECT cw.id, cw.cap, cw.open_cases, cw.team_id,
        CASE WHEN cw.id = (
            SELECT c.caseworker_id FROM cases_case c
            WHERE c.citizen_id = %s AND c.caseworker_id IS NOT NULL
            ORDER BY c.assigned_at DESC, c.id DESC
            LIMIT 1
        ) THEN 0 ELSE 1 END AS not_earlier
    FROM staff_caseworker cw
    JOIN staff_team t ON t.id = cw.team_id
    WHERE t.jobcenter_id = %s AND t.unit_type = %s
        AND cw.status = %s AND cw.accepting_new_cases AND cw.open_cases < cw.cap
        {team_filter}
    ORDER BY not_earlier, CAST(cw.open_cases AS DOUBLE PRECISION) / cw.cap, cw.open_cases, cw.id
    LIMIT %s
"""


def _allocate(*, pool: Pool, citizen_id: int) -> engine.Decision:
    """Decide, and take the slot; `Retry` when another transaction took it first.

    Must run inside the attempt's atomic block: on `Retry` the rollback releases the lock
    that a failed claim keeps (see locking.py), and the next attempt decides afresh.
    """
    candidates, team_ids, earlier = _ranked_candidates(pool=pool, citizen_id=citizen_id)
    ranking = engine.rank_caseworkers(candidates, earlier)
    if not ranking:
        return engine.Decision(None)
    best = ranking[0]
    if best.continuity:
        # The citizen's own caseworker is worth waiting for while someone else writes the row.
        if locking.claim_slot(caseworker_id=best.caseworker_id, team_ids=team_ids):
            return best
        raise locking.Retry()
    claimed = locking.claim_first_free_slot(ranked_ids=[d.caseworker_id for d in ranking], team_ids=team_ids)
    if claimed is None and locking.claim_slot(caseworker_id=best.caseworker_id, team_ids=team_ids):
        claimed = best.caseworker_id
    if claimed is None:
        raise locking.Retry()
    return engine.Decision(claimed)


def _start_assignment(*, case: Case, caseworker_id: int, reason: str, by, now, note: str = "") -> CaseAssignment:
    return CaseAssignment.objects.create(
        case=case, caseworker_id=caseworker_id, assigned_at=now, reason=reason, by=by, note=note[:500]
    )


def _end_assignment(*, case_ids: list[int], now) -> None:
    CaseAssignment.objects.filter(case_id__in=case_ids, ended_at__isnull=True).update(ended_at=now)


# --- Intake ------------------------------------------------------------------------------


def case_create(*, citizen: Citizen, programme: str, target_group: str = "", by=None) -> Case:
    """Open a case and allocate it at once: open with a caseworker, or queued."""
    now = timezone.now()
    try:
        case = intake.fast_intake(
            citizen=citizen, programme=programme, target_group=target_group, by=by, now=now, day=timezone.localdate(now)
        )
        if case is None:
            case = locking.retrying(
                _case_create, citizen=citizen, programme=programme, target_group=target_group, by=by
            )
    except IntegrityError as error:
        text = str(error)
        if "case_one_unclosed_per_citizen" in text or "cases_case.citizen_id" in text:
            raise DuplicateOpenCase("This citizen already has a case that is not closed.") from None
        raise
    if case.status == CaseStatus.QUEUED:
        # A slot freed by a close that committed while this intake was deciding was drained
        # before this queued case existed. Looking once more, in a snapshot that sees such a
        # close, means it cannot stay unused: a later close's drain sees this case.
        if intake.pool_has_room(jobcenter_id=case.jobcenter_id, programme=case.programme):
            queue_drain(pool=Pool(case.jobcenter_id, case.programme))
            case.refresh_from_db()
        if case.status == CaseStatus.QUEUED:
            _after_capacity_fell(team_ids=(), pool=Pool(case.jobcenter_id, case.programme))
    return case


@locking.retry_on_conflict()
def _case_create(*, citizen: Citizen, programme: str, target_group: str, by) -> Case:
    now = timezone.now()
    # A running trial randomises the case to an arm first; the arm's teams are its pool.
    assessment = trials.trial_assess(citizen=citizen, programme=programme, target_group=target_group, now=now)
    team_ids: tuple[int, ...] = ()
    if assessment is not None and assessment.included:
        programme, team_ids = assessment.programme, assessment.team_ids
    pool = Pool(jobcenter_id=citizen.jobcenter_id, programme=programme, team_ids=team_ids)
    decision = _allocate(pool=pool, citizen_id=citizen.pk)
    case = Case(
        citizen=citizen,
        jobcenter_id=citizen.jobcenter_id,
        programme=programme,
        target_group=target_group or "",
        opened_at=now,
    )
    if decision.queued:
        case.status, case.queued_at = CaseStatus.QUEUED, now
    else:
        case.status, case.caseworker_id, case.assigned_at = CaseStatus.OPEN, decision.caseworker_id, now
    case.save(force_insert=True)
    if not decision.queued:
        reason = AssignmentReason.CONTINUITY if decision.continuity else AssignmentReason.INTAKE
        _start_assignment(case=case, caseworker_id=decision.caseworker_id, reason=reason, by=by, now=now)
    if assessment is not None:
        trials.trial_enrolment_record(case=case, assessment=assessment, now=now)
    return case


# --- Close -------------------------------------------------------------------------------


def case_close(*, case: Case, outcome: str, by=None) -> Case:
    closed, freed = locking.retrying(_case_close, case_id=case.pk, outcome=outcome, by=by)
    if freed:
        queue_drain(pool=Pool(closed.jobcenter_id, closed.programme))
    return closed


@locking.retry_on_conflict()
def _case_close(*, case_id: int, outcome: str, by) -> tuple[Case, bool]:
    holder_id = Case.objects.filter(pk=case_id).values_list("caseworker_id", flat=True).first()
    if holder_id:
        locking.lock_caseworkers([holder_id])
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.status == CaseStatus.CLOSED:
        raise CaseNotOpen("The case is already closed.", case=case_id)
    if case.caseworker_id != holder_id:  # moved between our read and our lock
        raise locking.Retry()
    now = timezone.now()
    freed = case.status == CaseStatus.OPEN
    if freed:
        locking.release_slot(caseworker_id=case.caseworker_id)
        _end_assignment(case_ids=[case.pk], now=now)
    case.status, case.outcome, case.closed_at, case.closed_by = CaseStatus.CLOSED, outcome, now, by
    case.queued_at = None
    case.save(update_fields=["status", "outcome", "closed_at", "closed_by", "queued_at", "updated_at"])
    return case, freed


# Kept for callers that used the old private names.
_Retry = locking.Retry
_retrying = locking.retrying


# --- Reassign ----------------------------------------------------------------------------


def case_reassign(
    *,
    case: Case,
    caseworker: Caseworker,
    reason: str = "",
    by=None,
    assignment_reason: str = AssignmentReason.REASSIGNMENT,
) -> Case:
    moved, previous_holder_id = locking.retrying(
        _case_reassign,
        case_id=case.pk,
        target_id=caseworker.pk,
        note=reason,
        by=by,
        assignment_reason=assignment_reason,
    )
    if previous_holder_id:
        _after_capacity_rose(caseworker_ids=[previous_holder_id])
    return moved


@locking.retry_on_conflict()
def _case_reassign(*, case_id: int, target_id: int, note: str, by, assignment_reason: str) -> tuple[Case, int | None]:
    holder_id = Case.objects.filter(pk=case_id).values_list("caseworker_id", flat=True).first()
    locked = locking.lock_caseworkers([target_id, *([holder_id] if holder_id else [])])
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.caseworker_id != holder_id:
        raise locking.Retry()
    target = locked.get(target_id)
    if target is None:
        raise NotEligible("That caseworker does not exist.")
    _check_can_receive(case=case, target=target, team=target_team(target=target), count=1)
    now = timezone.now()
    if not locking.claim_slot_unconditionally_below_cap(caseworker_id=target_id):
        raise CapacityExceeded(f"{target.full_name} is at their cap.", caseworker=target_id)
    previous_holder_id = None
    if case.status == CaseStatus.OPEN:
        previous_holder_id = case.caseworker_id
        locking.release_slot(caseworker_id=case.caseworker_id)
        _end_assignment(case_ids=[case.pk], now=now)
    case.status, case.caseworker_id, case.assigned_at, case.queued_at = CaseStatus.OPEN, target_id, now, None
    case.save(update_fields=["status", "caseworker", "assigned_at", "queued_at", "updated_at"])
    _start_assignment(case=case, caseworker_id=target_id, reason=assignment_reason, by=by, now=now, note=note)
    return case, previous_holder_id


def target_team(*, target: Caseworker) -> Team:
    """The receiving caseworker's team, read once however many cases it receives."""
    return Team.objects.only("jobcenter_id", "unit_type").get(pk=target.team_id)


def _check_can_receive(*, case: Case, target: Caseworker, team: Team, count: int) -> None:
    if case.status == CaseStatus.CLOSED:
        raise CaseNotOpen("The case is closed.", case=case.pk)
    if case.caseworker_id == target.pk:
        raise NotEligible(f"{target.full_name} already holds the case.", caseworker=target.pk)
    if team.jobcenter_id != case.jobcenter_id:
        raise NotEligible(f"{target.full_name} works in another jobcenter.", caseworker=target.pk)
    if team.unit_type != case.programme:
        raise NotEligible(f"{target.full_name}'s unit does not take this programme.", caseworker=target.pk)
    if target.status != CaseworkerStatus.ACTIVE:
        raise NotEligible(f"{target.full_name} is on leave.", caseworker=target.pk)
    if not target.accepting_new_cases:
        raise NotEligible(f"{target.full_name} is not accepting new cases.", caseworker=target.pk)
    if target.open_cases + count > target.cap:
        raise CapacityExceeded(
            f"{target.full_name} is at their cap ({target.open_cases}/{target.cap}).", caseworker=target.pk
        )


# --- The queue ---------------------------------------------------------------------------


def queue_drain(*, pool: Pool, limit: int | None = None) -> int:
    """Allocate queued cases of the pool, oldest first, until nobody eligible has room.

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

    A case drawn into a trial arm may only go to the arm's teams, so when its arm is full
    the next case in the queue is tried rather than the whole queue waiting behind it.
    A case without an arm that cannot be placed means the whole pool is full: stop.
    """
    queued = (
        Case.objects.filter(jobcenter_id=pool.jobcenter_id, programme=pool.programme, status=CaseStatus.QUEUED)
        .order_by("queued_at", "id")
        .values_list("id", "citizen_id", "trial_enrolment__arm_id")
    )
    full_arms: set[int] = set()
    for case_id, citizen_id, arm_id in queued.iterator(chunk_size=100):
        if arm_id in full_arms:
            continue
        arm_teams = trials.trial_arm_team_ids(case_id=case_id) if arm_id else ()
        # The slot first, the case row second: the lock order of locking.py.
        decision = _allocate(pool=Pool(pool.jobcenter_id, pool.programme, arm_teams), citizen_id=citizen_id)
        if decision.queued:
            if not arm_teams:
                return False
            full_arms.add(arm_id)
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
    case.save(update_fields=["status", "caseworker", "assigned_at", "queued_at", "updated_at"])
    reason = AssignmentReason.CONTINUITY if decision.continuity else AssignmentReason.QUEUE
    _start_assignment(case=case, caseworker_id=decision.caseworker_id, reason=reason, by=None, now=now)


def queue_drain_all() -> int:
    """Drain every pool that has queued cases: after policy changes, and as a periodic sweep."""
    pools = Case.objects.filter(status=CaseStatus.QUEUED).values_list("jobcenter_id", "programme").distinct().order_by()
    return sum(queue_drain(pool=Pool(j, p)) for j, p in list(pools))


def _pools_of_caseworkers(caseworker_ids) -> set[Pool]:
    rows = Caseworker.objects.filter(pk__in=list(caseworker_ids)).values_list("team__jobcenter_id", "team__unit_type")
    return {Pool(j, p) for j, p in rows}


def _after_capacity_rose(*, caseworker_ids) -> None:
    for pool in sorted(_pools_of_caseworkers(caseworker_ids), key=lambda p: (p.jobcenter_id, p.programme)):
        queue_drain(pool=pool)


def _after_capacity_fell(*, team_ids, pool: Pool | None = None) -> None:
    """A hook for the prompt alert check; the periodic check is the safety net."""
    hook = _capacity_fell_hooks
    for callback in hook:
        callback(team_ids=tuple(team_ids), pool=pool)


_capacity_fell_hooks: list = []


def on_capacity_fell(callback):
    """Register a callback (the alerts module does) run after a change that may breach limits."""
    _capacity_fell_hooks.append(callback)
    return callback


# --- Staff changes that move capacity ----------------------------------------------------


def caseworker_create(**fields) -> Caseworker:
    caseworker = staff_services.caseworker_create(**fields)
    _after_capacity_rose(caseworker_ids=[caseworker.pk])
    return caseworker


def caseworker_update(*, caseworker: Caseworker, **changes) -> Caseworker:
    before = Caseworker.objects.only("cap", "status", "accepting_new_cases", "team_id").get(pk=caseworker.pk)
    updated = staff_services.caseworker_update(caseworker=caseworker, **changes)
    gained = (
        updated.cap > before.cap
        or (updated.status == CaseworkerStatus.ACTIVE and before.status != CaseworkerStatus.ACTIVE)
        or (updated.accepting_new_cases and not before.accepting_new_cases)
        or updated.team_id != before.team_id
    )
    lost = (
        updated.cap < before.cap
        or updated.status != before.status
        or updated.accepting_new_cases != before.accepting_new_cases
        or updated.team_id != before.team_id
    )
    if gained:
        _after_capacity_rose(caseworker_ids=[updated.pk])
    if lost:
        _after_capacity_fell(team_ids={before.team_id, updated.team_id})
    return updated


def policy_set_cap(*, role: str, cap: int) -> CaseloadPolicy:
    before = CaseloadPolicy.objects.filter(role=role).values_list("cap", flat=True).first()
    policy = staff_services.policy_set_cap(role=role, cap=cap)
    if before is None or cap > before:
        queue_drain_all()
    if before is not None and cap < before:
        team_ids = Caseworker.objects.filter(role=role).values_list("team_id", flat=True).distinct().order_by()
        _after_capacity_fell(team_ids=set(team_ids))
    return policy
