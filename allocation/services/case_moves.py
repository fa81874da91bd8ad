"""Intake, close and reassign: the transactions that move a case."""

from __future__ import annotations

from django.db import IntegrityError
from django.utils import timezone

from cases.models import Case, CaseStatus, Citizen
from staff.models import Caseworker, CaseworkerStatus, Team
from trials import services as trial_services

from .. import intake, locking
from ..errors import CapacityExceeded, CaseNotOpen, DuplicateOpenCase, NotEligible
from ..models import AssignmentReason
from .choosing import Pool, _allocate, _end_assignment, _start_assignment
from .hooks import _after_capacity_fell
from .queue import _after_capacity_rose, queue_drain

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
    assessment = trial_services.trial_assess(citizen=citizen, programme=programme, target_group=target_group, now=now)
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
