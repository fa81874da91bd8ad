"""Journals and meetings for the demo's cases, and the demo caseworker's day.

`casework_seed` gives every open and closed case of a queryset its contact history
(`demo.contacts`) and its journal (`demo.notes`), written with `bulk_create`: inserts only,
as the append-only journal requires, fast enough for `make run` on SQLite. Queued cases
wait without any: nobody holds them, though their contact clock runs.

`demo_day_ensure` books today's jobsamtaler for the demo caseworker login through the
booking service, so that "my day" shows meetings whatever day the demo is started on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone

from cases.models import Case, CaseStatus
from casework import services as casework_services
from casework.errors import MeetingOverlaps
from casework.models import Channel, JournalEntry, Meeting, MeetingKind, MeetingStatus
from casework.selectors import contact_rules, with_contact_plan
from staff.models import Caseworker, CaseworkerStatus, Team
from staff.selectors import with_team_load

from .contacts import ROOMS, CaseFacts, Diary, MeetingSpec, contact_history, kept_on_record
from .notes import CaseStory, journal_notes
from .structure import DEMO_CASEWORKER, MUNICIPALITY_CODE

BATCH = 2000
RECORD_DAYS = 365  # a year of meetings and notes on record (and what the contact plan counts)
DAY_MEETINGS = 4
# Chance that an open case's contact stopped short of today, by how its caseworker is placed.
STRAIN_ON_LEAVE, STRAIN_OVER_CAP, STRAIN_CROWDED_TEAM, STRAIN_ELSEWHERE = 0.8, 0.45, 0.3, 0.03


@dataclass
class CaseworkResult:
    meetings: int = 0
    journal_entries: int = 0


def casework_seed(*, cases: QuerySet[Case], rng: random.Random, now: datetime | None = None) -> CaseworkResult:
    """Meetings and journal entries for the open and closed cases of `cases`."""
    now = now or timezone.now()
    tz = ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(tz).date()
    rows = list(
        cases.filter(status__in=[CaseStatus.OPEN, CaseStatus.CLOSED], caseworker__isnull=False)
        .order_by("pk")
        .values_list(
            "pk",
            "caseworker_id",
            "caseworker__user_id",
            "programme",
            "target_group",
            "outcome",
            "opened_at",
            "assigned_at",
            "closed_at",
        )  # fmt: skip
    )
    if not rows:
        return CaseworkResult()
    strain = _strain({row[1] for row in rows})
    diary = Diary(tz)
    booked = Meeting.objects.filter(caseworker_id__in=list(strain)).exclude(status=MeetingStatus.CANCELLED)
    for caseworker_id, starts_at, ends_at in booked.values_list("caseworker_id", "starts_at", "ends_at"):
        diary.mark(caseworker_id, starts_at, ends_at)
    rules = contact_rules()
    meetings: list[Meeting] = []
    journals: list[tuple[int, int, list]] = []
    for pk, caseworker_id, user_id, programme, target_group, outcome, opened_at, assigned_at, closed_at in rows:
        assigned_at = (assigned_at or opened_at).astimezone(tz)
        chance, away = strain[caseworker_id]
        facts = CaseFacts(
            case_id=pk,
            caseworker_id=caseworker_id,
            programme=programme,
            opened_on=opened_at.astimezone(tz).date(),
            assigned_on=assigned_at.date(),
            closed_on=closed_at.astimezone(tz).date() if closed_at else None,
            strain=chance,
            holder_away=away,
        )
        history = contact_history(facts, rule=rules[programme], diary=diary, rng=rng, today=today)
        history = kept_on_record(history, rule=rules[programme], since=today - timedelta(days=RECORD_DAYS), tz=tz)
        meetings += [_meeting(spec, user_id=user_id) for spec in history]
        closed_at = closed_at.astimezone(tz) if closed_at else None
        story = CaseStory(programme, target_group, outcome, assigned_at, closed_at)
        journals.append((pk, user_id, journal_notes(story, history, rng=rng, now=now)))
    Meeting.objects.bulk_create(meetings, batch_size=BATCH)
    return CaseworkResult(meetings=len(meetings), journal_entries=_journal_write(journals))


def _strain(caseworker_ids: set[int]) -> dict[int, tuple[float, bool]]:
    """Per caseworker: the chance that a case's contact stopped short, and whether they are away."""
    workers = list(
        Caseworker.objects.filter(pk__in=caseworker_ids).values_list("pk", "team_id", "status", "open_cases", "cap")
    )
    crowded = set(
        with_team_load(Team.objects.filter(pk__in={w[1] for w in workers}))
        .filter(open_cases_total__gt=F("capacity"))
        .values_list("pk", flat=True)
    )
    strain = {}
    for pk, team_id, status, open_cases, cap in workers:
        if status == CaseworkerStatus.ON_LEAVE:
            strain[pk] = (STRAIN_ON_LEAVE, True)
        elif open_cases > cap:
            strain[pk] = (STRAIN_OVER_CAP, False)
        else:
            strain[pk] = (STRAIN_CROWDED_TEAM if team_id in crowded else STRAIN_ELSEWHERE, False)
    return strain


