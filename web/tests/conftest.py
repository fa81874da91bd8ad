"""Data for the page tests, built through the real services (counters and history are right)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from allocation import services
from allocation.tests.factories import open_case
from staff.models import Caseworker, Team, UnitType
from staff.tests.factories import AdminFactory, CaseworkerFactory, TeamFactory, UserFactory


@dataclass
class Office:
    team: Team
    other_team: Team
    anna: Caseworker
    bo: Caseworker
    stranger: Caseworker
    leader: object
    admin: object


@pytest.fixture
def office(db) -> Office:
    """Two Flere skal med teams in one jobcenter; Anna and Bo in the first, a stranger in the second."""
    leader = make_user(username="leader", first_name="Lene", last_name="Leder")
    team = TeamFactory(name="Team Nord", unit_type=UnitType.FLERE_SKAL_MED, leaders=[leader])
    other_team = TeamFactory(name="Team Syd", unit_type=UnitType.FLERE_SKAL_MED, jobcenter=team.jobcenter)
    anna = CaseworkerFactory(username="anna", full_name="Anna Andersen", team=team)
    bo = CaseworkerFactory(username="bo", full_name="Bo Bertelsen", team=team)
    stranger = CaseworkerFactory(username="stranger", full_name="Sif Sørensen", team=other_team)
    admin = make_user(factory=AdminFactory, username="admin")
    return Office(team, other_team, anna, bo, stranger, leader, admin)


def make_user(*, factory=UserFactory, **fields):
    """A saved user with password "pw" (UserFactory skips the save after set_password)."""
    user = factory(**fields)
    user.set_password("pw")
    user.save()
    return user


def give_cases(caseworker: Caseworker, count: int) -> list:
    """`count` open cases for this caseworker: everyone else in the pool stops accepting meanwhile."""
    pool = Caseworker.objects.filter(
        team__jobcenter_id=caseworker.team.jobcenter_id,
        team__unit_type=caseworker.team.unit_type,
        accepting_new_cases=True,
    ).exclude(pk=caseworker.pk)
    paused = list(pool)
    for other in paused:
        services.caseworker_update(caseworker=other, accepting_new_cases=False)
    cases = [open_case(team=caseworker.team) for _ in range(count)]
    assert all(c.caseworker_id == caseworker.pk for c in cases)
    for other in paused:
        services.caseworker_update(caseworker=other, accepting_new_cases=True)
    return cases


@dataclass
class BusyOffice:
    """The office with every state the pages can show, for the accessibility checks."""

    office: Office
    case: object  # one of Anna's open cases
    queued_case: object
    closed_case: object
    trial: object
    reset_uid: str  # a password-reset link of Anna's
    reset_token: str

    def url_kwargs(self) -> dict[str, object]:
        """What the accessibility page table's URL kwargs may name."""
        return {
            "team": self.office.team.pk,
            "case": self.case.pk,
            "queued_case": self.queued_case.pk,
            "closed_case": self.closed_case.pk,
            "trial": self.trial.pk,
            "caseworker": self.office.anna.pk,
            "uid": self.reset_uid,
            "token": self.reset_token,
        }


@pytest.fixture
def busy_office(office) -> BusyOffice:
    """Anna over her cap, Bo at his and paused, Cille on leave, a case in the queue, a closed case, alerts,
    30 days of team history and a trial: every badge, bar colour and table the pages have."""
    import datetime
    from decimal import Decimal

    from django.contrib.auth.tokens import default_token_generator
    from django.utils import timezone
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from allocation.alerts import caseloads_check
    from allocation.models import CaseloadSnapshot
    from trials.models import Trial, TrialArm

    cases = give_cases(office.anna, 6)
    give_cases(office.bo, 2)
    services.case_reassign(case=cases.pop(), caseworker=office.bo, reason="reassignment", by=office.leader)
    cille = CaseworkerFactory(username="cille", full_name="Cille Christensen", team=office.team)
    services.caseworker_update(caseworker=cille, status="on_leave")
    services.caseworker_update(caseworker=office.anna, cap_override=2)
    services.caseworker_update(caseworker=office.bo, cap_override=3, accepting_new_cases=False)  # at his cap
    services.caseworker_update(caseworker=office.stranger, accepting_new_cases=False)
    queued = open_case(team=office.team)
    assert queued.status == "queued"
    closed = services.case_close(case=cases.pop(), outcome="job", by=office.leader)

    today = timezone.localdate()
    CaseloadSnapshot.objects.bulk_create(
        CaseloadSnapshot(
            date=today - datetime.timedelta(days=days),
            team=office.team,
            open_cases=4 + days % 5,
            cap=92,
            fte=Decimal("2.00"),
            queued=days % 2,
        )
        for days in range(1, 31)
    )
    caseloads_check()
    trial = Trial.objects.create(
        name="Lærkevej", jobcenter=office.team.jobcenter, programme="flere_skal_med", starts_on=today
    )
    TrialArm.objects.create(trial=trial, name="Almindelige enheder").teams.set([office.team])

    anna = office.anna.user
    anna.email = "anna@example.org"
    anna.save()
    uid = urlsafe_base64_encode(force_bytes(anna.pk))
    return BusyOffice(office, cases[0], queued, closed, trial, uid, default_token_generator.make_token(anna))
