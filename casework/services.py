"""Writes of casework: journal entries, meetings and their status, the contact rules, and
what a case's moves mean for its meetings (called by allocation in the same transaction).

Callers have already decided that the user may see the case (`access.doors`); these
enforce the rules of the data itself.
"""

from __future__ import annotations

import random
import time as time_module
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseStatus
from core.db import is_deadlock, violated_constraint

from .errors import CorrectsAnotherCase, MeetingCaseNotOpen, MeetingNotPlanned, MeetingNotStarted, MeetingOverlaps
from .models import (
    DURATION_MINUTES_DEFAULT,
    DURATION_MINUTES_MAX,
    DURATION_MINUTES_MIN,
    EARLIEST_DAY,
    LATEST_DAY,
    TEXT_MAX_LENGTH,
    ContactRule,
    JournalEntry,
    Meeting,
    MeetingStatus,
)
from .selectors import overlapping_planned

# The exclusion constraint of migration 0002 (PostgreSQL only).
NO_DOUBLE_BOOKING = "meeting_no_double_booking"


# --- Journal -----------------------------------------------------------------------------


def journal_text_clean(text: str) -> str:
    """The text as it is stored (trimmed), or ValidationError."""
    kept = (text or "").strip()
    if not kept:
        raise ValidationError(_("Write the note."), code="required")
    if len(kept) > TEXT_MAX_LENGTH:
        raise ValidationError(
            _("At most %(max)d characters (this has %(length)d).") % {"max": TEXT_MAX_LENGTH, "length": len(kept)},
            code="max_length",
        )
    return kept


def journal_write(*, case: Case, kind: str, text: str, by, corrects: JournalEntry | None = None) -> JournalEntry:
    """Append an entry to the case's journal; `corrects` names the entry it corrects. The
    journal never changes otherwise: the database refuses updates and deletes."""
    try:
        text = journal_text_clean(text)
    except ValidationError as error:
        raise ValidationError({"text": error.messages}, code=error.code) from None
    if corrects is not None and corrects.case_id != case.pk:
        raise CorrectsAnotherCase()
    return JournalEntry.objects.create(
        case=case, kind=kind, text=text, written_by=by, written_at=timezone.now(), corrects=corrects
    )


# --- Meetings ----------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def meeting_book(
    *,
    case: Case,
    starts_at: datetime,
    kind: str,
    channel: str,
    location: str = "",
    duration_minutes: int = DURATION_MINUTES_DEFAULT,
    by=None,
) -> Meeting:
    """Book a meeting of the case with its current caseworker. The case must be open, and
    the caseworker free: no planned meeting of theirs may overlap (on PostgreSQL the
    database's exclusion constraint decides when two bookings race)."""
    if not DURATION_MINUTES_MIN <= duration_minutes <= DURATION_MINUTES_MAX:
        raise ValidationError(
            {"duration_minutes": [_("Between %(min)d and %(max)d minutes.") % {"min": 5, "max": 480}]}
        )
    # Compared as they are (an aware time in year 9999 cannot always be turned into local time).
    earliest = timezone.make_aware(datetime.combine(EARLIEST_DAY, time.min), timezone.get_default_timezone())
    latest = timezone.make_aware(
        datetime.combine(LATEST_DAY + timedelta(days=1), time.min), timezone.get_default_timezone()
    )
    if not earliest <= starts_at < latest:
        raise ValidationError(
            {
                "starts_at": [
                    _("Choose a time between %(earliest)s and %(latest)s.")
                    % {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()}
                ]
            }
        )
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    booking = {"kind": kind, "channel": channel, "location": location, "by": by}
    # Concurrent bookings of one time check the exclusion constraint against each other's
    # uncommitted rows; with three or more PostgreSQL may break the wait by aborting one as a
    # deadlock. That booking is tried again, and then sees the winner and is refused.
    for attempt in range(_DEADLOCK_ATTEMPTS):
        try:
            return _meeting_book_once(case=case, starts_at=starts_at, ends_at=ends_at, **booking)
        except OperationalError as error:
            if connection.in_atomic_block or attempt == _DEADLOCK_ATTEMPTS - 1 or not is_deadlock(error):
                raise
            time_module.sleep(random.uniform(0, 0.01 * 2**attempt))
    raise AssertionError("unreachable")


