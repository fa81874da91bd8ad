"""Rebalancing a team, and bulk reassignment: plans from the engine, applied atomically."""

from __future__ import annotations

from collections import Counter

from django.db.models import F
from django.utils import timezone

from cases.models import Case, CaseStatus
from staff.models import Caseworker, Team

from . import engine, locking
from .errors import CapacityExceeded, CaseNotOpen, NotEligible
from .models import AssignmentReason, CaseAssignment
from .services import _after_capacity_rose, _check_can_receive, target_team


def _scope(*, team: Team, spill_over: bool):
    if spill_over:
        return Caseworker.objects.filter(team__jobcenter_id=team.jobcenter_id, team__unit_type=team.unit_type)
    return Caseworker.objects.filter(team=team)


def _members(*, team: Team, spill_over: bool, only_ids=None) -> list[engine.Member]:
    workers = _scope(team=team, spill_over=spill_over)
    if only_ids is not None:
        workers = workers.filter(pk__in=list(only_ids))
    rows = list(workers.values_list("id", "cap", "status", "accepting_new_cases", "team_id").order_by("id"))
    held: dict[int, list[engine.HeldCase]] = {row[0]: [] for row in rows}
    open_cases = Case.objects.filter(status=CaseStatus.OPEN, caseworker_id__in=list(held)).values_list(
        "id", "caseworker_id", "assigned_at"
    )
    for case_id, caseworker_id, assigned_at in open_cases:
        held[caseworker_id].append(engine.HeldCase(case_id, assigned_at))
    return [
        engine.Member(
            id=pk,
            cap=cap,
            status=status,
            accepting_new_cases=accepting,
            cases=tuple(held[pk]),
            gives=(team_id == team.pk),
        )
        for pk, cap, status, accepting, team_id in rows
    ]


def rebalance_plan(*, team: Team, include_on_leave: bool = False, spill_over: bool = False) -> engine.RebalancePlan:
    """What rebalancing would do now; changes nothing."""
    return engine.plan_rebalance(_members(team=team, spill_over=spill_over), include_on_leave=include_on_leave)


@locking.retry_on_conflict()
def rebalance_apply(
    *, team: Team, by=None, include_on_leave: bool = False, spill_over: bool = False
) -> engine.RebalancePlan:
    """Lock every caseworker involved, recompute the plan on the locked rows, and carry it out.

    Recomputing under the locks is what keeps a stale preview from ever being half-applied:
    the plan applied is the plan that is true at this moment, all of it or nothing.
    """
    locked = locking.lock_caseworkers(_scope(team=team, spill_over=spill_over).values_list("pk", flat=True))
    # Only the locked rows take part: a caseworker who joined since has no lock, so a
    # concurrent intake could fill the slot this plan counts on.
    members = _members(team=team, spill_over=spill_over, only_ids=locked)
    plan = engine.plan_rebalance(members, include_on_leave=include_on_leave)
    _apply_moves(moves=plan.moves, by=by, reason=AssignmentReason.REBALANCE)
    return plan


def _apply_moves(*, moves, by, reason: str, note: str = "") -> None:
    if not moves:
        return
    now = timezone.now()
    case_ids = [m.case_id for m in moves]
    CaseAssignment.objects.filter(case_id__in=case_ids, ended_at__isnull=True).update(ended_at=now)
    cases = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=case_ids)}
    for move in moves:
        case = cases[move.case_id]
        case.caseworker_id, case.assigned_at = move.to_caseworker_id, now
    Case.objects.bulk_update(cases.values(), ["caseworker", "assigned_at"])
    CaseAssignment.objects.bulk_create(
        CaseAssignment(
            case_id=m.case_id, caseworker_id=m.to_caseworker_id, assigned_at=now, reason=reason, by=by, note=note
        )
        for m in moves
    )
    delta = Counter()
    for move in moves:
        delta[move.from_caseworker_id] -= 1
        delta[move.to_caseworker_id] += 1
    for caseworker_id in sorted(delta):
        if delta[caseworker_id]:
            Caseworker.objects.filter(pk=caseworker_id).update(open_cases=F("open_cases") + delta[caseworker_id])


def cases_bulk_reassign(*, case_ids: list[int], caseworker: Caseworker, by=None, note: str = "") -> list[Case]:
    """Move the selected cases to one caseworker: all of them within the cap, or none."""
    moved = locking.retrying(_bulk_reassign, case_ids=sorted(set(case_ids)), target_id=caseworker.pk, by=by, note=note)
    _after_capacity_rose(caseworker_ids={m.from_caseworker_id for m in moved})
    return list(Case.objects.filter(pk__in=[m.case_id for m in moved]))


@locking.retry_on_conflict()
def _bulk_reassign(*, case_ids: list[int], target_id: int, by, note: str) -> list[engine.Move]:
    holders = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "caseworker_id"))
    missing = sorted(set(case_ids) - set(holders))
    if missing:
        raise CaseNotOpen("Some of the cases do not exist.", cases=missing)
    locked = locking.lock_caseworkers({target_id, *(h for h in holders.values() if h)})
    cases = list(Case.objects.select_for_update().filter(pk__in=case_ids).order_by("pk"))
    if any(c.caseworker_id != holders[c.pk] for c in cases):
        raise locking.Retry()  # a case changed hands between the read and the locks
    target = locked.get(target_id)
    if target is None:
        raise NotEligible("That caseworker does not exist.")
    to_move = [c for c in cases if c.caseworker_id != target_id]
    team = target_team(target=target)
    for case in to_move:
        if case.status != CaseStatus.OPEN:
            raise CaseNotOpen("Only open cases can be moved together.", case=case.pk)
        _check_can_receive(case=case, target=target, team=team, count=len(to_move))
    if target.open_cases + len(to_move) > target.cap:
        raise CapacityExceeded(f"{target.full_name} has room for {max(0, target.cap - target.open_cases)} more.")
    moves = [engine.Move(c.pk, c.caseworker_id, target_id) for c in to_move]
    _apply_moves(moves=moves, by=by, reason=AssignmentReason.REASSIGNMENT, note=note)
    return moves
