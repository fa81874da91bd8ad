"""Reads of the casework pages (my day, my calendar, the case page's journal, meetings and
contact plan), each starting from the access layer. A fixed number of queries each, whatever
the caseload; the lists are bounded by a caseload, a day, a week or one case."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from access.scopes import cases_visible_to, meetings_visible_to
from allocation.selectors import Handover, handovers_of_cases
from cases.models import Case, CaseStatus
from casework import contact_plan
from casework.contact_plan import Rule
from casework.models import JournalEntry, Meeting, MeetingKind, MeetingStatus
from casework.selectors import (
    agenda_of_cases,
    contact_plan_of,
    contact_rules,
    journal_of_case,
    meetings_of_case,
    meetings_of_the_day,
)
from staff.models import Caseworker

JOURNAL_SHOWN = 100
CLASHES_AHEAD_DAYS = 180
CLASHES_SHOWN = 20


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def clashing(meetings: Iterable[Meeting]) -> set[int]:
    """The planned meetings among `meetings` that overlap another planned one of the same
    caseworker: bookings cannot, so these came with a reassigned case (moved_onto_booked_time)."""
    planned = sorted((m for m in meetings if m.status == MeetingStatus.PLANNED), key=lambda m: m.starts_at)
    found: set[int] = set()
    for i, first in enumerate(planned):
        for second in planned[i + 1 :]:
            if second.starts_at >= first.ends_at:
                break
            if second.caseworker_id == first.caseworker_id:
                found.update((first.pk, second.pk))
    return found


# --- My day ------------------------------------------------------------------------------


@dataclass
class NewCase:
    case: Case
    handover: Handover | None


@dataclass
class MyDay:
    day: date
    meetings: list[Meeting]
    clashes: set[int]
    overdue: list[Case]
    due_soon: list[Case]
    new_cases: list[NewCase]
    clashes_ahead: list[Meeting]
    citizen_ids: set[int] = field(default_factory=set)


def my_day(*, user, caseworker: Caseworker, today: date | None = None, now: datetime | None = None) -> MyDay:
    """The caseworker's day from `casework.selectors.agenda`, narrowed to what the user sees:
    today's meetings that are not cancelled, their open cases overdue for contact (most overdue
    first) or due soon, the cases that came to them in the last 14 days with who had them before
    and why they moved, and the coming meetings that clash."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    visible = cases_visible_to(user)
    meetings = list(
        meetings_of_the_day(cases=visible, caseworker_id=caseworker.pk, day=today)
        .select_related("case__citizen")
        .order_by("starts_at", "id")
    )
    # The three lists of cases from one read of the caseworker's open cases (a caseload),
    # the contact plan in Python: three queries with the plan compiled into each cost more.
    mine = list(visible.filter(caseworker_id=caseworker.pk, status=CaseStatus.OPEN).select_related("citizen"))
    lists = agenda_of_cases(mine, day=today, today=today)
    overdue, due_soon, new = lists["overdue"], lists["due_soon"], lists["new_cases"]
    handovers = handovers_of_cases(case_ids=[c.pk for c in new])
    ahead = clashes_ahead(caseworker=caseworker, cases=mine, now=now)
    shown_cases = [m.case for m in meetings] + overdue + due_soon + new + [m.case for m in ahead]
    return MyDay(
        day=today,
        meetings=meetings,
        clashes=clashing(meetings),
        overdue=overdue,
        due_soon=due_soon,
        new_cases=[NewCase(case=c, handover=handovers.get(c.pk)) for c in new],
        clashes_ahead=ahead,
        citizen_ids={c.citizen_id for c in shown_cases},
    )


