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


# --- The rules, written once ---------------------------------------------------------------
#
# Who may take a new case and who takes it first are data, here, in the pure engine. The
# engine evaluates them on plain objects; `allocation.rules` renders the same data as an
# ORM filter and as SQL for the statements that run on every intake (`intake.py`,
# `services/choosing.py`, `locking.py`). A property test (`tests/test_rules.py`) proves that
# the three renderings agree on random caseworkers.


@dataclass(frozen=True)
class Column:
    """Another column of the same row, as the operand of a condition."""

    name: str


@dataclass(frozen=True)
class Condition:
    """`field op operand`; `refusal` names why a caseworker who fails it cannot take a case."""

    field: str
    op: str  # "=" or "<"
    operand: object  # a constant, or a Column
    refusal: str

    def holds(self, row) -> bool:
        left = getattr(row, self.field)
        right = getattr(row, self.operand.name) if isinstance(self.operand, Column) else self.operand
        return left == right if self.op == "=" else left < right


# Refusal codes, in the order the conditions are checked; the interfaces translate them.
ON_LEAVE, NOT_ACCEPTING, FULL = "on_leave", "not_accepting", "full"

TAKES_A_CASE: tuple[Condition, ...] = (
    Condition("status", "=", ACTIVE, ON_LEAVE),
    Condition("accepting_new_cases", "=", True, NOT_ACCEPTING),
    Condition("open_cases", "<", Column("cap"), FULL),
)

# Best first: the lowest ratio open/cap, then fewer open cases, then the lower id. A pair is
# a ratio (numerator, denominator); a cap of 0 never takes a case, so it never divides.
RANKING: tuple[str | tuple[str, str], ...] = (("open_cases", "cap"), "open_cases", "id")


def refusal(row) -> str | None:
    """Why `row` (anything with the rule's fields) cannot take a new case, or None if it can."""
    return next((c.refusal for c in TAKES_A_CASE if not c.holds(row)), None)


@dataclass(frozen=True)
class Candidate:
    id: int
    cap: int
    open_cases: int
    status: str = ACTIVE
    accepting_new_cases: bool = True

    @property
    def eligible(self) -> bool:
        return refusal(self) is None


@dataclass(frozen=True)
class Decision:
    caseworker_id: int | None
    continuity: bool = False

    @property
    def queued(self) -> bool:
        return self.caseworker_id is None


def load_key(candidate) -> tuple:
    """`RANKING` as a sort key, in exact fractions: lower is better, deterministic."""
    key = []
    for part in RANKING:
        if isinstance(part, tuple):
            numerator, denominator = (getattr(candidate, name) for name in part)
            key.append(Fraction(numerator, denominator) if denominator else Fraction(10**9))
        else:
            key.append(getattr(candidate, part))
    return tuple(key)


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
    receivers = [m for m in members if must_give(m) == 0]
    moves: list[Move] = []
    for giver in givers:
        to_give = sorted(giver.cases, key=lambda c: (c.assigned_at, c.id), reverse=True)[: must_give(giver)]
        for case in to_give:
            open_receivers = [c for c in (_as_candidate(r, load[r.id]) for r in receivers) if c.eligible]
            if not open_receivers:
                break
            target = min(open_receivers, key=load_key).id
            moves.append(Move(case.id, giver.id, target))
            load[giver.id] -= 1
            load[target] += 1
    over_after = sum(1 for m in members if m.gives and load[m.id] > by_id[m.id].cap)
    return RebalancePlan(tuple(moves), over_after)


def _as_candidate(member: Member, open_cases: int) -> Candidate:
    return Candidate(member.id, member.cap, open_cases, member.status, member.accepting_new_cases)
