"""Intake, close and reassign: the transactions that move a case."""

from __future__ import annotations

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseStatus, Citizen
from casework import services as casework_services
from core.db import violated_constraint
from staff.models import Caseworker, Complexity, Team
from trials import selectors as trial_selectors
from trials import services as trial_services

from .. import engine, intake, locking, metrics, new_cases, prompt_check, rules
from ..errors import AllocationError, CapacityExceeded, CaseNotOpen, DuplicateOpenCase, NotEligible
from ..models import AssignmentReason, CaseAssignment
from .choosing import Pool, _allocate, _end_assignment, _ranked_candidates, _start_assignment
from .queue import _after_capacity_rose, _drain, queue_drain

# The partial unique constraint "one case that is not closed per citizen" (cases.models).
ONE_UNCLOSED_CASE = "case_one_unclosed_per_citizen"

# --- Intake ------------------------------------------------------------------------------


def case_create(
    *, citizen: Citizen, programme: str, target_group: str = "", by=None, complexity: str = Complexity.COMPLEX
) -> Case:
    """Open a case and allocate it at once: open with a caseworker, or queued."""
    with metrics.intake_timed() as outcome:
        case = _case_intake(
            citizen=citizen, programme=programme, target_group=target_group, by=by, complexity=complexity
        )
        outcome["result"] = case.status
    return case


def _case_intake(*, citizen: Citizen, programme: str, target_group: str, by, complexity: str) -> Case:
    now = timezone.now()
    complexity = Complexity(complexity).value
    try:
        case = intake.fast_intake(
            citizen=citizen,
            programme=programme,
            target_group=target_group,
            by=by,
            now=now,
            day=timezone.localdate(now),
            complexity=complexity,
        )
        if case is None:
            case = locking.retrying(
                _case_create,
                citizen=citizen,
                programme=programme,
                target_group=target_group,
                by=by,
                complexity=complexity,
            )
    except IntegrityError as error:
        if violated_constraint(error) == ONE_UNCLOSED_CASE:
            raise DuplicateOpenCase() from None
        raise
    placed = 0
    if case.status == CaseStatus.QUEUED:
        # A slot freed by a close that committed while this intake was deciding was drained
        # before this queued case existed. Looking once more, in a snapshot that sees such a
        # close, means it cannot stay unused: a later close's drain sees this case.
        if intake.pool_has_room(jobcenter_id=case.jobcenter_id, programme=case.programme, complexity=complexity):
            placed = _drain(pool=Pool(case.jobcenter_id, case.programme))
            case.refresh_from_db()
        if case.status == CaseStatus.QUEUED:
            # A case waits: the leaders of its pool may have to act (the queue alert).
            prompt_check.after_commit(pools=[(case.jobcenter_id, case.programme)])
    if case.status == CaseStatus.OPEN or placed:
        new_cases.after_commit()
    return case


