"""The large-scale path: the same demand, decided in memory, written with `bulk_create`.

The decision per case is the engine's (`engine.load_key` over the eligible caseworkers
of the pool, the queue drained oldest first when a slot frees); only the writes are
batched. Counters are set from the same simulation, so `reconcile_caseloads` finds no
drift.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from datetime import datetime

from tqdm import tqdm

from allocation import engine, services
from allocation.models import AssignmentReason, CaseAssignment
from cases import cpr as cpr_rules
from cases.models import Case, CaseStatus, Citizen
from staff.models import Caseworker, Jobcenter

from .intake import CaseSpec, staff_changes
from .structure import Staff
from .synthetic import timeline

BATCH = 2000


class _Pool:
    """The eligible caseworkers of one (jobcenter, programme), lowest load first."""

    def __init__(self, caseworkers: list[Caseworker]):
        self.cap = {cw.pk: cw.cap for cw in caseworkers}
        self.open = dict.fromkeys(self.cap, 0)
        self.eligible = {cw.pk: cw.is_available for cw in caseworkers}
        self.queue: deque[int] = deque()
        self._heap = [self._entry(pk) for pk in self.cap]
        heapq.heapify(self._heap)

    def _entry(self, pk: int):
        return (engine.load_key(engine.Candidate(pk, self.cap[pk], self.open[pk])), pk)

    def take(self) -> int | None:
        while self._heap:
            key, pk = heapq.heappop(self._heap)
            current = self._entry(pk)
            if key != current[0] or not self.eligible[pk] or self.open[pk] >= self.cap[pk]:
                continue  # stale, or no longer a candidate; re-pushed when that changes
            self.open[pk] += 1
            heapq.heappush(self._heap, self._entry(pk))
            return pk
        return None

    def release(self, pk: int) -> None:
        self.open[pk] -= 1
        heapq.heappush(self._heap, self._entry(pk))

    def stop(self, pk: int) -> None:
        self.eligible[pk] = False


def run_in_bulk(
    *, jobcenter: Jobcenter, staff: Staff, specs: list[CaseSpec], rng: random.Random, now: datetime, progress: bool
) -> None:
    citizens = _citizens_bulk_create(jobcenter=jobcenter, specs=specs, progress=progress)
    holder, via_queue, queued = _simulate(staff=staff, specs=specs)
    cases = []
    for i, (spec, citizen) in enumerate(zip(specs, citizens, strict=True)):
        status = CaseStatus.CLOSED if spec.outcome else (CaseStatus.QUEUED if i in queued else CaseStatus.OPEN)
        when = timeline(rng, now=now, status=status, via_queue=i in via_queue)
        cases.append(
            Case(
                citizen=citizen,
                jobcenter=jobcenter,
                programme=spec.programme,
                target_group=spec.target_group,
                status=status,
                caseworker_id=None if status == CaseStatus.QUEUED else holder.get(i),
                outcome=spec.outcome,
                **when,
            )
        )
    cases = _bulk_create(Case, cases, progress=progress, desc="cases")
    assignments = [
        CaseAssignment(
            case=case,
            caseworker_id=holder[i],
            assigned_at=case.assigned_at,
            ended_at=case.closed_at,
            reason=AssignmentReason.QUEUE if i in via_queue else AssignmentReason.INTAKE,
        )
        for i, case in enumerate(cases)
        if i in holder
    ]
    _bulk_create(CaseAssignment, assignments, progress=progress, desc="assignments")
    open_cases = {cw.pk: 0 for members in staff.caseworkers.values() for cw in members}
    load = dict.fromkeys(open_cases, 0)
    for i, case in enumerate(cases):
        if case.status == CaseStatus.OPEN:
            open_cases[holder[i]] += 1
            load[holder[i]] += case.weight_hundredths
    Caseworker.objects.bulk_update(
        [Caseworker(pk=pk, open_cases=n, load_hundredths=load[pk]) for pk, n in open_cases.items()],
        ["open_cases", "load_hundredths"],
        batch_size=1000,
    )
    members = {cw.pk: cw for team in staff.caseworkers.values() for cw in team}
    for caseworker_id, change in staff_changes(staff):
        services.caseworker_update(caseworker=members[caseworker_id], **change)


def _simulate(*, staff: Staff, specs: list[CaseSpec]) -> tuple[dict[int, int], set[int], set[int]]:
    """Who holds each case (index → caseworker id), which came from the queue, which still wait."""
    pools = {programme: _Pool(staff.pool(programme)) for programme in {s.programme for s in specs}}
    holder: dict[int, int] = {}
    via_queue: set[int] = set()

    def intake(i: int, pool: _Pool) -> None:
        pk = pool.take()
        if pk is None:
            pool.queue.append(i)
        else:
            holder[i] = pk

    def drain(pool: _Pool) -> None:
        while pool.queue and (pk := pool.take()) is not None:
            i = pool.queue.popleft()
            holder[i] = pk
            via_queue.add(i)

    for i, spec in enumerate(specs):
        if spec.wave == 1:
            intake(i, pools[spec.programme])
    for i, spec in enumerate(specs):
        if not spec.outcome:
            continue
        pool = pools[spec.programme]
        if i in holder:
            pool.release(holder[i])
            drain(pool)
        elif i in pool.queue:  # closed while still waiting
            pool.queue.remove(i)
    changed = {pk for pk, _ in staff_changes(staff)}
    for pool in pools.values():
        for pk in changed & pool.cap.keys():
            pool.stop(pk)
    for i, spec in enumerate(specs):
        if spec.wave == 2:
            intake(i, pools[spec.programme])
    queued = {i for pool in pools.values() for i in pool.queue}
    return holder, via_queue, queued


def _citizens_bulk_create(*, jobcenter: Jobcenter, specs: list[CaseSpec], progress: bool) -> list[Citizen]:
    citizens = [
        Citizen(
            jobcenter=jobcenter,
            name=spec.name,
            cpr=spec.cpr.number,  # the field encrypts on the way in, bulk or not
            cpr_digest=cpr_rules.digest(spec.cpr.number),
            birth_date=spec.cpr.birth_date,
        )
        for spec in specs
    ]
    return _bulk_create(Citizen, citizens, progress=progress, desc="citizens")


def _bulk_create(model, objs: list, *, progress: bool, desc: str) -> list:
    created = []
    with tqdm(total=len(objs), desc=desc, unit="row", disable=not progress) as bar:
        for start in range(0, len(objs), BATCH):
            created += model.objects.bulk_create(objs[start : start + BATCH])
            bar.update(len(objs[start : start + BATCH]))
    return created