_DEADLOCK_ATTEMPTS = 6


def _meeting_book_once(*, case: Case, starts_at, ends_at, kind, channel, location, by) -> Meeting:
    with transaction.atomic():
        # The case row, locked: a close or a reassignment waits for the booking, or the
        # booking sees its result.
        locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        if locked.status != CaseStatus.OPEN:
            raise MeetingCaseNotOpen(case=case.pk)
        clash = overlapping_planned(caseworker_id=locked.caseworker_id, starts_at=starts_at, ends_at=ends_at).first()
        if clash is not None:
            raise _overlaps(locked, clash)
        meeting = Meeting(
            case=locked,
            caseworker_id=locked.caseworker_id,
            starts_at=starts_at,
            ends_at=ends_at,
            kind=kind,
            channel=channel,
            location=(location or "").strip(),
            booked_by=by,
        )
        try:
            with transaction.atomic():
                meeting.save(force_insert=True)
        except IntegrityError as error:
            if violated_constraint(error) != NO_DOUBLE_BOOKING:
                raise
            clash = overlapping_planned(caseworker_id=locked.caseworker_id, starts_at=starts_at, ends_at=ends_at)
            raise _overlaps(locked, clash.first()) from None
    return meeting


def _overlaps(case: Case, clash: Meeting | None) -> MeetingOverlaps:
    name = case.caseworker.full_name if case.caseworker_id else ""
    if clash is None:  # the racing booking was cancelled again in between
        return MeetingOverlaps(_("%(name)s already has a meeting at that time."), name=name)
    return MeetingOverlaps(name=name, starts=_when(clash.starts_at), ends=_when(clash.ends_at), meeting=clash.pk)


def meeting_held(*, meeting: Meeting, by=None) -> Meeting:
    return _meeting_status(meeting=meeting, status=MeetingStatus.HELD, by=by)


def meeting_no_show(*, meeting: Meeting, by=None) -> Meeting:
    return _meeting_status(meeting=meeting, status=MeetingStatus.NO_SHOW, by=by)


def meeting_cancel(*, meeting: Meeting, by=None) -> Meeting:
    return _meeting_status(meeting=meeting, status=MeetingStatus.CANCELLED, by=by)


@transaction.atomic
def _meeting_status(*, meeting: Meeting, status: str, by) -> Meeting:
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.status != MeetingStatus.PLANNED:
        raise MeetingNotPlanned(status=locked.get_status_display(), meeting=locked.pk)
    now = timezone.now()
    if status in (MeetingStatus.HELD, MeetingStatus.NO_SHOW) and locked.starts_at > now:
        raise MeetingNotStarted(meeting=locked.pk)
    locked.status, locked.status_changed_at, locked.status_changed_by = status, now, by
    locked.held_at = now if status == MeetingStatus.HELD else None
    locked.save(update_fields=["status", "held_at", "status_changed_at", "status_changed_by", "updated_at"])
    return locked


@dataclass(frozen=True)
class CarriedMeeting:
    """A meeting carried over from an earlier system (`onboarding.meetings`)."""

    case_id: int
    caseworker_id: int
    starts_at: datetime
    ends_at: datetime
    kind: str
    channel: str
    status: str
    location: str = ""


