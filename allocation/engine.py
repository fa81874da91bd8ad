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
class Plus:
    """The sum of two columns of the same row."""

    left: str
    right: str


@dataclass(frozen=True)
class Scaled:
    """A column times a whole number (a cap in cases, as hundredths of a load)."""

    name: str
    factor: int


def value_of(term, row):
    """The value of a field name, `Column`, `Plus` or `Scaled` on `row`; constants as they are."""
    if isinstance(term, str):
        return getattr(row, term)
    if isinstance(term, Column):
        return getattr(row, term.name)
    if isinstance(term, Plus):
        return getattr(row, term.left) + getattr(row, term.right)
    if isinstance(term, Scaled):
        return getattr(row, term.name) * term.factor
    return term


_OPERATORS = {"=": lambda a, b: a == b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}


@dataclass(frozen=True)
class Condition:
    """`field op operand`; `refusal` names why a caseworker who fails it cannot take a case."""

    field: str | Plus
    op: str  # "=", "<" or "<="
    operand: object  # a constant, a Column or a Scaled column
    refusal: str

    def holds(self, row) -> bool:
        left = getattr(row, self.field) if isinstance(self.field, str) else value_of(self.field, row)
        right = self.operand if isinstance(self.operand, str) else value_of(self.operand, row)
        return _OPERATORS[self.op](left, right)


# Refusal codes, in the order the conditions are checked; the interfaces translate them.
ON_LEAVE, NOT_ACCEPTING, FULL = "on_leave", "not_accepting", "full"

# Loads and weights are whole hundredths (a weight has at most two decimals), so the cap
# decision is exact integer arithmetic: `load + weight <= cap`, the cap scaled to hundredths.
# `weight` is what the case in question weighs for that caseworker (the complexity's weight
# in the policy of their role). With every weight 1 this is "open cases < cap", as before.
HUNDREDTHS = 100

TAKES_A_CASE: tuple[Condition, ...] = (
    Condition("status", "=", ACTIVE, ON_LEAVE),
    Condition("accepting_new_cases", "=", True, NOT_ACCEPTING),
    Condition(Plus("load", "weight"), "<=", Scaled("cap", HUNDREDTHS), FULL),
)

# Best first: the lowest ratio load/cap, then the lower load, then fewer open cases, then
# the lower id. A pair is a ratio (numerator, denominator); a cap of 0 never takes a case,
# so it never divides.
RANKING: tuple[str | tuple[str, Scaled], ...] = (("load", Scaled("cap", HUNDREDTHS)), "load", "open_cases", "id")


def refusal(row) -> str | None:
    """Why `row` (anything with the rule's fields) cannot take a new case, or None if it can."""
    return next((c.refusal for c in TAKES_A_CASE if not c.holds(row)), None)


@dataclass(frozen=True)
class Candidate:
    """A caseworker as the rules see them. `load` and `weight` are hundredths; a load left
    out is the count's (every case weighing 1), a weight left out is 1."""

    id: int
    cap: int
    open_cases: int
    status: str = ACTIVE
    accepting_new_cases: bool = True
    load: int | None = None
    weight: int = HUNDREDTHS

    def __post_init__(self):
        if self.load is None:
            object.__setattr__(self, "load", self.open_cases * HUNDREDTHS)

    @property
    def eligible(self) -> bool:
        return refusal(self) is None


@dataclass(frozen=True)
class Decision:
    caseworker_id: int | None
    continuity: bool = False
    # What the case weighs for the caseworker chosen, in hundredths.
    weight: int = HUNDREDTHS

    @property
    def queued(self) -> bool:
        return self.caseworker_id is None


def load_key(candidate) -> tuple:
    """`RANKING` as a sort key, in exact fractions: lower is better, deterministic."""
    key = []
    for part in RANKING:
        if isinstance(part, tuple):
            numerator, denominator = getattr(candidate, part[0]), value_of(part[1], candidate)
            key.append(Fraction(numerator, denominator) if denominator else Fraction(10**12))
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
                return [
                    Decision(candidate.id, continuity=True, weight=candidate.weight),
                    *(Decision(c.id, weight=c.weight) for c in rest),
                ]
    return [Decision(c.id, weight=c.weight) for c in eligible]


