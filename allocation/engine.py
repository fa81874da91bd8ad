"""The allocation decision and the rebalancing plan: pure Python, no Django, no clock.

Plain dataclasses in, a decision out. The services load the facts, call these functions,
and then make the decision hold in the database (see services/); keeping the decision
here lets it be tested with thousands of plain objects per second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

ACTIVE = "active"


@dataclass(frozen=True)
class Candidate:
    id: int
    cap: int
    open_cases: int
    status: str = ACTIVE
    accepting_new_cases: bool = True

    @property
    def has_room(self) -> bool:
        return self.open_cases < self.cap

    @property
    def eligible(self) -> bool:
        return self.status == ACTIVE and self.accepting_new_cases and self.has_room


@dataclass(frozen=True)
class Decision:
    caseworker_id: int | None
    continuity: bool = False

    @property
    def queued(self) -> bool:
        return self.caseworker_id is None


def load_key(candidate: Candidate) -> tuple[Fraction, int, int]:
    """Lowest open/cap first, then fewer open cases, then lower id (exact, deterministic)."""
    ratio = Fraction(candidate.open_cases, candidate.cap) if candidate.cap else Fraction(10**9)
    return (ratio, candidate.open_cases, candidate.id)


def rank_caseworkers(candidates: Iterable[Candidate], earlier_caseworker_ids: Sequence[int] = ()) -> list[Decision]:
    """Every eligible caseworker, best first: the decision and its runners-up.

    The first is `choose_caseworker`'s decision. The services try the others, in this
    order, only when the better ones are being written by a concurrent transaction at
    that very moment (see `locking.claim_first_free_slot`).
    """
    eligible = sorted((c for c in candidates if c.eligible), key=load_key)
    if earlier_caseworker_ids:
        most_recent = earlier_caseworker_ids[0]
        for position, candidate in enumerate(eligible):
            if candidate.id == most_recent:
                rest = eligible[:position] + eligible[position + 1 :]
                return [Decision(candidate.id, continuity=True), *(Decision(c.id) for c in rest)]
    return [Decision(c.id) for c in eligible]


def choose_caseworker(candidates: Iterable[Candidate], earlier_caseworker_ids: Sequence[int] = ()) -> Decision:
    """Decide who gets a case.

    `candidates` are the caseworkers of teams in the case's jobcenter whose unit type is
    the case's programme; `earlier_caseworker_ids` are the citizen's earlier caseworkers,
    most recent first. Only the most recent one counts for continuity.
    """
    ranking = rank_caseworkers(candidates, earlier_caseworker_ids)
    return ranking[0] if ranking else Decision(None)


# --- Rebalancing -------------------------------------------------------------------


@dataclass(frozen=True)
class HeldCase:
    id: int
    assigned_at: object  # anything orderable; the engine never looks at the clock


@dataclass(frozen=True)
class Member:
    id: int
    cap: int
    status: str = ACTIVE
    accepting_new_cases: bool = True
    cases: tuple[HeldCase, ...] = field(default_factory=tuple)
    # Receivers from other teams (spill-over) take cases but never give any.
    gives: bool = True

    @property
    def open_cases(self) -> int:
        return len(self.cases)


@dataclass(frozen=True)
class Move:
    case_id: int
    from_caseworker_id: int
    to_caseworker_id: int


@dataclass(frozen=True)
class RebalancePlan:
    moves: tuple[Move, ...]
    over_cap_after: int


def plan_rebalance(members: Sequence[Member], *, include_on_leave: bool = False) -> RebalancePlan:
    """The fewest moves that bring every giver to or below cap.

    Each over-cap caseworker gives exactly its excess (or, with `include_on_leave`, a
    caseworker on leave gives its whole caseload), most recently assigned cases first, so
    that long relationships stay. Each case goes to the active, accepting caseworker with
    room and the lowest open/cap ratio at that moment; no receiver passes its cap.
    """
    load = {m.id: m.open_cases for m in members}
    by_id = {m.id: m for m in members}

    def must_give(m: Member) -> int:
        if not m.gives:
            return 0
        if include_on_leave and m.status != ACTIVE:
            return m.open_cases
        return max(0, m.open_cases - m.cap)

    givers = sorted((m for m in members if must_give(m) > 0), key=lambda m: m.id)
    receivers = [m for m in members if m.status == ACTIVE and m.accepting_new_cases and must_give(m) == 0]
    moves: list[Move] = []
    for giver in givers:
        to_give = sorted(giver.cases, key=lambda c: (c.assigned_at, c.id), reverse=True)[: must_give(giver)]
        for case in to_give:
            open_receivers = [Candidate(r.id, r.cap, load[r.id]) for r in receivers if load[r.id] < r.cap]
            if not open_receivers:
                break
            target = min(open_receivers, key=load_key).id
            moves.append(Move(case.id, giver.id, target))
            load[giver.id] -= 1
            load[target] += 1
    over_after = sum(1 for m in members if m.gives and load[m.id] > by_id[m.id].cap)
    return RebalancePlan(tuple(moves), over_after)
