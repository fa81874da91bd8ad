"""The weighted cap under real concurrency: PostgreSQL, real threads, one connection each.

Policy weights simple 0.5, complex 1, very complex 2. The helpers (threads that start at a
barrier, each on its own server backend, and the proof that they overlapped) are
`test_concurrency`'s.
"""

from __future__ import annotations

import os
import random
import threading
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from allocation import locking, rebalancing, rules, services
from allocation.reconcile import caseload_drift
from allocation.tests.test_concurrency import (
    assert_one_current_assignment_per_open_case,
    assert_really_concurrent,
    make_citizens,
    run_concurrently,
)
from cases.models import Case, CaseStatus
from staff.models import Caseworker, CaseworkerStatus, Complexity
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROLE = "flere_skal_med"
WEIGHTS = {"simple": Decimal("0.5"), "complex": Decimal("1"), "very_complex": Decimal("2")}
COMPLEXITIES = list(Complexity.values)
# The issue asks for the exact variant (200 very complex intakes, 50 weighted slots) "20
# times": 20 rounds by default (JOBCENTER_WEIGHT_EXACT_ROUNDS for more or fewer). A round of
# 200 intakes takes several seconds on two cores, so the mixed variant runs 3 by default
# (JOBCENTER_WEIGHT_ROUNDS; 10 were run when these tests were written).
EXACT_ROUNDS = int(os.environ.get("JOBCENTER_WEIGHT_EXACT_ROUNDS", "20"))
ROUNDS = int(os.environ.get("JOBCENTER_WEIGHT_ROUNDS", "3"))


def _weigh_the_role():
    services.policy_update(role=ROLE, weights=WEIGHTS)


def loads(jobcenter) -> list[tuple[int, int, int, int]]:
    """(id, maintained load, real load: the open cases' weights, cap) in hundredths."""
    rows = Caseworker.objects.filter(team__jobcenter=jobcenter).annotate(
        real=Coalesce(Sum("cases__weight_hundredths", filter=Q(cases__status=CaseStatus.OPEN)), 0)
    )
    return [
        (pk, load, real, cap * 100) for pk, load, real, cap in rows.values_list("pk", "load_hundredths", "real", "cap")
    ]


def assert_queue_only_without_room(jobcenter) -> None:
    """A case waits only while nobody in its pool may take a case of its complexity."""
    queued = Case.objects.filter(jobcenter=jobcenter, status=CaseStatus.QUEUED)
    for programme, complexity in set(queued.values_list("programme", "complexity")):
        with_room = Caseworker.objects.filter(
            rules.takes_a_case_q(complexity=complexity), team__jobcenter=jobcenter, team__unit_type=programme
        )
        assert not with_room.exists(), f"{programme}/{complexity} queued while {list(with_room)} have room"


