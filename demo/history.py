"""A year of history for the demo jobcenter, so that the reports show something at once.

Adds, once: daily caseload snapshots for the past year (caseloads falling towards today's,
as after the reform), closed cases spread over the year with outcomes typical of each unit
and with their meetings and journals (`demo.casework`), and the Lærkevej trial —
low-caseload unit against the ordinary units — whose closed cases carry a synthetic effect
(more contact, and more exits to job or education, sooner). Open cases already in
the demo join the trial only where their own draw puts them in the arm that holds them, so
every recorded draw is the one the seed gives.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from allocation.models import AssignmentReason, CaseAssignment, CaseloadSnapshot
from cases import cpr as cpr_rules
from cases.models import Case, CaseStatus, Citizen, Outcome, TargetGroup
from staff.models import Caseworker, Jobcenter, Team, UnitType
from trials.draw import arm_for_draw, draw_value
from trials.models import Exclusion, Trial, TrialArm, TrialEnrolment

from .casework import casework_seed
from .structure import MUNICIPALITY_CODE
from .synthetic import CprSource, outcome_for, person_name

TRIAL_NAME = "Lærkevej-forsøget (demo)"
DAYS = 365
BATCH = 2000
CLOSED_PER_CASEWORKER = 12  # closed over the year, besides those seed_demo made
TRIAL_CASES_PER_ARM = 160
# The synthetic effect: chance of leaving for job or education, and mean days to exit.
TRIAL_EFFECT = {"control": (0.28, 300), "low": (0.45, 110)}


class DemoMissing(Exception):
    """The demo jobcenter does not exist yet: run seed_demo first."""


@dataclass
class HistoryResult:
    created: bool
    snapshots: int = 0
    closed_cases: int = 0
    trial_cases: int = 0
    meetings: int = 0
    journal_entries: int = 0


def seed_demo_history(*, seed: int = 2017, today: datetime.date | None = None) -> HistoryResult:
    jobcenter = Jobcenter.objects.filter(municipality_code=MUNICIPALITY_CODE).first()
    if jobcenter is None or not jobcenter.teams.exists():
        raise DemoMissing()
    if Trial.objects.filter(name=TRIAL_NAME).exists():
        return HistoryResult(created=False)
    today = today or timezone.localdate()
    rng = random.Random(seed)
    with transaction.atomic():
        last_case = Case.objects.aggregate(last=Max("pk"))["last"] or 0
        result = HistoryResult(created=True)
        result.snapshots = _snapshots(jobcenter=jobcenter, rng=rng, today=today)
        cprs = CprSource(rng, today=today, taken_digests=set(Citizen.objects.values_list("cpr_digest", flat=True)))
        result.closed_cases = _closed_cases(jobcenter=jobcenter, rng=rng, today=today, cprs=cprs)
        result.trial_cases = _trial(jobcenter=jobcenter, rng=rng, today=today, cprs=cprs)
        # The closed cases just added had their conversations and notes too (the trial unit
        # saw its citizens more often than the rule asks).
        casework = casework_seed(cases=Case.objects.filter(jobcenter=jobcenter, pk__gt=last_case), rng=rng)
        result.meetings, result.journal_entries = casework.meetings, casework.journal_entries
    return result


def _at(day: datetime.date, hours: float) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time())) + datetime.timedelta(hours=hours)


# --- Snapshots ---------------------------------------------------------------------------


def _snapshots(*, jobcenter: Jobcenter, rng: random.Random, today: datetime.date) -> int:
    """Each caseworker's caseload drifts from about 1.3 × today's a year ago down to today's."""
    workers = list(
        Caseworker.objects.filter(team__jobcenter=jobcenter)
        .order_by("pk")
        .values_list("pk", "team_id", "open_cases", "cap", "fte")
    )
    teams = dict(Team.objects.filter(jobcenter=jobcenter).values_list("pk", "unit_type"))
    taken = set(CaseloadSnapshot.objects.filter(team__jobcenter=jobcenter).values_list("date", flat=True).distinct())
    rows: list[CaseloadSnapshot] = []
    written = 0
    for back in range(DAYS, 0, -1):
        day = today - datetime.timedelta(days=back)
        if day in taken:
            continue
        drift = 1 + 0.3 * back / DAYS
        totals: dict[int, list] = {pk: [0, 0, Decimal(0)] for pk in teams}
        for pk, team_id, open_cases, cap, fte in workers:
            load = max(0, round(open_cases * drift * rng.uniform(0.95, 1.05)))
            rows.append(
                CaseloadSnapshot(date=day, team_id=team_id, caseworker_id=pk, open_cases=load, cap=cap, fte=fte)
            )
            totals[team_id][0] += load
            totals[team_id][1] += cap
            totals[team_id][2] += fte
        queued = {unit: max(0, round(rng.gauss(25 * back / DAYS, 3))) for unit in set(teams.values())}
        for pk, (load, cap, fte) in totals.items():
            rows.append(
                CaseloadSnapshot(date=day, team_id=pk, open_cases=load, cap=cap, fte=fte, queued=queued[teams[pk]])
            )
        if len(rows) >= BATCH:
            written += len(CaseloadSnapshot.objects.bulk_create(rows))
            rows = []
    return written + len(CaseloadSnapshot.objects.bulk_create(rows))