@locking.retry_on_conflict()
def _case_create(*, citizen: Citizen, programme: str, target_group: str, by, complexity: str) -> Case:
    now = timezone.now()
    pool = Pool(jobcenter_id=citizen.jobcenter_id, programme=programme)
    # A running trial randomises the case to an arm first; the arm's teams are its pool.
    # Continuity beats randomisation, by allocation's own rule: a citizen whose most recent
    # caseworker may take a case in this pool keeps them and is recorded as excluded.
    trial = trial_selectors.trial_running(
        jobcenter_id=citizen.jobcenter_id, programme=programme, day=timezone.localdate(now)
    )
    assessment, ranked = None, None
    if trial is not None:
        # One read of the pool's candidates decides both: whether continuity applies (the most
        # recent caseworker is among those who may take a case) and, if so, the allocation.
        ranked = _ranked_candidates(pool=pool, citizen_id=citizen.pk, complexity=complexity)
        assessment = trial_services.trial_assess(
            trial=trial,
            citizen=citizen,
            programme=programme,
            target_group=target_group,
            now=now,
            keeps_earlier_caseworker=bool(ranked[2]),
        )
    if assessment is not None and assessment.included:
        pool = Pool(jobcenter_id=citizen.jobcenter_id, programme=assessment.programme, team_ids=assessment.team_ids)
        programme, ranked = assessment.programme, None
    decision = _allocate(pool=pool, citizen_id=citizen.pk, ranked=ranked, complexity=complexity)
    case = Case(
        citizen=citizen,
        jobcenter_id=citizen.jobcenter_id,
        programme=programme,
        target_group=target_group or "",
        opened_at=now,
        complexity=complexity,
    )
    if decision.queued:
        case.status, case.queued_at = CaseStatus.QUEUED, now
    else:
        case.status, case.caseworker_id, case.assigned_at = CaseStatus.OPEN, decision.caseworker_id, now
        case.weight_hundredths = decision.weight
    case.save(force_insert=True)
    if not decision.queued:
        reason = AssignmentReason.CONTINUITY if decision.continuity else AssignmentReason.INTAKE
        _start_assignment(case=case, caseworker_id=decision.caseworker_id, reason=reason, by=by, now=now)
    if assessment is not None:
        trial_services.trial_enrolment_record(case=case, assessment=assessment, now=now)
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
        raise CaseNotOpen(case=case_id)
    if case.caseworker_id != holder_id:  # moved between our read and our lock
        raise locking.Retry()
    now = timezone.now()
    freed = case.status == CaseStatus.OPEN
    if freed:
        locking.release_slot(caseworker_id=case.caseworker_id, weight=case.weight_hundredths)
        _end_assignment(case_ids=[case.pk], now=now)
    case.status, case.outcome, case.closed_at, case.closed_by = CaseStatus.CLOSED, outcome, now, by
    case.queued_at = None
    case.save(update_fields=["status", "outcome", "closed_at", "closed_by", "queued_at", "updated_at"])
    casework_services.meetings_cancel_for_closed_case(case_id=case.pk, by=by, now=now)
    return case, freed


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
    # One digest for the move and for what the freed slot drained from the queue.
    new_cases.after_commit()
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
        raise NotEligible(_("That caseworker does not exist."))
    refused = receive_refusal(case=case, target=target, team=target_team(target=target))
    if refused is not None:
        raise refused
    now = timezone.now()
    # The row is locked and was checked above, so the claim succeeds; it is the same
    # conditional statement as every other claim all the same, so no path skips the rule.
    weight = locking.claim_slot(caseworker_id=target_id, complexity=case.complexity)
    if weight is None:
        raise CapacityExceeded(name=target.full_name, open_cases=target.open_cases, cap=target.cap)
    previous_holder_id = None
    if case.status == CaseStatus.OPEN:
        previous_holder_id = case.caseworker_id
        locking.release_slot(caseworker_id=case.caseworker_id, weight=case.weight_hundredths)
        _end_assignment(case_ids=[case.pk], now=now)
    case.status, case.caseworker_id, case.assigned_at, case.queued_at = CaseStatus.OPEN, target_id, now, None
    case.weight_hundredths = weight
    case.save(update_fields=["status", "caseworker", "assigned_at", "queued_at", "weight_hundredths", "updated_at"])
    _start_assignment(case=case, caseworker_id=target_id, reason=assignment_reason, by=by, now=now, note=note)
    casework_services.meetings_follow_case(case_ids=[case.pk], caseworker_id=target_id)
    return case, previous_holder_id


def target_team(*, target: Caseworker) -> Team:
    """The receiving caseworker's team, read once however many cases it receives."""
    return Team.objects.only("jobcenter_id", "unit_type").get(pk=target.team_id)