def _pool(round_no: int):
    """Caps whose halves (rounded down) sum to 50: 50 very complex cases fit, and the odd
    caps leave 1.00 of room that a very complex case (2.00) never fits into."""
    _weigh_the_role()
    jobcenter = JobcenterFactory()
    team = TeamFactory(jobcenter=jobcenter, name=f"Vægt {round_no}")
    sibling = TeamFactory(jobcenter=jobcenter, name=f"Vægt B {round_no}")
    caps = [3, 5, 7, 8, 10, 12, 14, 16, 19, 11]
    assert sum(cap // 2 for cap in caps) == 50
    for i, cap in enumerate(caps):
        CaseworkerFactory(team=(team, sibling)[i % 2], cap_override=cap)
    away = CaseworkerFactory(team=team, cap_override=10)
    Caseworker.objects.filter(pk=away.pk).update(status=CaseworkerStatus.ON_LEAVE)
    closed_door = CaseworkerFactory(team=team, cap_override=10)
    Caseworker.objects.filter(pk=closed_door.pk).update(accepting_new_cases=False)
    CaseworkerFactory(team=sibling, cap_override=0)
    assert set(
        Caseworker.objects.filter(team__jobcenter=jobcenter).values_list("weight_very_complex_hundredths", flat=True)
    ) == {200}
    return jobcenter


def _intakes(citizens, complexities):
    return [
        (lambda c=c, k=k: services.case_create(citizen=c, programme=ROLE, target_group="aktivitetsparat", complexity=k))
        for c, k in zip(citizens, complexities, strict=True)
    ]


def _check_pool(jobcenter, citizens, run, round_no):
    assert run.errors == [] and run.refusals == 0, f"round {round_no}: {run.errors[:1]!r}"
    assert_really_concurrent(run)
    assert [row for row in loads(jobcenter) if row[1] > row[3]] == [], "somebody above cap"
    assert [row for row in loads(jobcenter) if row[1] != row[2]] == [], "load != the open cases' weights"
    assert caseload_drift() == []
    assert_one_current_assignment_per_open_case(jobcenter)
    assert_queue_only_without_room(jobcenter)
    assert (
        Case.objects.filter(citizen__in=citizens).exclude(status__in=[CaseStatus.OPEN, CaseStatus.QUEUED]).count() == 0
    )


def test_200_simultaneous_very_complex_intakes_fill_exactly_50_weighted_slots_in_every_round():
    for round_no in range(EXACT_ROUNDS):
        jobcenter = _pool(round_no)
        citizens = make_citizens(jobcenter, 200)
        run = run_concurrently(_intakes(citizens, ["very_complex"] * 200))
        _check_pool(jobcenter, citizens, run, round_no)
        new_cases = Case.objects.filter(citizen__in=citizens)
        assert new_cases.filter(status=CaseStatus.OPEN).count() == 50, f"round {round_no}"
        assert new_cases.filter(status=CaseStatus.QUEUED).count() == 150, f"round {round_no}"
        assert set(new_cases.filter(status=CaseStatus.OPEN).values_list("weight_hundredths", flat=True)) == {200}


def test_200_simultaneous_intakes_of_mixed_complexity_in_every_round():
    rng = random.Random(20261202)
    for round_no in range(ROUNDS):
        jobcenter = _pool(round_no)
        citizens = make_citizens(jobcenter, 200)
        complexities = rng.choices(COMPLEXITIES, weights=[3, 5, 2], k=200)
        run = run_concurrently(_intakes(citizens, complexities))
        _check_pool(jobcenter, citizens, run, round_no)
        opened = Case.objects.filter(citizen__in=citizens, status=CaseStatus.OPEN)
        assert opened.exists() and Case.objects.filter(citizen__in=citizens, status=CaseStatus.QUEUED).exists()
        # every open case weighs what its complexity weighs in the policy
        for complexity, weight in opened.values_list("complexity", "weight_hundredths"):
            assert weight == int(WEIGHTS[complexity] * 100)


def test_mixed_weighted_traffic_stays_within_cap_except_by_heavier_complexity_and_never_drifts(monkeypatch):
    rng = random.Random(20261203)
    _weigh_the_role()
    leader = UserFactory()
    jobcenter = JobcenterFactory()
    teams = [TeamFactory(jobcenter=jobcenter) for _ in range(3)]
    workers = [CaseworkerFactory(team=teams[i % 3], cap_override=rng.randint(3, 7)) for i in range(12)]
    first = make_citizens(jobcenter, 40)
    for citizen in first:
        services.case_create(citizen=citizen, programme=ROLE, complexity=rng.choice(COMPLEXITIES))
    assert [row for row in loads(jobcenter) if row[1] > row[3]] == []
    case_ids = list(Case.objects.filter(jobcenter=jobcenter).values_list("pk", flat=True))
    worker_ids = [w.pk for w in workers]
    citizens = make_citizens(jobcenter, 70)

    # What each complexity change added to its holder's load, counted once it commits (under
    # the holder's lock, so exact): the only way past a cap.
    heavier: dict[int, int] = defaultdict(int)
    record_lock, recording = threading.Lock(), threading.local()
    shift_counters = locking.shift_counters

    def recorded_shift(deltas):
        if getattr(recording, "on", False):
            for pk, (count, load) in deltas.items():
                if count == 0 and load > 0:
                    transaction.on_commit(lambda pk=pk, load=load: _credit(pk, load))
        return shift_counters(deltas)

    def _credit(pk, load):
        with record_lock:
            heavier[pk] += load

    monkeypatch.setattr(locking, "shift_counters", recorded_shift)

    def intake(citizen, complexity):
        return lambda: services.case_create(citizen=citizen, programme=ROLE, complexity=complexity)

    def close():
        services.case_close(case=Case.objects.get(pk=rng.choice(case_ids)), outcome="job", by=leader)

    def reassign():
        case, target = Case.objects.get(pk=rng.choice(case_ids)), Caseworker.objects.get(pk=rng.choice(worker_ids))
        services.case_reassign(case=case, caseworker=target, reason="load", by=leader)

    def set_complexity():
        recording.on = True
        try:
            case = Case.objects.get(pk=rng.choice(case_ids))
            services.case_set_complexity(case=case, complexity=rng.choice(COMPLEXITIES), by=leader)
        finally:
            recording.on = False

    def rebalance():
        rebalancing.rebalance_apply(team=rng.choice(teams), by=leader, spill_over=rng.random() < 0.5)

    jobs = [intake(c, rng.choice(COMPLEXITIES)) for c in citizens]
    jobs += [close] * 25 + [reassign] * 40 + [set_complexity] * 50 + [rebalance] * 15
    rng.shuffle(jobs)

    run = run_concurrently(jobs)

    assert run.errors == [], f"{len(run.errors)} errors, first: {run.errors[:1]!r}"
    assert_really_concurrent(run)
    assert sum(heavier.values()) > 0, "no complexity change made a case heavier; the test would prove less"
    for pk, load, real, cap in loads(jobcenter):
        assert load == real
        assert load <= cap + heavier[pk], f"caseworker {pk}: load {load}, cap {cap}, made heavier by {heavier[pk]}"
    assert caseload_drift() == []
    assert_one_current_assignment_per_open_case(jobcenter)
    counts = Case.objects.filter(jobcenter=jobcenter).aggregate(n=Count("pk"))
    assert counts["n"] == 110
