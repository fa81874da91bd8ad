"""The meetings import: conversations already held, missed or booked in the earlier system,
so that an imported case's contact plan starts where it stands instead of from the day the
case opened.

A row is `cpr, municipality_code, starts_at, minutes, kind, channel, status, place`; it
belongs to the citizen's open case (import the caseload first) and to that case's
caseworker. `starts_at` is local time (`YYYY-MM-DD HH:MM`); `minutes` defaults to 45; an
empty `status` is *held* for a time that has passed and *planned* for one ahead.

Natural key: the case and the start. A row that matches the meeting there changes nothing;
one that says something else about it is refused. A booked meeting must lie ahead and find
its caseworker free (no planned meeting of theirs overlaps, in the system or earlier in the
file: the rule every booking keeps); a held or missed one must have started already, and
no meeting lies before the day its case opened.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases import cpr as cpr_rules
from cases.models import Case, CaseStatus, Citizen
from casework.models import (
    DURATION_MINUTES_DEFAULT,
    DURATION_MINUTES_MAX,
    DURATION_MINUTES_MIN,
    EARLIEST_DAY,
    LATEST_DAY,
    Channel,
    MeetingKind,
    MeetingStatus,
)
from casework.selectors import meetings_of_cases_at, planned_overlapping, times_overlap
from casework.services import CarriedMeeting
from staff.models import Jobcenter

from . import parsing
from .parsing import Refused
from .reasons import CREATE, RowOutcome

COLUMNS = ["cpr", "municipality_code", "starts_at", "minutes", "kind", "channel", "status", "place"]
REQUIRED = ["cpr", "municipality_code", "starts_at", "kind"]
HAVE_STARTED = {MeetingStatus.HELD, MeetingStatus.NO_SHOW}


@dataclass
class MeetingsState:
    """What one run carries from chunk to chunk."""

    jobcenters: dict[str, int]
    now: datetime.datetime
    seen: dict[tuple[str, datetime.datetime], int] = field(default_factory=dict)  # (digest, start) -> row
    # Planned meetings accepted earlier in the file, per caseworker: (start, end, row).
    booked: dict[int, list[tuple[datetime.datetime, datetime.datetime, int]]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> MeetingsState:
        return cls(jobcenters=dict(Jobcenter.objects.values_list("municipality_code", "id")), now=timezone.now())


@dataclass
class ParsedMeeting:
    outcome: RowOutcome
    digest: str
    jobcenter_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    kind: str
    channel: str
    status: str
    place: str


@dataclass
class MeetingsPlan:
    outcomes: list[RowOutcome]
    new_meetings: list[CarriedMeeting]
    citizen_ids: set[int]


def meetings_chunk_plan(*, rows: list[tuple[int, dict]], state: MeetingsState) -> MeetingsPlan:
    outcomes, parsed = parsing.rows_by_citizen_parsed(
        rows, lambda row, outcome: _parse(row=row, outcome=outcome, state=state)
    )
    citizens = dict(Citizen.objects.filter(cpr_digest__in={p.digest for p in parsed}).values_list("cpr_digest", "id"))
    # The open cases, locked: a reassignment or a close waits for the chunk, or the chunk
    # sees its result.
    cases = {
        c.citizen_id: c
        for c in Case.objects.select_for_update(no_key=True, of=("self",))
        .filter(citizen_id__in=citizens.values(), status=CaseStatus.OPEN)
        .select_related("caseworker")
        .order_by("pk")
    }
    existing = _existing(cases=cases.values(), parsed=parsed)
    plan = MeetingsPlan(outcomes=outcomes, new_meetings=[], citizen_ids=set())
    for row in parsed:
        citizen_id = citizens.get(row.digest)
        case = cases.get(citizen_id) if citizen_id else None
        _decide(row=row, citizen_id=citizen_id, case=case, existing=existing, plan=plan, state=state)
    return plan


def _parse(*, row: dict, outcome: RowOutcome, state: MeetingsState) -> ParsedMeeting:
    cpr = parsing.cpr(parsing.required(row, "cpr", outcome), outcome)
    code = parsing.required(row, "municipality_code", outcome)
    jobcenter_id = state.jobcenters.get(code)
    if jobcenter_id is None:
        outcome.refuse("unknown_jobcenter", code=code)
        raise Refused()
    starts_at = _moment(parsing.required(row, "starts_at", outcome), outcome)
    minutes = _minutes(row.get("minutes", ""), outcome)
    kind = parsing.choice(parsing.required(row, "kind", outcome), MeetingKind, "kind", outcome)
    channel = parsing.choice(row.get("channel") or Channel.IN_PERSON, Channel, "channel", outcome)
    started = starts_at <= state.now
    status = row.get("status") or (MeetingStatus.HELD if started else MeetingStatus.PLANNED)
    status = parsing.choice(status, MeetingStatus, "status", outcome)
    if status == MeetingStatus.PLANNED and started:
        outcome.refuse("planned_in_the_past")
        raise Refused()
    if status in HAVE_STARTED and not started:
        outcome.refuse("held_in_the_future")
        raise Refused()
    digest = cpr_rules.digest(cpr.number)
    if (digest, starts_at) in state.seen:
        outcome.refuse("duplicate_in_file", what="CPR and start", row=state.seen[(digest, starts_at)])
        raise Refused()
    state.seen[(digest, starts_at)] = outcome.row
    return ParsedMeeting(
        outcome=outcome,
        digest=digest,
        jobcenter_id=jobcenter_id,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        kind=kind,
        channel=channel,
        status=status,
        place=row.get("place", "")[:200],
    )


def _moment(value: str, outcome: RowOutcome) -> datetime.datetime:
    try:
        parsed = parse_datetime(value.replace("T", " ")[:19])
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is not None or not EARLIEST_DAY <= parsed.date() <= LATEST_DAY:
        outcome.refuse("bad_datetime", value=value)
        raise Refused()
    return timezone.make_aware(parsed)


def _minutes(value: str, outcome: RowOutcome) -> int:
    if not value:
        return DURATION_MINUTES_DEFAULT
    if not value.isdigit() or not DURATION_MINUTES_MIN <= int(value) <= DURATION_MINUTES_MAX:
        outcome.refuse("bad_minutes", min=DURATION_MINUTES_MIN, max=DURATION_MINUTES_MAX)
        raise Refused()
    return int(value)


def _existing(*, cases, parsed: list[ParsedMeeting]) -> dict:
    """The meetings already there that the rows may match or clash with: each case's
    meetings at the rows' starts, and the planned ones of the cases' caseworkers."""
    cases = list(cases)
    if not parsed or not cases:
        return {"at": {}, "planned": {}}
    at = {
        (m.case_id, m.starts_at): m
        for m in meetings_of_cases_at(case_ids=[c.pk for c in cases], starts={p.starts_at for p in parsed}).only(
            "case_id", "starts_at", "ends_at", "kind", "channel", "status"
        )
    }
    # Only booked rows can clash, and only with what is booked in their window.
    booked = [p for p in parsed if p.status == MeetingStatus.PLANNED]
    planned: dict[int, list[tuple]] = {}
    if booked:
        taken = planned_overlapping(
            caseworker_ids={c.caseworker_id for c in cases},
            starts_at=min(p.starts_at for p in booked),
            ends_at=max(p.ends_at for p in booked),
        )
        for caseworker_id, starts_at, ends_at in taken.values_list("caseworker_id", "starts_at", "ends_at"):
            planned.setdefault(caseworker_id, []).append((starts_at, ends_at))
    return {"at": at, "planned": planned}


def _decide(
    *, row: ParsedMeeting, citizen_id: int | None, case: Case | None, existing: dict, plan: MeetingsPlan, state
) -> None:
    outcome = row.outcome
    if citizen_id is None:
        outcome.refuse("unknown_citizen")
        return
    if case is None or case.caseworker_id is None:
        outcome.refuse("no_open_case")
        return
    if case.jobcenter_id != row.jobcenter_id:
        outcome.refuse("citizen_other_jobcenter")
        return
    if row.starts_at < parsing.start_of_day(timezone.localdate(case.opened_at)):
        outcome.refuse("before_case_opened", opened=timezone.localdate(case.opened_at).isoformat())
        return
    there = existing["at"].get((case.pk, row.starts_at))
    if there is not None:
        same = (there.ends_at, there.kind, there.channel, there.status) == (
            row.ends_at,
            row.kind,
            row.channel,
            row.status,
        )
        if not same:
            outcome.refuse("other_meeting_same_time")
        return  # unchanged
    if row.status == MeetingStatus.PLANNED:
        taken = existing["planned"].get(case.caseworker_id, []) + [
            (s, e) for s, e, _ in state.booked.get(case.caseworker_id, [])
        ]
        if any(times_overlap((row.starts_at, row.ends_at), other) for other in taken):
            outcome.refuse("caseworker_booked", name=case.caseworker.full_name)
            return
        state.booked.setdefault(case.caseworker_id, []).append((row.starts_at, row.ends_at, outcome.row))
    plan.new_meetings.append(
        CarriedMeeting(
            case_id=case.pk,
            caseworker_id=case.caseworker_id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            kind=row.kind,
            channel=row.channel,
            status=row.status,
            location=row.place,
        )
    )
    plan.citizen_ids.add(citizen_id)
    outcome.mark(CREATE)