# --- Closed cases ------------------------------------------------------------------------


@dataclass
class _Closed:
    caseworker_id: int
    programme: str
    target_group: str
    opened_at: datetime.datetime
    closed_at: datetime.datetime
    outcome: str
    waited_hours: float = 0.0


def _citizens(
    *, jobcenter: Jobcenter, rng: random.Random, cprs: CprSource, count: int, min_age: int = 18
) -> list[Citizen]:
    citizens = []
    for _ in range(count):
        female = rng.random() < 0.5
        parsed = cprs.next(female=female, min_age=min_age, max_age=64)
        citizens.append(
            Citizen(
                jobcenter=jobcenter,
                name=person_name(rng, female=female),
                cpr=parsed.number,
                cpr_digest=cpr_rules.digest(parsed.number),
                birth_date=parsed.birth_date,
            )
        )
    return Citizen.objects.bulk_create(citizens, batch_size=BATCH)


def _write(*, jobcenter: Jobcenter, citizens: list[Citizen], specs: list[_Closed]) -> list[Case]:
    cases = Case.objects.bulk_create(
        [
            Case(
                citizen=citizen,
                jobcenter=jobcenter,
                programme=spec.programme,
                target_group=spec.target_group,
                status=CaseStatus.CLOSED,
                caseworker_id=spec.caseworker_id,
                opened_at=spec.opened_at,
                assigned_at=spec.opened_at + datetime.timedelta(hours=spec.waited_hours),
                closed_at=spec.closed_at,
                outcome=spec.outcome,
            )
            for citizen, spec in zip(citizens, specs, strict=True)
        ],
        batch_size=BATCH,
    )
    CaseAssignment.objects.bulk_create(
        [
            CaseAssignment(
                case=case,
                caseworker_id=spec.caseworker_id,
                assigned_at=case.assigned_at,
                ended_at=case.closed_at,
                reason=AssignmentReason.QUEUE if spec.waited_hours else AssignmentReason.INTAKE,
            )
            for case, spec in zip(cases, specs, strict=True)
        ],
        batch_size=BATCH,
    )
    return cases


def _closed_cases(*, jobcenter: Jobcenter, rng: random.Random, today: datetime.date, cprs: CprSource) -> int:
    workers = Caseworker.objects.filter(team__jobcenter=jobcenter).order_by("pk").values_list("pk", "team__unit_type")
    specs = []
    for pk, unit_type in workers:
        for _ in range(CLOSED_PER_CASEWORKER):
            closed = _at(today - datetime.timedelta(days=rng.randint(1, DAYS)), rng.uniform(8, 16))
            opened = closed - datetime.timedelta(days=rng.uniform(14, 500))
            target = (
                TargetGroup.JOBPARAT
                if unit_type == UnitType.STANDARD and rng.random() < 0.45
                else TargetGroup.AKTIVITETSPARAT
            )
            waited = rng.uniform(2, 120) if rng.random() < 0.12 else 0.0
            specs.append(_Closed(pk, unit_type, target, opened, closed, outcome_for(rng, unit_type), waited))
    citizens = _citizens(jobcenter=jobcenter, rng=rng, cprs=cprs, count=len(specs))
    return len(_write(jobcenter=jobcenter, citizens=citizens, specs=specs))


# --- The trial ---------------------------------------------------------------------------


