"""History past its retention, built straight into the tables (as history is: the services
stamp 'now'): citizens with a closed case, its journal, meetings, assignment notes, access
log and a CPR change, each naming the citizen wherever free text can."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import F
from django.utils import timezone

from allocation.models import AssignmentReason, CaseAssignment
from cases import cpr as cpr_rules
from cases.models import Case, CaseStatus, Citizen, CitizenAccess, CprChange
from cases.tests.factories import CitizenFactory, synthetic_cpr
from casework.models import JournalEntry, Meeting
from retention.models import RetentionRule
from trials.models import TrialEnrolment

NOW = datetime.datetime(2032, 6, 1, 12, tzinfo=datetime.UTC)


def at(year: int, month: int = 1, day: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 10))


def set_rules(**years) -> None:
    """`closed_case=5, citizen=5, access_log=2`; a kind left out stays blank."""
    for kind in ("closed_case", "citizen", "access_log"):
        RetentionRule.objects.filter(kind=kind).update(years=years.get(kind))


@dataclass
class Person:
    citizen: Citizen
    name: str
    cpr: str
    old_cpr: str = ""
    cases: list[Case] = field(default_factory=list)


def person(*, jobcenter, user, name: str, with_cpr_change: bool = True) -> Person:
    old = synthetic_cpr()
    citizen = CitizenFactory(jobcenter=jobcenter, name=name)
    Citizen.objects.filter(pk=citizen.pk).update(created_at=at(2024))
    found = Person(citizen=citizen, name=name, cpr=citizen.cpr)
    if with_cpr_change:
        CprChange.objects.create(
            citizen=citizen, old_cpr=old, old_digest=cpr_rules.digest(old), reason=f"Misbrug: {name}", changed_by=user
        )
        found.old_cpr = old
    return found


def history_case(
    who: Person,
    *,
    caseworker,
    user,
    opened: datetime.datetime,
    closed: datetime.datetime | None,
    outcome: str = "job",
    arm=None,
    trial=None,
) -> Case:
    """A case with two journal entries (one correcting the other), a held jobsamtale and a
    no-show, an assignment with a note, and two reads in the access log (one old, one new)."""
    team = caseworker.team
    case = Case.objects.create(
        citizen=who.citizen,
        jobcenter=team.jobcenter,
        programme=team.unit_type,
        target_group="aktivitetsparat",
        status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
        caseworker=caseworker,
        opened_at=opened,
        assigned_at=opened,
        closed_at=closed,
        outcome=outcome if closed else "",
    )
    CaseAssignment.objects.create(
        case=case,
        caseworker=caseworker,
        assigned_at=opened,
        ended_at=closed,
        reason=AssignmentReason.INTAKE,
        note=f"{who.name} asked for {caseworker.full_name}",
        notified_at=opened,
    )
    first = JournalEntry.objects.create(
        case=case, kind="note", text=f"Samtale med {who.name}, CPR {who.cpr}", written_by=user, written_at=opened
    )
    JournalEntry.objects.create(
        case=case, kind="note", text=f"Rettelse: {who.name}", written_by=user, written_at=opened, corrects=first
    )
    for days, status in ((3, "held"), (40, "no_show")):
        starts = opened + datetime.timedelta(days=days)
        Meeting.objects.create(
            case=case,
            caseworker=caseworker,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=45),
            kind="jobsamtale",
            channel="in_person",
            location=f"Hjemme hos {who.name}",
            status=status,
            held_at=starts if status == "held" else None,
        )
    if trial is not None:
        TrialEnrolment.objects.create(trial=trial, case=case, arm=arm, draw=0.5, drawn_at=opened)
    for when in (opened, NOW - datetime.timedelta(days=30)):
        access = CitizenAccess.objects.create(user=user, citizen=who.citizen, action="view", route=f"/cases/{case.pk}/")
        CitizenAccess.objects.filter(pk=access.pk).update(created_at=when)
    who.cases.append(case)
    return case


def move_history_to_today() -> None:
    """Shift the history so that today stands where NOW stood: for what a request does
    with the real clock (admin), without moving the clock the session depends on."""
    shift = NOW - timezone.now()
    Case.objects.update(opened_at=F("opened_at") - shift, assigned_at=F("assigned_at") - shift)
    Case.objects.filter(closed_at__isnull=False).update(closed_at=F("closed_at") - shift)
    Citizen.objects.update(created_at=F("created_at") - shift)
    CitizenAccess.objects.update(created_at=F("created_at") - shift)
