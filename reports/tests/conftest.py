"""Constructed data whose figures are worked out by hand in the tests."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from allocation.models import CaseloadSnapshot
from cases.models import Case, CaseStatus
from cases.tests.factories import CitizenFactory
from staff.models import HUNDREDTHS, hundredths
from staff.tests.factories import AdminFactory, CaseworkerFactory, JobcenterFactory, TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def english():
    """Messages and labels in English, whatever the Danish catalogue holds by now."""
    with translation.override("en"):
        yield


D1, D2 = datetime.date(2026, 2, 2), datetime.date(2026, 2, 3)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def make_case(
    *,
    caseworker,
    opened: datetime.datetime,
    closed: datetime.datetime | None = None,
    outcome: str = "",
    target_group: str = "aktivitetsparat",
    programme: str | None = None,
) -> Case:
    """A case written straight to the table, as history is: the services stamp 'now'."""
    team = caseworker.team if caseworker else None
    return Case.objects.create(
        citizen=CitizenFactory(jobcenter=team.jobcenter),
        jobcenter=team.jobcenter,
        programme=programme or team.unit_type,
        target_group=target_group,
        status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
        caseworker=caseworker,
        opened_at=opened,
        assigned_at=opened,
        closed_at=closed,
        outcome=outcome if closed else "",
    )


def snapshot(*, day, caseworker=None, team=None, open_cases, cap, fte="1.00", queued=0, load=None) -> CaseloadSnapshot:
    """`load` in cases (Decimal or str); by default the count, as every snapshot before weights."""
    return CaseloadSnapshot.objects.create(
        date=day,
        team=team or caseworker.team,
        caseworker=caseworker,
        open_cases=open_cases,
        load_hundredths=open_cases * HUNDREDTHS if load is None else hundredths(load),
        cap=cap,
        fte=Decimal(fte),
        queued=queued,
    )


@dataclass
class World:
    jobcenter: object
    team_a: object
    team_b: object
    psych: object
    a1: object
    a2: object
    b1: object
    leader_a: object
    leader_b: object
    admin: object
    caseworker_user: object


@pytest.fixture
def world(db) -> World:
    jobcenter = JobcenterFactory(name="Jobcenter Test", municipality_code="777")
    leader_a, leader_b = UserFactory(username="leader_a"), UserFactory(username="leader_b")
    team_a = TeamFactory(jobcenter=jobcenter, name="Alpha", unit_type="standard", leaders=[leader_a])
    team_b = TeamFactory(jobcenter=jobcenter, name="Bravo", unit_type="standard", leaders=[leader_b])
    psych = TeamFactory(jobcenter=jobcenter, name="Psyk", unit_type="psychiatric")
    a1 = CaseworkerFactory(team=team_a, full_name="A one")
    a2 = CaseworkerFactory(team=team_a, full_name="A two", fte=Decimal("0.50"))
    b1 = CaseworkerFactory(team=team_b, full_name="B one")
    return World(
        jobcenter, team_a, team_b, psych, a1, a2, b1, leader_a, leader_b, AdminFactory(username="boss"), a1.user
    )


@pytest.fixture
def snapshots(world):
    """Two days. Cases per FTE: A1 40, A2 30/0.5 = 60, B1 120 (over its cap of 100).
    Team rows: both standard teams report their pool's queue of 7."""
    for day in (D1, D2):
        snapshot(day=day, caseworker=world.a1, open_cases=40, cap=100)
        snapshot(day=day, caseworker=world.a2, open_cases=30, cap=50, fte="0.50")
        snapshot(day=day, caseworker=world.b1, open_cases=120, cap=100)
        snapshot(day=day, team=world.team_a, open_cases=70, cap=150, fte="1.50", queued=7)
        snapshot(day=day, team=world.team_b, open_cases=120, cap=100, fte="1.00", queued=7)
    return world


Q1 = datetime.date(2026, 1, 5)


@pytest.fixture
def exits(world):
    """Closed in 2026-Q1. Alpha: 6 job (10 days each), 5 education (20 days), 2 moved (40 days).
    Bravo: 5 job (30 days). Closed in 2026-Q2, Alpha: 5 other (7 days)."""
    for outcome, count, days in (("job", 6, 10), ("education", 5, 20), ("moved", 2, 40)):
        for _ in range(count):
            make_case(
                caseworker=world.a1, opened=at(Q1), closed=at(Q1) + datetime.timedelta(days=days), outcome=outcome
            )
    for _ in range(5):
        make_case(
            caseworker=world.b1,
            opened=at(Q1),
            closed=at(Q1) + datetime.timedelta(days=30),
            outcome="job",
            target_group="jobparat",
        )
    for _ in range(5):
        opened = at(datetime.date(2026, 4, 6))
        make_case(caseworker=world.a2, opened=opened, closed=opened + datetime.timedelta(days=7), outcome="other")
    return world