def _meeting(spec: MeetingSpec, *, user_id: int) -> Meeting:
    if spec.status == MeetingStatus.CANCELLED:
        changed_at = spec.starts_at - timedelta(hours=3)
    elif spec.status != MeetingStatus.PLANNED:
        changed_at = spec.ends_at + timedelta(minutes=3)
    else:
        changed_at = None
    return Meeting(
        case_id=spec.case_id,
        caseworker_id=spec.caseworker_id,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        kind=spec.kind,
        channel=spec.channel,
        location=spec.location,
        status=spec.status,
        held_at=changed_at if spec.status == MeetingStatus.HELD else None,
        booked_by_id=user_id,
        status_changed_at=changed_at,
        status_changed_by_id=user_id if changed_at else None,
    )


def _journal_write(journals: list[tuple[int, int, list]]) -> int:
    """The notes first, then the corrections that point back at them (inserts only)."""
    entries, corrections = [], []
    for case_id, user_id, notes in journals:
        written = [
            JournalEntry(case_id=case_id, kind=n.kind, text=n.text, written_by_id=user_id, written_at=n.written_at)
            for n in notes
            if n.corrects is None
        ]
        entries += written
        corrections += [
            JournalEntry(
                case_id=case_id,
                kind=n.kind,
                text=n.text,
                written_by_id=user_id,
                written_at=n.written_at,
                corrects=written[n.corrects],
            )
            for n in notes
            if n.corrects is not None
        ]
    JournalEntry.objects.bulk_create(entries, batch_size=BATCH)
    JournalEntry.objects.bulk_create(corrections, batch_size=BATCH)
    return len(entries) + len(corrections)


def demo_day_ensure(*, day: date | None = None) -> int:
    """Book jobsamtaler on `day` (default today) for the demo caseworker login, through the
    booking service, until they have DAY_MEETINGS that are not cancelled: the cases whose
    contact is most urgent and that have nothing booked from that day on. Returns how many
    were booked (none when the demo caseworker does not exist or is away)."""
    caseworker = (
        Caseworker.objects.select_related("user")
        .filter(
            user__username=DEMO_CASEWORKER,
            team__jobcenter__municipality_code=MUNICIPALITY_CODE,
            status=CaseworkerStatus.ACTIVE,
        )
        .first()
    )
    if caseworker is None:
        return 0
    tz = ZoneInfo(settings.TIME_ZONE)
    day = day or timezone.localdate()
    starts = datetime.combine(day, time.min, tzinfo=tz)
    ends = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    that_day = list(
        Meeting.objects.filter(caseworker=caseworker, starts_at__gte=starts, starts_at__lt=ends)
        .exclude(status=MeetingStatus.CANCELLED)
        .values_list("starts_at", "ends_at")
    )
    wanted = DAY_MEETINGS - len(that_day)
    if wanted <= 0:
        return 0
    diary = Diary(tz)
    for starts_at, ends_at in that_day:
        diary.mark(caseworker.pk, starts_at, ends_at)
    booked_ahead = Meeting.objects.filter(caseworker=caseworker, status=MeetingStatus.PLANNED, starts_at__gte=starts)
    unbooked = Case.objects.filter(caseworker=caseworker, status=CaseStatus.OPEN).exclude(
        pk__in=booked_ahead.values("case_id")
    )
    candidates = with_contact_plan(unbooked).order_by(F("next_contact_due").asc(nulls_last=True), "pk")
    booked = 0
    for case in candidates[: wanted * 2]:
        slot = diary.free_on(caseworker.pk, day)
        if booked == wanted or slot is None:
            break
        try:
            casework_services.meeting_book(
                case=case,
                starts_at=diary.take(caseworker.pk, day, slot),
                kind=MeetingKind.JOBSAMTALE,
                channel=Channel.IN_PERSON,
                location=ROOMS[booked % len(ROOMS)],
                by=caseworker.user,
            )
        except MeetingOverlaps:  # booked meanwhile by someone else: the slot stays taken
            continue
        booked += 1
    return booked