def choose_caseworker(candidates: Iterable[Candidate], earlier_caseworker_ids: Sequence[int] = ()) -> Decision:
    """Decide who gets a case.

    `candidates` are the caseworkers of teams in the case's jobcenter whose unit type is
    the case's programme, each with what the case would weigh for them;
    `earlier_caseworker_ids` are the citizen's earlier caseworkers, most recent first. Only
    the most recent one counts for continuity.
    """
    ranking = rank_caseworkers(candidates, earlier_caseworker_ids)
    return ranking[0] if ranking else Decision(None)


# --- Rebalancing -------------------------------------------------------------------


@dataclass(frozen=True)
class HeldCase:
    id: int
    assigned_at: object  # anything orderable; the engine never looks at the clock
    complexity: str = "complex"
    # What the case weighs in its holder's load now, in hundredths.
    weight: int = HUNDREDTHS


@dataclass(frozen=True)
class Member:
    id: int
    cap: int
    status: str = ACTIVE
    accepting_new_cases: bool = True
    cases: tuple[HeldCase, ...] = field(default_factory=tuple)
    # Receivers from other teams (spill-over) take cases but never give any.
    gives: bool = True
    # What a case of each complexity would weigh for this member, in hundredths; a
    # complexity left out weighs 1.
    weights: tuple[tuple[str, int], ...] = ()

    @property
    def open_cases(self) -> int:
        return len(self.cases)

    @property
    def load(self) -> int:
        return sum(case.weight for case in self.cases)

    def weight_of(self, complexity: str) -> int:
        return dict(self.weights).get(complexity, HUNDREDTHS)


@dataclass(frozen=True)
class Move:
    case_id: int
    from_caseworker_id: int
    to_caseworker_id: int
    # What the case weighs for the receiver, in hundredths.
    weight: int = HUNDREDTHS


@dataclass(frozen=True)
class RebalancePlan:
    moves: tuple[Move, ...]
    over_cap_after: int


# How many steps the exact search of a weighted rebalance may take before it settles for
# the best plan it has found (see `plan_rebalance`). Enough for any team of real size; the
# brute-force test's small pools never come near it.
REBALANCE_SEARCH_BUDGET = 20_000


def plan_rebalance(
    members: Sequence[Member], *, include_on_leave: bool = False, budget: int = REBALANCE_SEARCH_BUDGET
) -> RebalancePlan:
    """The fewest moves that bring every giver's load to or below cap.

    Each over-cap caseworker gives (or, with `include_on_leave`, a caseworker on leave gives
    its whole caseload), most recently assigned cases first, so that long relationships stay.
    Each case goes to the active, accepting caseworker with room for its weight and the
    lowest load/cap at that moment; no receiver passes its cap.

    When every case weighs 1 the excess is a count: giving exactly the excess, most recent
    first, is the fewest moves, and a greedy pass is the plan. With weights it is not: two
    heavy cases may do what three light ones do, and a heavy case may fit nowhere. Then an
    exact search (`_WeightedSearch`) minimises, in this order, the caseworkers left over cap
    and the number of moves, preferring the most recent cases among equally few.
    """
    weighted = any(case.weight != HUNDREDTHS for m in members for case in m.cases) or any(
        weight != HUNDREDTHS for m in members for _complexity, weight in m.weights
    )
    if weighted:
        return _WeightedSearch(members, include_on_leave=include_on_leave, budget=budget).plan()
    return _greedy_plan(members, include_on_leave=include_on_leave)


def _must_give(member: Member, include_on_leave: bool) -> int:
    """What `member` must give, in hundredths of load (the whole load for one on leave)."""
    if not member.gives:
        return 0
    if include_on_leave and member.status != ACTIVE:
        return member.load
    return max(0, member.load - member.cap * HUNDREDTHS)


def _recent_first(cases) -> list[HeldCase]:
    return sorted(cases, key=lambda c: (c.assigned_at, c.id), reverse=True)


def _greedy_plan(members: Sequence[Member], *, include_on_leave: bool) -> RebalancePlan:
    load = {m.id: m.open_cases for m in members}
    by_id = {m.id: m for m in members}

    def must_give(m: Member) -> int:
        return _must_give(m, include_on_leave) // HUNDREDTHS

    givers = sorted((m for m in members if must_give(m) > 0), key=lambda m: m.id)
    receivers = [m for m in members if must_give(m) == 0]
    moves: list[Move] = []
    for giver in givers:
        for case in _recent_first(giver.cases)[: must_give(giver)]:
            open_receivers = [c for c in (_as_candidate(r, load[r.id]) for r in receivers) if c.eligible]
            if not open_receivers:
                break
            target = min(open_receivers, key=load_key).id
            moves.append(Move(case.id, giver.id, target))
            load[giver.id] -= 1
            load[target] += 1
    over_after = sum(1 for m in members if m.gives and load[m.id] > by_id[m.id].cap)
    return RebalancePlan(tuple(moves), over_after)