def _trial(*, jobcenter: Jobcenter, rng: random.Random, today: datetime.date, cprs: CprSource) -> int:
    start = today - datetime.timedelta(days=DAYS)
    ordinary = list(Team.objects.filter(jobcenter=jobcenter, unit_type=UnitType.STANDARD).order_by("pk"))
    low_teams = list(Team.objects.filter(jobcenter=jobcenter, unit_type=UnitType.TRIAL).order_by("pk"))
    if not ordinary or not low_teams:
        return 0
    trial = Trial.objects.create(
        name=TRIAL_NAME,
        hypothesis=(
            "Med højst 50 borgere pr. sagsbehandler kommer flere aktivitetsparate i job eller uddannelse, og hurtigere."
        ),
        jobcenter=jobcenter,
        starts_on=start,
        programme=UnitType.STANDARD,
        target_group=TargetGroup.AKTIVITETSPARAT,
        min_age=30,
        seed=f"demo-{rng.getrandbits(64):016x}",
    )
    control = TrialArm.objects.create(trial=trial, name="Almindelige enheder (100 pr. sagsbehandler)")
    control.teams.set(ordinary)
    low = TrialArm.objects.create(trial=trial, name="Forsøgsafdelingen (50 pr. sagsbehandler)")
    low.teams.set(low_teams)
    arms = {control.pk: ("control", UnitType.STANDARD, ordinary), low.pk: ("low", UnitType.TRIAL, low_teams)}
    citizens = _citizens(jobcenter=jobcenter, rng=rng, cprs=cprs, count=2 * TRIAL_CASES_PER_ARM, min_age=31)
    workers = {
        arm_id: list(Caseworker.objects.filter(team__in=teams).values_list("pk", flat=True))
        for arm_id, (_, _, teams) in arms.items()
    }
    specs, enrolled = [], []
    for citizen in citizens:
        draw = draw_value(seed=trial.seed, trial_id=trial.pk, citizen_id=citizen.pk)
        arm_id = arm_for_draw(draw=draw, ratios=[(control.pk, 1), (low.pk, 1)])
        key, programme, _ = arms[arm_id]
        chance, mean_days = TRIAL_EFFECT[key]
        opened = _at(start + datetime.timedelta(days=rng.randint(0, DAYS - 60)), rng.uniform(8, 16))
        days = min(rng.expovariate(1 / mean_days), (today - opened.date()).days - 1)
        outcome = (
            rng.choice([Outcome.JOB, Outcome.JOB, Outcome.EDUCATION])
            if rng.random() < chance
            else rng.choice(
                [Outcome.RESOURCE_COURSE, Outcome.FLEX_JOB, Outcome.MOVED, Outcome.OTHER, Outcome.EARLY_RETIREMENT]
            )
        )
        specs.append(
            _Closed(
                rng.choice(workers[arm_id]),
                programme,
                TargetGroup.AKTIVITETSPARAT,
                opened,
                opened + datetime.timedelta(days=max(days, 1)),
                outcome,
            )
        )
        enrolled.append((arm_id, draw))
    cases = _write(jobcenter=jobcenter, citizens=citizens, specs=specs)
    TrialEnrolment.objects.bulk_create(
        [
            TrialEnrolment(trial=trial, case=case, arm_id=arm_id, draw=draw, drawn_at=case.opened_at)
            for case, (arm_id, draw) in zip(cases, enrolled, strict=True)
        ]
    )
    return len(cases) + _enrol_open_cases(
        trial=trial, arms={pk: teams for pk, (_, _, teams) in arms.items()}, start=start
    )


def _enrol_open_cases(*, trial: Trial, arms: dict[int, list[Team]], start: datetime.date) -> int:
    """Open cases since the start: those outside the criteria are recorded as excluded, the
    others join where their own draw names the arm that holds them (censored in the curves)."""
    team_arm = {team.pk: arm_id for arm_id, teams in arms.items() for team in teams}
    ratios = [(arm_id, 1) for arm_id in sorted(arms)]
    born_by = datetime.date(start.year - trial.min_age, start.month, min(start.day, 28))
    candidates = Case.objects.filter(
        jobcenter_id=trial.jobcenter_id,
        status=CaseStatus.OPEN,
        opened_at__gte=_at(start, 0),
        caseworker__team_id__in=list(team_arm),
        trial_enrolment__isnull=True,
    ).values_list(
        "pk", "citizen_id", "caseworker__team_id", "opened_at", "programme", "target_group", "citizen__birth_date"
    )
    rows = []
    for pk, citizen_id, team_id, opened_at, programme, target_group, birth_date in candidates:
        common = {"trial": trial, "case_id": pk, "drawn_at": opened_at}
        if programme == trial.programme and target_group != trial.target_group:
            rows.append(TrialEnrolment(**common, excluded=Exclusion.TARGET_GROUP))
        elif programme == trial.programme and birth_date > born_by:
            rows.append(TrialEnrolment(**common, excluded=Exclusion.TOO_YOUNG))
        elif birth_date <= born_by and target_group == trial.target_group:
            draw = draw_value(seed=trial.seed, trial_id=trial.pk, citizen_id=citizen_id)
            if arm_for_draw(draw=draw, ratios=ratios) == team_arm[team_id]:
                rows.append(TrialEnrolment(**common, arm_id=team_arm[team_id], draw=draw))
    return len(TrialEnrolment.objects.bulk_create(rows))
