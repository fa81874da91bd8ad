"""The demo's contact history: when each case's conversations took place and how they went,
decided in plain Python from the contact rule itself (`casework.contact_plan.next_due`).

A caseworker books the next jobsamtale a little before it is due; most are held, some end
in a no-show (udeblivelse) or a cancellation and are booked again a few days later, and the
first one from today on is planned (or not booked yet). The trial unit sees its citizens more
often than the rule asks. Where a caseworker cannot keep up — on leave, over their cap, or in
a team whose open cases exceed its capacity — a share of the open cases stops short: their
last conversations are dropped until the next one was due before today, so they are overdue.

Every meeting takes a free slot in its caseworker's diary on a working day, so nobody is ever
booked twice (on PostgreSQL the database refuses overlapping planned meetings outright).
Nothing here touches the database; `demo.casework` reads the cases and writes the result.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from casework.contact_plan import Rule, next_due
from casework.models import Channel, MeetingKind, MeetingStatus
from staff.models import UnitType

# A meeting never lasts longer than its slot, so meetings in different slots never overlap.
SLOTS = (time(8, 30), time(9, 30), time(10, 30), time(11, 30), time(13, 0), time(14, 0), time(15, 0))
SLOT_MINUTES = 60
BOOK_AHEAD_DAYS = 42  # the next conversation is booked at most six weeks ahead
BOOKED_SHARE = 0.85  # of the cases whose next conversation falls in that window
CANCELLED_SHARE = 0.05
NO_SHOW_SHARE = {UnitType.PSYCHIATRIC: 0.15}
NO_SHOW_DEFAULT = 0.08
NETWORK_MEETING_SHARE = 0.12  # cases with one meeting of another kind (netværksmøde)
CHANNELS = ((Channel.IN_PERSON, 70), (Channel.PHONE, 20), (Channel.VIDEO, 10))
MINUTES = {Channel.IN_PERSON: 45, Channel.VIDEO: 45, Channel.PHONE: 30}
ROOMS = ("Mødelokale 1", "Mødelokale 2", "Mødelokale 3", "Mødelokale 4", "Samtalerum A", "Samtalerum B")


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    caseworker_id: int
    programme: str
    opened_on: date  # the contact plan's clock starts here (local date)
    assigned_on: date  # nobody can meet the citizen before someone holds the case
    closed_on: date | None
    strain: float = 0.0  # chance that an open case's contact stopped short of today
    holder_away: bool = False  # the caseworker is on leave: nothing new is booked


@dataclass(frozen=True)
class MeetingSpec:
    case_id: int
    caseworker_id: int
    starts_at: datetime
    minutes: int
    kind: str
    channel: str
    status: str
    location: str

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


class Diary:
    """The caseworkers' booked times, per working day, as minute intervals."""

    def __init__(self, tz: tzinfo):
        self.tz = tz
        self._taken: dict[tuple[int, date], list[tuple[int, int]]] = defaultdict(list)

    def mark(self, caseworker_id: int, starts_at: datetime, ends_at: datetime) -> None:
        """A meeting that exists already (at whatever time it was booked)."""
        start, end = starts_at.astimezone(self.tz), ends_at.astimezone(self.tz)
        self._taken[(caseworker_id, start.date())].append((_minutes(start.time()), _minutes(end.time()) or 24 * 60))

    def free(self, caseworker_id: int, day: date) -> tuple[date, int]:
        """The first working day from `day` with a free slot, and that slot (not yet taken)."""
        while True:
            if day.weekday() < 5 and (slot := self.free_on(caseworker_id, day)) is not None:
                return day, slot
            day += timedelta(days=1)

    def free_on(self, caseworker_id: int, day: date) -> int | None:
        """A free slot on `day` itself, working day or not; None when the day is full."""
        taken = self._taken[(caseworker_id, day)]
        # Start the search at a different slot each day, so that times vary.
        first = (caseworker_id + day.toordinal()) % len(SLOTS)
        for i in range(len(SLOTS)):
            slot = (first + i) % len(SLOTS)
            start = _minutes(SLOTS[slot])
            if all(end <= start or begin >= start + SLOT_MINUTES for begin, end in taken):
                return slot
        return None

    def take(self, caseworker_id: int, day: date, slot: int) -> datetime:
        start = _minutes(SLOTS[slot])
        self._taken[(caseworker_id, day)].append((start, start + SLOT_MINUTES))
        return datetime.combine(day, SLOTS[slot], tzinfo=self.tz)

    def release(self, caseworker_id: int, starts_at: datetime) -> None:
        local = starts_at.astimezone(self.tz)
        start = _minutes(local.time())
        self._taken[(caseworker_id, local.date())].remove((start, start + SLOT_MINUTES))


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def contact_history(case: CaseFacts, *, rule: Rule, diary: Diary, rng: random.Random, today: date) -> list[MeetingSpec]:
    """The case's meetings, oldest first: past ones held, no-show or cancelled, and at most
    one planned jobsamtale from today on."""
    meetings = _jobsamtaler(case, rule=rule, diary=diary, rng=rng, today=today)
    if case.closed_on is None and rng.random() < case.strain:
        meetings = _stop_short(case, meetings, rule=rule, diary=diary, rng=rng, today=today)
    if rng.random() < NETWORK_MEETING_SHARE:
        meetings += _network_meeting(case, diary=diary, rng=rng, today=today)
    return sorted(meetings, key=lambda m: m.starts_at)