def clashes_ahead(*, caseworker: Caseworker, cases: list[Case], now: datetime) -> list[Meeting]:
    """The caseworker's coming planned meetings that moved onto time already booked and still
    overlap another planned meeting of theirs: for them to sort out with the citizen.

    `cases` are the caseworker's open cases that the user sees. A planned meeting is always
    of an open case of its caseworker's (meetings follow a reassigned case, and a closed
    case's are cancelled), so these are all that can hold one; narrowing to them is the
    user's visibility, and their citizens are already read."""
    by_id = {case.pk: case for case in cases}
    other = Meeting.objects.filter(
        caseworker_id=OuterRef("caseworker_id"),
        status=MeetingStatus.PLANNED,
        starts_at__lt=OuterRef("ends_at"),
        ends_at__gt=OuterRef("starts_at"),
    ).exclude(pk=OuterRef("pk"))
    if not by_id:
        return []
    found = list(
        Meeting.objects.filter(
            case_id__in=list(by_id),
            caseworker_id=caseworker.pk,
            status=MeetingStatus.PLANNED,
            moved_onto_booked_time=True,
            ends_at__gt=now,
            starts_at__lt=now + timedelta(days=CLASHES_AHEAD_DAYS),
        )
        .filter(Exists(other))
        .order_by("starts_at", "id")[:CLASHES_SHOWN]
    )
    for meeting in found:
        meeting.case = by_id[meeting.case_id]
    return found


# --- My calendar -------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: date
    meetings: list[Meeting]


def week_of_meetings(*, user, caseworker: Caseworker, monday: date) -> list[CalendarDay]:
    """The seven days from `monday` with the caseworker's meetings (cancelled ones too)."""
    meetings = list(
        meetings_visible_to(user)
        .filter(
            caseworker_id=caseworker.pk,
            starts_at__gte=_local_midnight(monday),
            starts_at__lt=_local_midnight(monday + timedelta(days=7)),
        )
        .select_related("case__citizen")
        .order_by("starts_at", "id")
    )
    by_day: dict[date, list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        by_day[timezone.localdate(meeting.starts_at)].append(meeting)
    return [CalendarDay(day=d, meetings=by_day[d]) for d in (monday + timedelta(days=i) for i in range(7))]


def feed_meetings(*, user, caseworker: Caseworker, starts_after: datetime, starts_before: datetime) -> list[Meeting]:
    """What a calendar feed carries: the caseworker's meetings in the window, of cases the
    feed's owner sees. Nothing of the citizen is read."""
    return list(
        meetings_visible_to(user)
        .filter(caseworker_id=caseworker.pk, starts_at__gte=starts_after, starts_at__lt=starts_before)
        .order_by("starts_at", "id")
    )


# --- The case page -----------------------------------------------------------------------


@dataclass
class JournalItem:
    entry: JournalEntry
    corrected_by: list[JournalEntry]


@dataclass
class CaseWork:
    journal: list[JournalItem]
    journal_more: bool
    meetings: list[Meeting]
    clashes: set[int]
    plan: dict
    rule: Rule
    held_jobsamtaler: list[Meeting]


def case_work(*, case: Case, journal_limit: int = JOURNAL_SHOWN, today: date | None = None) -> CaseWork:
    """The journal (newest first; each correction names what it corrects, each corrected entry
    the corrections it has: corrections are newer, so they are among the entries shown whenever
    what they correct is), the meetings (planned first, soonest first; then the rest, latest
    first), the contact plan and its history. `case` came through `access.doors`."""
    entries = list(journal_of_case(case).select_related("written_by", "corrects__written_by")[: journal_limit + 1])
    more = len(entries) > journal_limit
    entries = entries[:journal_limit]
    corrections: dict[int, list[JournalEntry]] = defaultdict(list)
    for entry in reversed(entries):  # oldest correction first
        if entry.corrects_id is not None:
            corrections[entry.corrects_id].append(entry)
    meetings = list(meetings_of_case(case).select_related("caseworker"))
    planned = [m for m in meetings if m.status == MeetingStatus.PLANNED]
    rest = sorted((m for m in meetings if m.status != MeetingStatus.PLANNED), key=lambda m: m.starts_at, reverse=True)
    held = [m for m in meetings if m.kind == MeetingKind.JOBSAMTALE and m.status == MeetingStatus.HELD]
    return CaseWork(
        journal=[JournalItem(entry=e, corrected_by=corrections.get(e.pk, [])) for e in entries],
        journal_more=more,
        meetings=planned + rest,
        clashes=clashing(planned),
        plan=contact_plan_of(case, today=today),
        rule=contact_rules()[case.programme],
        held_jobsamtaler=sorted(held, key=lambda m: m.starts_at, reverse=True),
    )


def contact_status_label(status: str) -> str:
    return {
        contact_plan.OVERDUE: _("Overdue"),
        contact_plan.DUE_SOON: _("Due soon"),
        contact_plan.ON_TRACK: _("On track"),
        contact_plan.NONE: _("No date set"),
    }[status]
