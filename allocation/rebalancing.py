"""Rebalancing a team, and bulk reassignment: plans from the engine, applied atomically."""

from __future__ import annotations

from collections import Counter

from django.db.models import F
from django.utils import timezone

from cases.models import Case, CaseStatus
from staff.models import Caseworker, Team

from . import engine, locking
from .errors import CapacityExceeded
from .models import AssignmentReason, CaseAssignment
from .services import _after_capacity_rose, _check_can_receive


def _members(*, team: Team, spill_over: bool) -> list[engine.Member]:
    workers = Caseworker.objects.filter(team=team)
    if spill_over:
        workers = Caseworker.objects.filter(team__jobcenter_id=team.jobcenter_id, team__unit_type=team.unit_type)
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
    scope = Caseworker.objects.filter(team=team)
    if spill_over:
        scope = Caseworker.objects.filter(team__jobcenter_id=team.jobcenter_id, team__unit_type=team.unit_type)
    locking.lock_caseworkers(scope.values_list("pk", flat=True))
    plan = rebalance_plan(team=team, include_on_leave=include_on_leave, spill_over=spill_over)
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
    moved = _bulk_reassign(case_ids=sorted(set(case_ids)), target_id=caseworker.pk, by=by, note=note)
    _after_capacity_rose(caseworker_ids={m.from_caseworker_id for m in moved})
    return list(Case.objects.filter(pk__in=[m.case_id for m in moved]))


@locking.retry_on_conflict()
def _bulk_reassign(*, case_ids: list[int], target_id: int, by, note: str) -> list[engine.Move]:
    holders = set(Case.objects.filter(pk__in=case_ids).values_list("caseworker_id", flat=True))
    locked = locking.lock_caseworkers({target_id, *(h for h in holders if h)})
    cases = list(Case.objects.select_for_update().filter(pk__in=case_ids).order_by("pk"))
    target = locked[target_id]
    to_move = [c for c in cases if c.caseworker_id != target_id]
    for case in to_move:
        if case.status != CaseStatus.OPEN or case.caseworker_id not in locked:
            from .errors import CaseNotOpen

            raise CaseNotOpen("Only open cases can be moved together.", case=case.pk)
        _check_can_receive(case=case, target=target, count=len(to_move))
    if target.open_cases + len(to_move) > target.cap:
        raise CapacityExceeded(f"{target.full_name} has room for {max(0, target.cap - target.open_cases)} more.")
    moves = [engine.Move(c.pk, c.caseworker_id, target_id) for c in to_move]
    _apply_moves(moves=moves, by=by, reason=AssignmentReason.REASSIGNMENT, note=note)
    return moves