def _as_candidate(member: Member, open_cases: int, load: int | None = None, weight: int = HUNDREDTHS) -> Candidate:
    return Candidate(
        member.id, member.cap, open_cases, member.status, member.accepting_new_cases, load=load, weight=weight
    )


class _BudgetSpent(Exception):
    pass


class _WeightedSearch:
    """Branch and bound over the givers, in id order.

    For each giver the options are the sets of its cases whose weights cover its excess,
    smallest first and, among equally many, the most recent first (combinations in the order
    of recency); then giving up on that giver. A set is taken only if all its cases can be
    placed on receivers with room; every distinct placement is tried (receivers in ranking
    order first), since where one giver's cases go decides what room the next one finds. The
    first complete plan found is the greedy one's shape; the search goes on while a plan with
    fewer caseworkers over cap, or as few and fewer moves, may exist, and stops at the budget
    with the best plan so far. A giver left over cap then still gives what fits, most recent
    first, so that its excess shrinks as in the greedy pass.
    """

    def __init__(self, members: Sequence[Member], *, include_on_leave: bool, budget: int):
        self.members = list(members)
        self.by_id = {m.id: m for m in members}
        self.include_on_leave = include_on_leave
        self.budget = budget
        self.givers = sorted((m for m in members if _must_give(m, include_on_leave) > 0), key=lambda m: m.id)
        giver_ids = {g.id for g in self.givers}
        self.receivers = [m for m in members if m.id not in giver_ids]
        self.load = {m.id: m.load for m in members}
        self.count = {m.id: m.open_cases for m in members}
        # ((over, moves), the moves, the recency key): see `_search`.
        self.best: tuple[tuple[int, int], list[Move], tuple] | None = None
        # The fewest cases each giver could possibly give (its heaviest first), for the bound.
        self.least = [self._least_cases(g) for g in self.givers]

    def plan(self) -> RebalancePlan:
        try:
            self._search(0, 0, 0, [])
        except _BudgetSpent:
            pass
        moves = list(self.best[1]) if self.best else []
        moves += self._residual(moves)
        load = {m.id: m.load for m in self.members}
        for move in moves:
            load[move.from_caseworker_id] -= self._held_weight(move)
            load[move.to_caseworker_id] += move.weight
        over_after = sum(1 for m in self.members if m.gives and load[m.id] > m.cap * HUNDREDTHS)
        return RebalancePlan(tuple(moves), over_after)

    def _held_weight(self, move: Move) -> int:
        return next(c.weight for c in self.by_id[move.from_caseworker_id].cases if c.id == move.case_id)

    def _least_cases(self, giver: Member) -> int:
        need, given = _must_give(giver, self.include_on_leave), 0
        for count, case in enumerate(sorted(giver.cases, key=lambda c: -c.weight), start=1):
            given += case.weight
            if given >= need:
                return count
        return 0  # cannot be covered at all: it will stay over cap

    def _tick(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise _BudgetSpent

    def _search(self, index: int, over: int, moved: int, moves: list[Move], key: tuple = ()) -> None:
        """`key` says, giver by giver, which option was taken: (how many cases, their
        positions newest first), or past every option when the giver was given up. Among
        plans as good, the one with the least key wins: per giver in id order the fewest
        and then the most recent cases, whatever the receivers (the first placement found
        among those of equal key, so the best-ranked receivers)."""
        self._tick()
        if self.best is not None:
            bound = (over, moved + sum(self.least[index:]))
            if bound > self.best[0] or (bound == self.best[0] and key > self.best[2][: len(key)]):
                return
            if index == len(self.givers) and bound == self.best[0] and key == self.best[2]:
                return
        if index == len(self.givers):
            self.best = ((over, moved), list(moves), key)
            return
        giver = self.givers[index]
        for option in self._options(giver):
            for placed in self._placements(giver, option, 0, [], set()):
                for move in placed:
                    self._apply(move, giver, +1)
                self._search(index + 1, over, moved + len(placed), moves + placed, (*key, self._key(giver, option)))
                for move in placed:
                    self._apply(move, giver, -1)
        self._search(index + 1, over + 1, moved, moves, (*key, (len(giver.cases) + 1,)))

    @staticmethod
    def _key(giver: Member, option) -> tuple:
        position = {case.id: i for i, case in enumerate(_recent_first(giver.cases))}
        return (len(option), tuple(sorted(position[case.id] for case in option)))

    def _options(self, giver: Member):
        """Sets of the giver's cases that cover its excess: fewest first, then most recent."""
        cases = _recent_first(giver.cases)
        need = _must_give(giver, self.include_on_leave)
        if self.include_on_leave and giver.status != ACTIVE:
            yield tuple(cases)
            return
        least = self.least[self.givers.index(giver)]
        if not least:
            return
        for size in range(least, len(cases) + 1):
            yield from self._combinations(cases, size, need, 0, ())

    def _combinations(self, cases, size, need, start, chosen):
        if len(chosen) == size:
            if sum(c.weight for c in chosen) >= need:
                yield chosen
            return
        left = size - len(chosen)
        for position in range(start, len(cases) - left + 1):
            self._tick()
            rest = sorted((c.weight for c in cases[position + 1 :]), reverse=True)[: left - 1]
            if sum(c.weight for c in chosen) + cases[position].weight + sum(rest) < need:
                continue
            yield from self._combinations(cases, size, need, position + 1, (*chosen, cases[position]))

    def _receivers_for(self, case: HeldCase) -> list[Candidate]:
        candidates = [
            _as_candidate(r, self.count[r.id], self.load[r.id], r.weight_of(case.complexity)) for r in self.receivers
        ]
        return sorted((c for c in candidates if c.eligible), key=load_key)

    def _placements(self, giver: Member, option, position: int, placed: list[Move], seen: set):
        """Every way to put each case of `option` on a receiver with room, best receivers
        first, one per distinct outcome (the receivers' loads and counts after it): where a
        case goes changes the room left for the givers after this one. Lazily, so that the
        first placement costs what it did when it was the only one tried."""
        if position == len(option):
            outcome = tuple((self.load[r.id], self.count[r.id]) for r in self.receivers)
            if outcome in seen:
                return
            seen.add(outcome)
            # The caller applies the moves itself (`_apply`): hand them over with the
            # receivers as they were, and take the placement back up afterwards.
            self._receive(placed, -1)
            try:
                yield list(placed)
            finally:
                self._receive(placed, +1)
            return
        case = option[position]
        for target in self._receivers_for(case):
            self._tick()
            move = Move(case.id, giver.id, target.id, target.weight)
            self._receive([move], +1)
            try:
                yield from self._placements(giver, option, position + 1, [*placed, move], seen)
            finally:
                self._receive([move], -1)

    def _receive(self, moves: list[Move], sign: int) -> None:
        for move in moves:
            self.load[move.to_caseworker_id] += sign * move.weight
            self.count[move.to_caseworker_id] += sign

    def _apply(self, move: Move, giver: Member, sign: int) -> None:
        held = next(c.weight for c in giver.cases if c.id == move.case_id)
        self.load[giver.id] -= sign * held
        self.count[giver.id] -= sign
        self.load[move.to_caseworker_id] += sign * move.weight
        self.count[move.to_caseworker_id] += sign

    def _residual(self, moves: list[Move]) -> list[Move]:
        """For givers still over cap: what still fits elsewhere, most recent first."""
        load = {m.id: m.load for m in self.members}
        count = {m.id: m.open_cases for m in self.members}
        moved = {move.case_id for move in moves}
        for move in moves:
            load[move.from_caseworker_id] -= self._held_weight(move)
            count[move.from_caseworker_id] -= 1
            load[move.to_caseworker_id] += move.weight
            count[move.to_caseworker_id] += 1
        extra: list[Move] = []
        for giver in self.givers:
            for case in _recent_first(giver.cases):
                if case.id in moved:
                    continue
                leave_all = self.include_on_leave and giver.status != ACTIVE
                if not leave_all and load[giver.id] <= giver.cap * HUNDREDTHS:
                    break
                candidates = [
                    _as_candidate(r, count[r.id], load[r.id], r.weight_of(case.complexity)) for r in self.receivers
                ]
                eligible = [c for c in candidates if c.eligible]
                if not eligible:
                    continue
                target = min(eligible, key=load_key)
                extra.append(Move(case.id, giver.id, target.id, target.weight))
                load[giver.id] -= case.weight
                count[giver.id] -= 1
                load[target.id] += target.weight
                count[target.id] += 1
        return extra
