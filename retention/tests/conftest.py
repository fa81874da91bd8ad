"""A jobcentre with history: six citizens whose cases closed in 2026 (past a five-year rule
on NOW, in 2032), six whose cases closed in 2031 (within it), and one with a case closed in
2026 and a case open now. Every case is in a trial; the caseloads were snapshotted."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import translation

from allocation.models import CaseloadSnapshot
from staff.tests.factories import AdminFactory, CaseworkerFactory, JobcenterFactory, TeamFactory
from trials.models import Trial, TrialArm

from .factories import Person, at, history_case, person


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@dataclass
class World:
    admin: object
    trial: Trial
    old: list[Person]
    recent: list[Person]
    still_open: Person


@pytest.fixture
def world(db) -> World:
    jobcenter = JobcenterFactory(name="Jobcenter Retention", municipality_code="778")
    control_team = TeamFactory(jobcenter=jobcenter, name="Ordinary", unit_type="standard")
    low_team = TeamFactory(jobcenter=jobcenter, name="Lærkevej", unit_type="standard")
    control, low = CaseworkerFactory(team=control_team), CaseworkerFactory(team=low_team)
    admin = AdminFactory(username="retention-admin")
    trial = Trial.objects.create(
        name="Lærkevej", jobcenter=jobcenter, programme="standard", starts_on=datetime.date(2025, 1, 1)
    )
    arms = [TrialArm.objects.create(trial=trial, name=name) for name in ("Ordinary", "Low caseload")]
    arms[0].teams.set([control_team])
    arms[1].teams.set([low_team])
    old, recent = [], []
    for i in range(6):
        worker, arm = (control, arms[0]) if i % 2 else (low, arms[1])
        who = person(jobcenter=jobcenter, user=admin, name=f"Gammel Borgersen {i}")
        history_case(
            who, caseworker=worker, user=admin, opened=at(2025, 3), closed=at(2026, 2 + i), trial=trial, arm=arm
        )
        old.append(who)
        who = person(jobcenter=jobcenter, user=admin, name=f"Ny Borgersen {i}", with_cpr_change=False)
        history_case(
            who, caseworker=worker, user=admin, opened=at(2025, 5), closed=at(2031, 1 + i), trial=trial, arm=arm
        )
        recent.append(who)
    still_open = person(jobcenter=jobcenter, user=admin, name="Aaben Sagsen")
    history_case(still_open, caseworker=control, user=admin, opened=at(2025, 2), closed=at(2026, 1), outcome="other")
    history_case(still_open, caseworker=control, user=admin, opened=at(2032, 1), closed=None)
    for day in (datetime.date(2026, 3, 1), datetime.date(2026, 3, 2)):
        for worker in (control, low):
            CaseloadSnapshot.objects.create(
                date=day, team=worker.team, caseworker=worker, open_cases=6, load_hundredths=600, cap=50, fte=Decimal(1)
            )
    return World(admin, trial, old, recent, still_open)
