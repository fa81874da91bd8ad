"""The guarantee under real concurrency: PostgreSQL, real threads, one connection each.

Every worker thread opens its own connection (Django's connections are per thread),
waits at a barrier so that all of them start together, and closes its connection at the
end. Each test also proves that the transactions really overlapped on distinct server
backends, so that a passing test cannot be the product of accidental serialisation.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, F, Q

from allocation import rebalancing, services
from allocation.errors import AllocationError
from allocation.reconcile import caseload_drift
from allocation.tests.factories import open_case
from cases import cpr
from cases.models import Case, CaseStatus, Citizen
from cases.tests.factories import synthetic_cpr
from staff.models import Caseworker, CaseworkerStatus
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 32  # PostgreSQL's max_connections is 100 and other suites share the server


@dataclass
class Run:
    errors: list[BaseException] = field(default_factory=list)
    refusals: int = 0
    backends: set[int] = field(default_factory=set)
    spans: list[tuple[float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def overlapped(self) -> int:
        """The largest number of operations that were in flight at the same instant."""
        events = sorted([(s, 1) for s, _ in self.spans] + [(e, -1) for _, e in self.spans])
        depth = best = 0
        for _, step in events:
            depth += step
            best = max(best, depth)
        return best


def run_concurrently(jobs: list[Callable[[], object]], *, threads: int = THREADS) -> Run:
    """Run the jobs on `threads` threads that start together; domain refusals are counted,
    anything else (a deadlock, an integrity error) is collected as an error."""
    work: queue.Queue = queue.Queue()
    for job in jobs:
        work.put(job)
    run = Run()
    barrier = threading.Barrier(threads)

    def worker():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            with run.lock:
                run.backends.add(pid)
            barrier.wait(timeout=60)
            while True:
                try:
                    job = work.get_nowait()
                except queue.Empty:
                    return
                start = time.perf_counter()
                try:
                    job()
                except AllocationError:
                    with run.lock:
                        run.refusals += 1
                except BaseException as error:  # collected and reported by the test
                    with run.lock:
                        run.errors.append(error)
                with run.lock:
                    run.spans.append((start, time.perf_counter()))
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in pool), "a worker hung"
    return run


def assert_really_concurrent(run: Run, threads: int = THREADS) -> None:
    assert len(run.backends) == threads, "every thread must have its own server backend"
    assert run.overlapped() >= 4, "the operations did not overlap; the test would prove nothing"


def make_citizens(jobcenter, count: int) -> list[Citizen]:
    numbers = [cpr.parse(synthetic_cpr()) for _ in range(count)]
    Citizen.objects.bulk_create(
        Citizen(
            jobcenter=jobcenter,
            name=f"Borger {i}",
            cpr=n.number,
            cpr_digest=cpr.digest(n.number),
            birth_date=n.birth_date,
        )
        for i, n in enumerate(numbers)
    )
    return list(Citizen.objects.filter(jobcenter=jobcenter).order_by("-pk")[:count])


def real_loads(jobcenter) -> list[tuple[int, int, int]]:
    """(id, real open cases, cap) of every caseworker of the jobcenter."""
    return list(
        Caseworker.objects.filter(team__jobcenter=jobcenter)
        .annotate(real=Count("cases", filter=Q(cases__status=CaseStatus.OPEN)))
        .values_list("pk", "real", "cap")
    )


def assert_one_current_assignment_per_open_case(jobcenter) -> None:
    cases = Case.objects.filter(jobcenter=jobcenter).annotate(
        current=Count("assignments", filter=Q(assignments__ended_at__isnull=True))
    )
    assert not cases.filter(status=CaseStatus.OPEN).exclude(current=1).exists()
    assert not cases.exclude(status=CaseStatus.OPEN).exclude(current=0).exists()


def assert_queue_only_without_room(jobcenter) -> None:
    for programme in set(
        Case.objects.filter(jobcenter=jobcenter, status=CaseStatus.QUEUED).values_list("programme", flat=True)
    ):
        with_room = Caseworker.objects.filter(
            team__jobcenter=jobcenter,
            team__unit_type=programme,
            status=CaseworkerStatus.ACTIVE,
            accepting_new_cases=True,
            open_cases__lt=F("cap"),
        )
        assert not with_room.exists(), f"{programme} has queued cases while {list(with_room)} have room"


# --- 200 simultaneous intakes against 50 free slots, 20 times -------------------------------


def _pool_with_fifty_free_slots(round_no: int):
    jobcenter = JobcenterFactory()
    team = TeamFactory(jobcenter=jobcenter, name=f"Flere skal med {round_no}")
    sibling = TeamFactory(jobcenter=jobcenter, name=f"Flere skal med B {round_no}")
    caps = [3, 4, 5, 5, 6, 7, 8, 9]  # 47 slots
    workers = [CaseworkerFactory(team=(team, sibling)[i % 2], cap_override=cap) for i, cap in enumerate(caps)]
    # 5 of them are taken already, so 42 are free; a half-time caseworker adds 8 more (50)
    preloaded = [open_case(jobcenter=jobcenter, programme="flere_skal_med") for _ in range(5)]
    CaseworkerFactory(team=sibling, cap_override=8, fte=Decimal("0.5"))
    # ... and none of these may receive anything
    away = CaseworkerFactory(team=team, cap_override=10)
    Caseworker.objects.filter(pk=away.pk).update(status=CaseworkerStatus.ON_LEAVE)
    closed_door = CaseworkerFactory(team=team, cap_override=10)
    Caseworker.objects.filter(pk=closed_door.pk).update(accepting_new_cases=False)
    CaseworkerFactory(team=sibling, cap_override=0)
    CaseworkerFactory(team=TeamFactory(jobcenter=jobcenter, unit_type="psychiatric"), cap_override=10)
    free = sum(w.cap - w.open_cases for w in Caseworker.objects.filter(team__in=[team, sibling]) if w.is_available)
    assert free == 50
    return jobcenter, len(preloaded), workers


def test_200_simultaneous_intakes_against_50_free_slots_20_times():
    # One test, twenty rounds in fresh jobcenters: a transactional test's teardown (a
    # flush) costs more than a round.
    for round_no in range(20):
        _200_intakes_against_50_free_slots(round_no)


def _200_intakes_against_50_free_slots(round_no: int):
    # given a pool with exactly 50 free slots and 200 citizens at the door
    jobcenter, preloaded, _ = _pool_with_fifty_free_slots(round_no)
    citizens = make_citizens(jobcenter, 200)
    jobs = [
        (lambda c=c: services.case_create(citizen=c, programme="flere_skal_med", target_group="aktivitetsparat"))
        for c in citizens
    ]
    # when all of them arrive at once
    run = run_concurrently(jobs)
    # then exactly 50 more are open, 150 wait, nobody is over cap and nothing drifted
    assert run.errors == [] and run.refusals == 0, f"round {round_no}: {run.errors[:1]!r}"
    assert_really_concurrent(run)
    new_cases = Case.objects.filter(citizen__in=citizens)
    assert new_cases.filter(status=CaseStatus.OPEN).count() == 50
    assert new_cases.filter(status=CaseStatus.QUEUED).count() == 150
    assert Case.objects.filter(jobcenter=jobcenter, status=CaseStatus.OPEN).count() == preloaded + 50
    assert [(pk, real, cap) for pk, real, cap in real_loads(jobcenter) if real > cap] == []
    assert caseload_drift() == []
    assert_one_current_assignment_per_open_case(jobcenter)
    assert_queue_only_without_room(jobcenter)


# --- Returning citizens: continuity under concurrency ---------------------------------------------


def test_returning_citizens_at_once_fill_their_caseworker_to_cap_and_not_beyond():
    # given one caseworker with 10 free slots whom 60 earlier citizens had, and two others
    jobcenter = JobcenterFactory()
    team = TeamFactory(jobcenter=jobcenter)
    favourite = CaseworkerFactory(team=team, cap_override=10)
    others = [CaseworkerFactory(team=team, cap_override=40) for _ in range(2)]
    Caseworker.objects.filter(pk__in=[o.pk for o in others]).update(accepting_new_cases=False)
    citizens = make_citizens(jobcenter, 60)
    for citizen in citizens:
        case = services.case_create(citizen=citizen, programme="flere_skal_med")
        services.case_close(case=case, outcome="job")
    Caseworker.objects.filter(pk__in=[o.pk for o in others]).update(accepting_new_cases=True)
    assert set(Case.objects.filter(citizen__in=citizens).values_list("caseworker_id", flat=True)) == {favourite.pk}
    # when all 60 come back at once
    run = run_concurrently(
        [(lambda c=c: services.case_create(citizen=c, programme="flere_skal_med")) for c in citizens]
    )
    # then exactly 10 are back with her (continuity), the other 50 go to the others
    assert run.errors == [] and run.refusals == 0, run.errors[:1]
    assert_really_concurrent(run)
    reopened = Case.objects.filter(citizen__in=citizens, status=CaseStatus.OPEN)
    assert reopened.count() == 60
    assert reopened.filter(caseworker=favourite).count() == 10
    assert (
        reopened.filter(caseworker=favourite, assignments__reason="continuity", assignments__ended_at=None).count()
        == 10
    )
    assert [(pk, real, cap) for pk, real, cap in real_loads(jobcenter) if real > cap] == []
    assert caseload_drift() == []
    assert_one_current_assignment_per_open_case(jobcenter)


# --- Mixed traffic ------------------------------------------------------------------------------


def test_mixed_concurrent_traffic_never_exceeds_a_cap_never_drifts_never_deadlocks():
    rng = random.Random(20260421)
    leader = UserFactory()
    jobcenter = JobcenterFactory()
    teams = [TeamFactory(jobcenter=jobcenter) for _ in range(3)]
    workers = [CaseworkerFactory(team=teams[i % 3], cap_override=rng.randint(3, 7)) for i in range(12)]
    cases = [open_case(jobcenter=jobcenter, programme="flere_skal_med") for _ in range(55)]
    # some caseworkers end up over cap (a lowered cap), so that rebalancing has work to do
    over = workers[:3]
    for worker in over:
        worker.refresh_from_db()
        services.caseworker_update(caseworker=worker, cap_override=max(0, worker.open_cases - 2))
    start_loads = {pk: real for pk, real, _ in real_loads(jobcenter)}
    over_ids = {w.pk for w in over}
    citizens = make_citizens(jobcenter, 80)
    case_ids = [c.pk for c in cases]
    worker_ids = [w.pk for w in workers]

    def intake(citizen):
        return lambda: services.case_create(citizen=citizen, programme="flere_skal_med")

    def close():
        case = Case.objects.filter(pk=rng.choice(case_ids)).first()
        services.case_close(case=case, outcome="job", by=leader)

    def reassign():
        case = Case.objects.get(pk=rng.choice(case_ids))
        target = Caseworker.objects.get(pk=rng.choice(worker_ids))
        services.case_reassign(case=case, caseworker=target, reason="load", by=leader)

    def rebalance():
        rebalancing.rebalance_apply(team=rng.choice(teams), by=leader, spill_over=rng.random() < 0.5)

    def leave_and_return():
        worker = Caseworker.objects.get(pk=rng.choice(worker_ids[3:]))
        services.caseworker_update(caseworker=worker, status=CaseworkerStatus.ON_LEAVE)
        services.caseworker_update(caseworker=worker, status=CaseworkerStatus.ACTIVE)

    def raise_cap():
        worker = Caseworker.objects.get(pk=rng.choice(worker_ids[3:]))
        services.caseworker_update(caseworker=worker, cap_override=worker.cap + 1)

    jobs = [intake(c) for c in citizens]
    jobs += [close for _ in range(40)] + [reassign for _ in range(60)] + [reassign for _ in range(20)]
    jobs += [rebalance for _ in range(15)] + [leave_and_return for _ in range(10)] + [raise_cap for _ in range(5)]
    rng.shuffle(jobs)

    run = run_concurrently(jobs)

    assert run.errors == [], f"{len(run.errors)} errors, first: {run.errors[:1]!r}"
    assert_really_concurrent(run)
    for pk, real, cap in real_loads(jobcenter):
        if pk in over_ids:
            assert real <= max(cap, start_loads[pk]), f"caseworker {pk} above cap got cases"
        else:
            assert real <= cap, f"caseworker {pk}: {real} open, cap {cap}"
    assert caseload_drift() == []
    assert_one_current_assignment_per_open_case(jobcenter)
    assert_queue_only_without_room(jobcenter)
    assert Case.objects.filter(citizen__in=citizens).count() == 80


def test_deadlocks_are_retried_not_raised(monkeypatch):
    """Two transactions that lock the same caseworkers in opposite orders deadlock; the
    retry wrapper must turn PostgreSQL's deadlock abort into a second, successful attempt."""
    from allocation import locking

    jobcenter = JobcenterFactory()
    team = TeamFactory(jobcenter=jobcenter)
    a, b = CaseworkerFactory(team=team), CaseworkerFactory(team=team)
    barrier = threading.Barrier(2)
    attempts = []

    @locking.retry_on_conflict()
    def lock_in_order(first, second):
        attempts.append(first)
        Caseworker.objects.select_for_update().get(pk=first)
        if len(attempts) <= 2:
            barrier.wait(timeout=10)  # both hold their first row before asking for the second
        Caseworker.objects.select_for_update().get(pk=second)
        return first

    results, errors = [], []

    def worker(first, second):
        try:
            results.append(lock_in_order(first, second))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=pair) for pair in [(a.pk, b.pk), (b.pk, a.pk)]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == sorted([a.pk, b.pk])
    assert len(attempts) == 3  # one of the two was aborted by the deadlock detector and retried