def _jobsamtaler(case: CaseFacts, *, rule: Rule, diary: Diary, rng: random.Random, today: date) -> list[MeetingSpec]:
    meetings: list[MeetingSpec] = []
    held, last_held = 0, None
    not_before = case.assigned_on + timedelta(days=1)  # the summons needs a day at least
    no_show = NO_SHOW_SHARE.get(case.programme, NO_SHOW_DEFAULT)
    while True:
        day, slot = diary.free(case.caseworker_id, max(_aim(case, rule, held, last_held, rng), not_before))
        if case.closed_on is not None and day >= case.closed_on:
            return meetings
        if day >= today:
            soon = day <= today + timedelta(days=BOOK_AHEAD_DAYS)
            if soon and case.closed_on is None and not case.holder_away and rng.random() < BOOKED_SHARE:
                meetings.append(_meeting(case, diary, day, slot, MeetingStatus.PLANNED, rng=rng))
            return meetings
        status = rng.choices(
            [MeetingStatus.HELD, MeetingStatus.NO_SHOW, MeetingStatus.CANCELLED],
            weights=[1 - no_show - CANCELLED_SHARE, no_show, CANCELLED_SHARE],
        )[0]
        meetings.append(_meeting(case, diary, day, slot, status, rng=rng))
        if status == MeetingStatus.HELD:
            held, last_held, not_before = held + 1, day, day + timedelta(days=1)
        else:  # booked again a few days later; the due date does not move
            not_before = day + timedelta(days=rng.randint(2, 9))


def _aim(case: CaseFacts, rule: Rule, held: int, last_held: date | None, rng: random.Random) -> date:
    """When the caseworker books the next jobsamtale: a little before it is due."""
    due = next_due(rule=rule, opened_on=case.opened_on, held=held, last_held_on=last_held, closed=False)
    if due is None:  # "agreed individually": about once a quarter all the same
        due = last_held + timedelta(days=91)
    if case.programme == UnitType.TRIAL and last_held is not None:
        # The low-caseload unit sees its citizens more often than the rule asks.
        return min(due, last_held + timedelta(days=rng.randint(18, 32)))
    return due - timedelta(days=rng.randint(0, 4) if held == 0 else rng.randint(0, 8))


def _meeting(
    case: CaseFacts, diary: Diary, day: date, slot: int, status: str, *, rng: random.Random, kind=MeetingKind.JOBSAMTALE
) -> MeetingSpec:
    channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
    if kind == MeetingKind.OTHER:
        channel = Channel.IN_PERSON
    return MeetingSpec(
        case_id=case.case_id,
        caseworker_id=case.caseworker_id,
        starts_at=diary.take(case.caseworker_id, day, slot),
        minutes=SLOT_MINUTES if kind == MeetingKind.OTHER else MINUTES[channel],
        kind=kind,
        channel=channel,
        status=status,
        location=rng.choice(ROOMS) if channel == Channel.IN_PERSON else "",
    )


def _stop_short(
    case: CaseFacts, meetings: list[MeetingSpec], *, rule: Rule, diary: Diary, rng: random.Random, today: date
) -> list[MeetingSpec]:
    """Keep the meetings up to the last held one after which the next was due before today
    (by a few days to a month), and drop the rest: the caseworker did not get to it."""
    overdue_by = rng.randint(2, 30)
    keep, held, last_held = None, 0, None
    for i in range(len(meetings) + 1):
        if i == 0 or meetings[i - 1].status == MeetingStatus.HELD:
            if i:
                held, last_held = held + 1, meetings[i - 1].starts_at.astimezone(diary.tz).date()
            due = next_due(rule=rule, opened_on=case.opened_on, held=held, last_held_on=last_held, closed=False)
            if due is not None and due < today - timedelta(days=overdue_by):
                keep = (i, due)
    if keep is None:  # too new to be overdue yet
        return meetings
    cut, due = keep
    for dropped in meetings[cut:]:
        diary.release(dropped.caseworker_id, dropped.starts_at)
    kept = meetings[:cut]
    if rng.random() < 0.4:  # one attempt after the due date, and the citizen did not come
        day, slot = diary.free(case.caseworker_id, max(due, case.assigned_on + timedelta(days=1)))
        if day < today:
            kept.append(_meeting(case, diary, day, slot, MeetingStatus.NO_SHOW, rng=rng))
    if not case.holder_away and rng.random() < 0.3:  # catching up: booked in the coming fortnight
        day, slot = diary.free(case.caseworker_id, today + timedelta(days=rng.randint(1, 14)))
        kept.append(_meeting(case, diary, day, slot, MeetingStatus.PLANNED, rng=rng))
    return kept


def kept_on_record(meetings: list[MeetingSpec], *, rule: Rule, since: date, tz: tzinfo) -> list[MeetingSpec]:
    """The meetings from `since` on, and before that only the latest held jobsamtaler the
    contact plan still counts (the rule reads how many were held only until there are
    `first_period_meetings`): older history is left out, and the plan reads the same."""
    held = [m for m in meetings if m.status == MeetingStatus.HELD and m.kind == MeetingKind.JOBSAMTALE]
    counted = set(held[-rule.first_period_meetings :])
    return [m for m in meetings if m.starts_at.astimezone(tz).date() >= since or m in counted]


def _network_meeting(case: CaseFacts, *, diary: Diary, rng: random.Random, today: date) -> list[MeetingSpec]:
    """A meeting of another kind (with a mentor, a doctor, an employer), held in the past."""
    end = min(today, case.closed_on) if case.closed_on else today
    span = (end - case.assigned_on).days
    if span < 10:
        return []
    day, slot = diary.free(case.caseworker_id, case.assigned_on + timedelta(days=rng.randint(3, span - 5)))
    if day >= end:
        return []
    return [_meeting(case, diary, day, slot, MeetingStatus.HELD, rng=rng, kind=MeetingKind.OTHER)]