def meetings_carried_over(*, meetings: list[CarriedMeeting], by) -> list[Meeting]:
    """Write meetings held, missed, cancelled or booked before the system was in use, in
    bulk. The caller has locked the cases and checked what a booking checks (the case open
    with this caseworker, a planned meeting ahead and its caseworker free); on PostgreSQL the
    exclusion constraint still has the last word over planned ones. A held or missed
    meeting counts as recorded when it ended, by whoever imported it."""
    now = timezone.now()
    rows = []
    for m in meetings:
        if m.status == MeetingStatus.PLANNED:
            changed_at = None
        else:
            changed_at = now if m.status == MeetingStatus.CANCELLED else m.ends_at
        rows.append(
            Meeting(
                case_id=m.case_id,
                caseworker_id=m.caseworker_id,
                starts_at=m.starts_at,
                ends_at=m.ends_at,
                kind=m.kind,
                channel=m.channel,
                location=m.location.strip(),
                status=m.status,
                held_at=m.ends_at if m.status == MeetingStatus.HELD else None,
                booked_by=by,
                status_changed_at=changed_at,
                status_changed_by=by if changed_at else None,
            )
        )
    return Meeting.objects.bulk_create(rows, batch_size=1000)


# --- What a case's moves mean for its meetings (allocation calls these) -------------------


def meetings_follow_case(*, case_ids: list[int], caseworker_id: int) -> int:
    """The planned meetings of these cases go to their new caseworker. One that lands on a
    time the new caseworker has already booked (or on another that moves with it) keeps its
    time, since the citizen was told it, and is marked as moved onto booked time, for the
    caseworker to sort out; the no-double-booking constraint governs bookings, not this."""
    if not case_ids:
        return 0
    moving = list(
        Meeting.objects.filter(case_id__in=case_ids, status=MeetingStatus.PLANNED)
        .exclude(caseworker_id=caseworker_id)
        .order_by("starts_at", "id")
        .values_list("pk", "starts_at", "ends_at")
    )
    if not moving:
        return 0
    booked = list(
        overlapping_planned(caseworker_id=caseworker_id, starts_at=moving[0][1], ends_at=max(m[2] for m in moving))
        .filter(moved_onto_booked_time=False)
        .values_list("starts_at", "ends_at")
    )
    clashing, free = [], []
    for pk, starts_at, ends_at in moving:
        if any(s < ends_at and e > starts_at for s, e in booked):
            clashing.append(pk)
        else:
            free.append(pk)
            booked.append((starts_at, ends_at))
    now = timezone.now()
    for pks, flag in ((free, False), (clashing, True)):
        if pks:
            Meeting.objects.filter(pk__in=pks).update(
                caseworker_id=caseworker_id, moved_onto_booked_time=flag, updated_at=now
            )
    return len(moving)


def meetings_cancel_for_closed_case(*, case_id: int, by=None, now: datetime | None = None) -> int:
    """Closing a case cancels its planned meetings that have not started."""
    now = now or timezone.now()
    return Meeting.objects.filter(case_id=case_id, status=MeetingStatus.PLANNED, starts_at__gt=now).update(
        status=MeetingStatus.CANCELLED, status_changed_at=now, status_changed_by=by, updated_at=now
    )


# --- Contact rules -----------------------------------------------------------------------


def contact_rule_update(*, rule: ContactRule, **changes) -> ContactRule:
    for field, value in changes.items():
        setattr(rule, field, value)
    rule.full_clean()
    rule.save()
    return rule


def cases_casework_erase(*, case_ids) -> None:
    """What casework holds of these cases that may name their citizen, gone (retention): the
    journal deleted, the meetings kept for the statistics without their place. Inside the
    caller's transaction."""
    _journal_delete(case_ids)
    Meeting.objects.filter(case_id__in=case_ids).exclude(location="").update(location="")


def _journal_delete(case_ids) -> None:
    """The one DELETE of journal entries there is. The model refuses deletes (append-only),
    so the rows go in one statement, a case's corrections with the entries they correct
    (the foreign keys are checked at commit); on PostgreSQL the trigger lets it pass only
    while `casework.retention_deletion` is on, for this statement alone."""
    table = connection.ops.quote_name(JournalEntry._meta.db_table)
    placeholders = ", ".join(["%s"] * len(case_ids))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL casework.retention_deletion = 'on'")
        try:
            cursor.execute(f"DELETE FROM {table} WHERE case_id IN ({placeholders})", list(case_ids))  # noqa: S608
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL casework.retention_deletion = 'off'")
