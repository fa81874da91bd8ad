"""Rebalancing a team: a plan from the engine, applied atomically."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from cases.models import Case, CaseStatus
from casework import services as casework_services
from staff.models import Caseworker, Complexity, Team, weight_column

from . import engine, locking, new_cases
from .models import AssignmentReason, CaseAssignment


def _scope(*, team: Team, spill_over: bool):
    if spill_over:
        return Caseworker.objects.filter(team__jobcenter_id=team.jobcenter_id, team__unit_type=team.unit_type)
    return Caseworker.objects.filter(team=team)


def _members(*, team: Team, spill_over: bool, only_ids=None) -> list[engine.Member]:
    workers = _scope(team=team, spill_over=spill_over)
    if only_ids is not None:
        workers = workers.filter(pk__in=list(only_ids))
    weights = [weight_column(complexity) for complexity in Complexity.values]
    rows = list(workers.values_list("id", "cap", "status", "accepting_new_cases", "team_id", *weights).order_by("id"))
    held: dict[int, list[engine.HeldCase]] = {row[0]: [] for row in rows}
    open_cases = Case.objects.filter(status=CaseStatus.OPEN, caseworker_id__in=list(held)).values_list(
        "id", "caseworker_id", "assigned_at", "complexity", "weight_hundredths"
    )
    for case_id, caseworker_id, assigned_at, complexity, weight in open_cases:
        held[caseworker_id].append(engine.HeldCase(case_id, assigned_at, complexity, weight))
    return [
        engine.Member(
            id=pk,
            cap=cap,
            status=status,
            accepting_new_cases=accepting,
            cases=tuple(held[pk]),
            gives=(team_id == team.pk),
            weights=tuple(zip(Complexity.values, by_complexity, strict=True)),
        )
        for pk, cap, status, accepting, team_id, *by_complexity in rows
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
    if plan.moves:
        new_cases.after_commit()  # one digest per receiving caseworker, after the commit
    return plan


def _apply_moves(*, moves, by, reason: str, note: str = "") -> None:
    """Carry out moves whose caseworker rows the caller has locked: the case rows next, in
    primary-key order (locking.py's order), then the assignments and the counters."""
    if not moves:
        return
    now = timezone.now()
    case_ids = [m.case_id for m in moves]
    cases = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=case_ids).order_by("pk")}
    CaseAssignment.objects.filter(case_id__in=case_ids, ended_at__isnull=True).update(ended_at=now)
    delta: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for move in moves:
        case = cases[move.case_id]
        delta[move.from_caseworker_id][0] -= 1
        delta[move.from_caseworker_id][1] -= case.weight_hundredths
        delta[move.to_caseworker_id][0] += 1
        delta[move.to_caseworker_id][1] += move.weight
        case.caseworker_id, case.assigned_at, case.weight_hundredths = move.to_caseworker_id, now, move.weight
    Case.objects.bulk_update(cases.values(), ["caseworker", "assigned_at", "weight_hundredths"])
    CaseAssignment.objects.bulk_create(
        CaseAssignment(
            case_id=m.case_id, caseworker_id=m.to_caseworker_id, assigned_at=now, reason=reason, by=by, note=note
        )
        for m in moves
    )
    locking.shift_counters({pk: (count, load) for pk, (count, load) in delta.items()})
    # Their planned meetings go with them.
    by_receiver = defaultdict(list)
    for move in moves:
        by_receiver[move.to_caseworker_id].append(move.case_id)
    for receiver_id, moved_case_ids in sorted(by_receiver.items()):
        casework_services.meetings_follow_case(case_ids=moved_case_ids, caseworker_id=receiver_id)
