"""What the demo's citizens need, and the small-scale path that runs it through the services.

Demand per programme is a share of the pool's capacity, arriving in two waves: between
them some cases close with an outcome and a few caseworkers go on leave or stop taking
cases, so that the second wave fills the rest near (and in two units past) capacity and
a few cases wait in the queue.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from tqdm import tqdm

from allocation import services
from allocation.models import AssignmentReason, CaseAssignment
from cases import cpr as cpr_rules
from cases import services as case_services
from cases.models import Case, CaseStatus, Citizen
from staff.models import CaseworkerStatus, Jobcenter, UnitType

from .structure import GOES_ON_LEAVE, STOPS_TAKING_CASES, Staff
from .synthetic import CprSource, age_range_for, outcome_for, person_name, target_group_for, timeline

User = get_user_model()

# Open cases wanted at the end, as a share of each pool's capacity.
DEMAND = {UnitType.STANDARD: 0.6, UnitType.FLERE_SKAL_MED: 1.03, UnitType.PSYCHIATRIC: 1.06, UnitType.TRIAL: 0.85}
FIRST_WAVE_SHARE = 0.8
CLOSED_SHARE = 0.15  # of the first wave's open cases
REOPENED_SHARE = 1 / 30  # of the closed cases: citizens who come back (continuity)


@dataclass
class CaseSpec:
    name: str
    cpr: cpr_rules.Cpr
    programme: str
    target_group: str
    wave: int
    outcome: str = ""  # set for the first-wave cases that close before the second wave


def case_specs(*, rng: random.Random, staff: Staff, today: date, taken_digests: set[str]) -> list[CaseSpec]:
    source = CprSource(rng, today=today, taken_digests=taken_digests)
    waves: dict[int, list[CaseSpec]] = {1: [], 2: []}
    for programme in UnitType.values:
        capacity = sum(cw.cap for cw in staff.pool(programme))
        open_target = round(capacity * DEMAND[programme])
        first = round(open_target * FIRST_WAVE_SHARE)
        closing = round(first * CLOSED_SHARE)
        min_age, max_age = age_range_for(programme)
        for i in range(open_target + closing):
            female = rng.random() < 0.5
            spec = CaseSpec(
                name=person_name(rng, female=female),
                cpr=source.next(female=female, min_age=min_age, max_age=max_age),
                programme=programme,
                target_group=target_group_for(rng, programme),
                wave=1 if i < first + closing else 2,
                outcome=outcome_for(rng, programme) if i < closing else "",
            )
            waves[spec.wave].append(spec)
    for specs in waves.values():
        rng.shuffle(specs)
    return waves[1] + waves[2]


def staff_changes(staff: Staff) -> list[tuple[int, dict]]:
    """Caseworker id and the change made between the waves."""
    changes = []
    for team, position in GOES_ON_LEAVE:
        if caseworker := staff.pick(team, position):
            changes.append((caseworker.pk, {"status": CaseworkerStatus.ON_LEAVE}))
    for team, position in STOPS_TAKING_CASES:
        if caseworker := staff.pick(team, position):
            changes.append((caseworker.pk, {"accepting_new_cases": False}))
    return changes


def run_with_services(
    *, jobcenter: Jobcenter, staff: Staff, specs: list[CaseSpec], rng: random.Random, now: datetime, progress: bool
) -> None:
    """Every case through `case_create` / `case_close`, as in daily operation."""
    bar = tqdm(total=len(specs), desc="cases", unit="case", disable=not progress)
    opened: list[tuple[CaseSpec, Case]] = []
    for wave in (1, 2):
        if wave == 2:
            for spec, case in opened:
                if spec.outcome:
                    services.case_close(case=case, outcome=spec.outcome)
            for caseworker_id, change in staff_changes(staff):
                services.caseworker_update(caseworker=_caseworker(staff, caseworker_id), **change)
        for spec in (s for s in specs if s.wave == wave):
            citizen = case_services.citizen_create(cpr=spec.cpr.number, name=spec.name, jobcenter=jobcenter)
            case = services.case_create(citizen=citizen, programme=spec.programme, target_group=spec.target_group)
            opened.append((spec, case))
            bar.update()
    bar.close()
    _backdate(jobcenter=jobcenter, rng=rng, now=now)
    _reopen_some(jobcenter=jobcenter, rng=rng)


def _caseworker(staff: Staff, caseworker_id: int):
    return next(cw for members in staff.caseworkers.values() for cw in members if cw.pk == caseworker_id)


def _backdate(*, jobcenter: Jobcenter, rng: random.Random, now: datetime) -> None:
    """Spread the cases over two years, as if they had arrived over time (ids keep their order)."""
    cases = list(Case.objects.filter(jobcenter=jobcenter).order_by("pk"))
    assignments = {a.case_id: a for a in CaseAssignment.objects.filter(case__jobcenter=jobcenter)}
    times = [
        timeline(
            rng,
            now=now,
            status=case.status,
            via_queue=case.pk in assignments and assignments[case.pk].reason == AssignmentReason.QUEUE,
        )
        for case in cases
    ]
    # One UPDATE per row: bulk_update's CASE expressions cost more than they save here.
    for case, when in zip(cases, times, strict=True):
        Case.objects.filter(pk=case.pk).update(**when)
        if assignment := assignments.get(case.pk):
            CaseAssignment.objects.filter(pk=assignment.pk).update(
                assigned_at=when["assigned_at"], ended_at=when["closed_at"]
            )


def _reopen_some(*, jobcenter: Jobcenter, rng: random.Random) -> None:
    """A few citizens come back; continuity sends them to the caseworker they had."""
    closed = list(
        Citizen.objects.filter(jobcenter=jobcenter, cases__status=CaseStatus.CLOSED).order_by("pk").distinct()
    )
    for citizen in rng.sample(closed, k=min(len(closed), max(1, round(len(closed) * REOPENED_SHARE)))):
        last = citizen.cases.order_by("-closed_at").first()
        services.case_create(citizen=citizen, programme=last.programme, target_group=last.target_group)
