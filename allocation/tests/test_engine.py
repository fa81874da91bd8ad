"""The pure decision and the rebalancing plan: plain dataclasses, no database."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.engine import (
    Candidate,
    HeldCase,
    Member,
    choose_caseworker,
    load_key,
    plan_rebalance,
    rank_caseworkers,
)

ON_LEAVE = "on_leave"


# --- choose_caseworker: examples -------------------------------------------------------


def test_continuity_wins_over_a_lower_load():
    # given the citizen's earlier caseworker is busier than another
    earlier = Candidate(id=7, cap=45, open_cases=40)
    idle = Candidate(id=3, cap=45, open_cases=0)
    # when a case arrives
    decision = choose_caseworker([idle, earlier], earlier_caseworker_ids=[7])
    # then it goes back to the earlier caseworker, marked as continuity
    assert (decision.caseworker_id, decision.continuity) == (7, True)


def test_only_the_most_recent_earlier_caseworker_counts():
    older = Candidate(id=1, cap=45, open_cases=0)
    most_recent_full = Candidate(id=2, cap=45, open_cases=45)
    other = Candidate(id=3, cap=45, open_cases=1)
    decision = choose_caseworker([older, most_recent_full, other], earlier_caseworker_ids=[2, 1])
    # the most recent one is full: no continuity, and the older one is not preferred for it
    assert decision.continuity is False
    assert decision.caseworker_id == 1  # lowest load, not because it was earlier


def test_continuity_needs_the_earlier_caseworker_to_be_eligible():
    on_leave = Candidate(id=1, cap=45, open_cases=0, status=ON_LEAVE)
    closed_door = Candidate(id=2, cap=45, open_cases=0, accepting_new_cases=False)
    free = Candidate(id=3, cap=45, open_cases=10)
    assert choose_caseworker([on_leave, free], [1]).caseworker_id == 3
    assert choose_caseworker([closed_door, free], [2]).caseworker_id == 3


def test_lowest_ratio_with_exact_fractions():
    # 1/3 < 0.3334 as a float would be a tie-breaking hazard; the engine compares exactly
    a = Candidate(id=1, cap=3, open_cases=1)  # 1/3
    b = Candidate(id=2, cap=10000, open_cases=3334)  # 0.3334
    c = Candidate(id=3, cap=9999, open_cases=3333)  # exactly 1/3, more open cases
    assert load_key(a) < load_key(b)
    assert load_key(a)[0] == load_key(c)[0] == Fraction(1, 3)
    assert choose_caseworker([b, c, a]).caseworker_id == 1


def test_ratio_beats_absolute_count():
    # a half-time caseworker with 10 of 22 (0.45) is less loaded than 30 of 45 (0.67)
    half = Candidate(id=9, cap=22, open_cases=10)
    full = Candidate(id=1, cap=45, open_cases=30)
    assert choose_caseworker([full, half]).caseworker_id == 9


def test_ties_fewer_open_cases_then_lower_id():
    # equal ratio 1/2: fewer open cases wins
    assert choose_caseworker([Candidate(1, 50, 25), Candidate(2, 10, 5)]).caseworker_id == 2
    # equal ratio and open cases: lower id wins, whatever the input order
    assert choose_caseworker([Candidate(8, 45, 3), Candidate(4, 45, 3)]).caseworker_id == 4


def test_cap_zero_never_receives():
    assert choose_caseworker([Candidate(1, 0, 0)]).queued
    assert choose_caseworker([Candidate(1, 0, 0), Candidate(2, 1, 0)]).caseworker_id == 2
    assert choose_caseworker([Candidate(1, 0, 0)], earlier_caseworker_ids=[1]).queued


def test_on_leave_and_not_accepting_never_receive():
    assert choose_caseworker([Candidate(1, 45, 0, status=ON_LEAVE)]).queued
    assert choose_caseworker([Candidate(1, 45, 0, accepting_new_cases=False)]).queued


def test_queued_when_nobody_has_room():
    full = [Candidate(1, 45, 45), Candidate(2, 25, 30), Candidate(3, 1, 1)]
    decision = choose_caseworker(full, earlier_caseworker_ids=[2])
    assert decision.queued and decision.caseworker_id is None and not decision.continuity
    assert choose_caseworker([]).queued


def test_ranking_starts_with_the_decision_and_lists_only_the_eligible():
    candidates = [Candidate(1, 45, 40), Candidate(2, 45, 0), Candidate(3, 45, 45), Candidate(4, 45, 1, status=ON_LEAVE)]
    ranking = rank_caseworkers(candidates, earlier_caseworker_ids=[1])
    assert [d.caseworker_id for d in ranking] == [1, 2]
    assert ranking[0] == choose_caseworker(candidates, [1])
    assert [d.continuity for d in ranking] == [True, False]


# --- choose_caseworker: properties -------------------------------------------------------

candidate_fields = st.tuples(
    st.integers(min_value=0, max_value=120),  # cap
    st.integers(min_value=0, max_value=150),  # open cases
    st.sampled_from(["active", "active", "active", ON_LEAVE]),
    st.booleans() | st.just(True),
)


@st.composite
def pools(draw):
    fields = draw(st.lists(candidate_fields, max_size=25))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=len(fields), max_size=len(fields), unique=True))
    candidates = [Candidate(pk, cap, n, status, accepting) for pk, (cap, n, status, accepting) in zip(ids, fields)]
    known = st.sampled_from(ids) if ids else st.integers(1, 99)
    earlier = draw(st.lists(known | st.integers(1, 10_000), max_size=3))
    return candidates, earlier


def _eligible(c: Candidate) -> bool:
    return c.status == "active" and c.accepting_new_cases and c.open_cases < c.cap


@given(pools())
def test_the_choice_is_always_eligible(pool):
    candidates, earlier = pool
    decision = choose_caseworker(candidates, earlier)
    if decision.queued:
        assert not any(_eligible(c) for c in candidates)
    else:
        chosen = next(c for c in candidates if c.id == decision.caseworker_id)
        assert _eligible(chosen)


@given(pools())
def test_no_eligible_candidate_has_a_strictly_smaller_key(pool):
    candidates, earlier = pool
    decision = choose_caseworker(candidates, earlier)
    if decision.queued or decision.continuity:
        return
    chosen = next(c for c in candidates if c.id == decision.caseworker_id)
    exact = (Fraction(chosen.open_cases, chosen.cap), chosen.open_cases, chosen.id)
    for c in candidates:
        if _eligible(c):
            assert exact <= (Fraction(c.open_cases, c.cap), c.open_cases, c.id)


@given(pools())
def test_continuity_exactly_when_the_most_recent_earlier_caseworker_is_eligible(pool):
    candidates, earlier = pool
    decision = choose_caseworker(candidates, earlier)
    by_id = {c.id: c for c in candidates}
    expected = bool(earlier) and earlier[0] in by_id and _eligible(by_id[earlier[0]])
    assert decision.continuity == expected
    if expected:
        assert decision.caseworker_id == earlier[0]


@given(pools(), st.randoms(use_true_random=False))
def test_deterministic_under_permutation(pool, rnd):
    candidates, earlier = pool
    shuffled = list(candidates)
    rnd.shuffle(shuffled)
    assert choose_caseworker(shuffled, earlier) == choose_caseworker(candidates, earlier)
    assert rank_caseworkers(shuffled, earlier) == rank_caseworkers(candidates, earlier)


@given(pools())
def test_ranking_is_the_decision_then_the_rest_in_key_order(pool):
    candidates, earlier = pool
    ranking = rank_caseworkers(candidates, earlier)
    assert (ranking[0] if ranking else choose_caseworker([])) == choose_caseworker(candidates, earlier)
    assert sorted(d.caseworker_id for d in ranking) == sorted(c.id for c in candidates if _eligible(c))
    by_id = {c.id: c for c in candidates}
    rest = ranking[1:] if ranking and ranking[0].continuity else ranking
    keys = [load_key(by_id[d.caseworker_id]) for d in rest]
    assert keys == sorted(keys)


# --- plan_rebalance: examples ------------------------------------------------------------


def held(*times: int, start: int = 0) -> tuple[HeldCase, ...]:
    return tuple(HeldCase(start + i, t) for i, t in enumerate(times))


def test_rebalance_moves_the_most_recently_assigned_cases_first():
    # given a caseworker 2 over cap whose newest cases are 103 (t=9) and 101 (t=7)
    over = Member(
        1, cap=3, cases=(HeldCase(100, 1), HeldCase(101, 7), HeldCase(102, 2), HeldCase(103, 9), HeldCase(104, 3))
    )
    free = Member(2, cap=10)
    plan = plan_rebalance([over, free])
    assert {m.case_id for m in plan.moves} == {103, 101}
    assert all((m.from_caseworker_id, m.to_caseworker_id) == (1, 2) for m in plan.moves)
    assert plan.over_cap_after == 0


def test_rebalance_spreads_by_lowest_ratio_and_reports_the_rest():
    over = Member(1, cap=2, cases=held(*range(8)))  # 6 over
    a = Member(2, cap=4, cases=held(1, 2, start=50))  # room 2
    b = Member(3, cap=2)  # room 2
    plan = plan_rebalance([over, a, b])
    assert len(plan.moves) == 4  # all the room there is
    assert Counter(m.to_caseworker_id for m in plan.moves) == {2: 2, 3: 2}
    assert plan.over_cap_after == 1


def test_rebalance_never_uses_on_leave_not_accepting_or_cap_zero_receivers():
    over = Member(1, cap=0, cases=held(1, 2))
    plan = plan_rebalance(
        [over, Member(2, cap=5, status=ON_LEAVE), Member(3, cap=5, accepting_new_cases=False), Member(4, cap=0)]
    )
    assert plan.moves == ()
    assert plan.over_cap_after == 1


def test_include_on_leave_hands_over_the_whole_caseload():
    away = Member(1, cap=45, status=ON_LEAVE, cases=held(1, 2, 3))
    here = Member(2, cap=45)
    assert plan_rebalance([away, here]).moves == ()
    plan = plan_rebalance([away, here], include_on_leave=True)
    assert sorted(m.case_id for m in plan.moves) == [0, 1, 2]
    assert plan.over_cap_after == 0


def test_spill_over_receivers_never_give():
    over = Member(1, cap=1, cases=held(1, 2, 3))
    other_team_over = Member(2, cap=1, cases=held(1, 2, 3, start=10), gives=False)
    other_team_free = Member(3, cap=5, gives=False)
    plan = plan_rebalance([over, other_team_over, other_team_free])
    assert {m.from_caseworker_id for m in plan.moves} == {1}
    assert {m.to_caseworker_id for m in plan.moves} == {3}
    assert plan.over_cap_after == 0  # only the team's own caseworkers are counted


# --- plan_rebalance: properties ----------------------------------------------------------


@st.composite
def teams(draw):
    size = draw(st.integers(1, 8))
    members, next_case = [], 0
    for pk in range(1, size + 1):
        cap = draw(st.integers(0, 8))
        count = draw(st.integers(0, 12))
        times = draw(st.lists(st.integers(0, 5), min_size=count, max_size=count))
        cases = tuple(HeldCase(next_case + i, t) for i, t in enumerate(times))
        next_case += count
        members.append(
            Member(
                id=pk,
                cap=cap,
                status=draw(st.sampled_from(["active", "active", ON_LEAVE])),
                accepting_new_cases=draw(st.booleans() | st.just(True)),
                cases=cases,
                gives=draw(st.booleans() | st.just(True)),
            )
        )
    return members, draw(st.booleans())


def _gives(m: Member, include_on_leave: bool) -> int:
    if not m.gives:
        return 0
    if include_on_leave and m.status != "active":
        return m.open_cases
    return max(0, m.open_cases - m.cap)


def _receives(m: Member, include_on_leave: bool) -> bool:
    return m.status == "active" and m.accepting_new_cases and _gives(m, include_on_leave) == 0


@settings(max_examples=300)
@given(teams())
def test_rebalance_plan_properties(team):
    members, include_on_leave = team
    plan = plan_rebalance(members, include_on_leave=include_on_leave)
    by_id = {m.id: m for m in members}
    load = {m.id: m.open_cases for m in members}
    moved_cases = [m.case_id for m in plan.moves]
    assert len(moved_cases) == len(set(moved_cases)), "a case moves at most once"
    for move in plan.moves:
        giver, receiver = by_id[move.from_caseworker_id], by_id[move.to_caseworker_id]
        assert move.case_id in {c.id for c in giver.cases}
        assert giver.gives and _gives(giver, include_on_leave) > 0
        assert _receives(receiver, include_on_leave)
        load[giver.id] -= 1
        load[receiver.id] += 1
        assert load[receiver.id] <= receiver.cap, "never pushes a receiver over cap"

    # fewest moves: the excess when the room suffices, else all the room there is
    excess = sum(_gives(m, include_on_leave) for m in members)
    room = sum(max(0, m.cap - m.open_cases) for m in members if _receives(m, include_on_leave))
    assert len(plan.moves) == min(excess, room)

    # each giver gives its most recently assigned cases
    for giver in members:
        given_ids = {m.case_id for m in plan.moves if m.from_caseworker_id == giver.id}
        if not given_ids:
            continue
        newest_first = sorted(giver.cases, key=lambda c: (c.assigned_at, c.id), reverse=True)
        assert given_ids == {c.id for c in newest_first[: len(given_ids)]}

    over_after = sum(1 for m in members if m.gives and load[m.id] > m.cap)
    assert plan.over_cap_after == over_after
    if room >= excess:
        assert over_after == 0
        if include_on_leave:
            assert all(load[m.id] == 0 for m in members if m.gives and m.status != "active")


@given(teams(), st.randoms(use_true_random=False))
def test_rebalance_plan_is_deterministic_under_permutation(team, rnd):
    members, include_on_leave = team
    shuffled = list(members)
    rnd.shuffle(shuffled)
    assert plan_rebalance(shuffled, include_on_leave=include_on_leave) == plan_rebalance(
        members, include_on_leave=include_on_leave
    )