def receive_refusal(*, case: Case, target: Caseworker, team: Team) -> AllocationError | None:
    """Why `target` (of `team`) cannot take `case` now, or None when they can.

    The case's pool (jobcenter and programme) and then `engine.TAKES_A_CASE`: the one
    definition, so that the reassignment pages list exactly whom a move would accept. The
    error's `data["reason"]` names the refusal for interfaces that show a short label.
    """
    name = target.full_name
    if case.status == CaseStatus.CLOSED:
        return CaseNotOpen(case=case.pk, reason=CLOSED)
    if case.caseworker_id == target.pk:
        return NotEligible(_("%(name)s already holds the case."), name=name, caseworker=target.pk, reason=HOLDER)
    if team.jobcenter_id != case.jobcenter_id or team.unit_type != case.programme:
        message = (
            _("%(name)s works in another jobcenter.")
            if team.jobcenter_id != case.jobcenter_id
            else _("%(name)s's unit does not take this programme.")
        )
        return NotEligible(message, name=name, caseworker=target.pk, reason=OTHER_POOL)
    refusal = engine.refusal(rules.as_candidate(target, case.complexity))
    if refusal == engine.FULL:
        return CapacityExceeded(
            name=name, open_cases=target.open_cases, cap=target.cap, caseworker=target.pk, reason=refusal
        )
    if refusal is not None:
        return NotEligible(_REFUSALS[refusal], name=name, caseworker=target.pk, reason=refusal)
    return None


# Refusals of a move besides engine.TAKES_A_CASE's own (engine.ON_LEAVE, NOT_ACCEPTING, FULL).
CLOSED, HOLDER, OTHER_POOL = "closed", "holder", "other_pool"

_REFUSALS = {
    engine.ON_LEAVE: _("%(name)s is on leave."),
    engine.NOT_ACCEPTING: _("%(name)s is not accepting new cases."),
}


# --- Complexity ---------------------------------------------------------------------------


def case_set_complexity(*, case: Case, complexity: str, by=None) -> Case:
    """Set how demanding the case is. An open case then weighs what the new complexity weighs
    in its caseworker's policy, in the same transaction: the load follows, and may pass the
    cap (allowed, as a lowered cap is: the alert and the rebalance take it from there); a
    lighter case frees room, and the queue drains into it."""
    complexity = Complexity(complexity).value
    changed, holder_id, lighter, heavier = locking.retrying(
        _case_set_complexity, case_id=case.pk, complexity=complexity
    )
    if lighter and _after_capacity_rose(caseworker_ids=[holder_id]):
        new_cases.after_commit()
    if changed.status == CaseStatus.QUEUED:
        # A queued case that now weighs less may fit where it did not: it is tried at once.
        queue_drain(pool=Pool(changed.jobcenter_id, changed.programme))
        changed.refresh_from_db()
    if heavier:
        prompt_check.after_commit(team_ids={Caseworker.objects.values_list("team_id", flat=True).get(pk=holder_id)})
    return changed


@locking.retry_on_conflict()
def _case_set_complexity(*, case_id: int, complexity: str) -> tuple[Case, int | None, bool, bool]:
    holder_id = Case.objects.filter(pk=case_id).values_list("caseworker_id", flat=True).first()
    locked = locking.lock_caseworkers([holder_id] if holder_id else [])
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.caseworker_id != holder_id:
        raise locking.Retry()
    if case.status == CaseStatus.CLOSED:
        raise CaseNotOpen(case=case_id)
    before = case.weight_hundredths
    case.complexity = complexity
    fields = ["complexity", "updated_at"]
    if case.status == CaseStatus.OPEN:
        case.weight_hundredths = locked[holder_id].weight_of(complexity)
        fields.append("weight_hundredths")
        locking.shift_counters({holder_id: (0, case.weight_hundredths - before)})
    case.save(update_fields=fields)
    open_case = case.status == CaseStatus.OPEN
    return case, holder_id, open_case and case.weight_hundredths < before, open_case and case.weight_hundredths > before


def assignment_notes_erase(*, case_ids) -> None:
    """The free-text notes of these cases' assignments (they may name the citizen), wiped for
    retention; who, when and why (the reason) stay. Inside the caller's transaction."""
    CaseAssignment.objects.filter(case_id__in=case_ids).exclude(note="").update(note="")
