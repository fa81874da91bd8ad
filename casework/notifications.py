"""The meeting reminder: on the working day before, each caseworker who chose it gets ONE
e-mail listing their planned meetings up to and including the next working day.

Run each morning (beat: `casework.remind_meetings`). On a day that is not a working day it
does nothing; on a working day it covers every meeting that starts after today and before
the end of the next working day, so Friday's mail holds Monday's meetings (and any on the
weekend between), and the day before Easter holds everything up to the Tuesday after
(`working_days`). A meeting booked after the morning's run for the next day gets no
reminder: whoever booked it knows.

Idempotent: `Meeting.reminded_at` is set in the same transaction as the claim (SKIP LOCKED,
one caseworker at a time) and the sending, so a rerun, or a second beat, sends nothing
twice; a message the mail server refuses leaves its meetings for the next run.

Each meeting is given by its time, kind, channel, place and case number, with a link to the
case page. Never the citizen's name or CPR number, and nothing of the journal.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import formats, timezone, translation

from core.db import claimable
from core.mail import absolute_url, message_plain, render_every_language, send_each, subject_default_language
from staff.models import Caseworker

from . import working_days
from .models import Meeting, MeetingStatus


def reminder_window(today: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
    """[start, end) of the meetings that today's reminder covers, or None on a day off."""
    if not working_days.is_working_day(today):
        return None
    tz = ZoneInfo(settings.TIME_ZONE)
    last = working_days.next_working_day(today)
    start = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tz)
    return start, end


def meeting_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Send today's reminders; returns the number of e-mails sent."""
    now = now or timezone.now()
    window = reminder_window(timezone.localdate(now, ZoneInfo(settings.TIME_ZONE)))
    if window is None:
        return 0
    start, end = window
    due = Meeting.objects.filter(
        status=MeetingStatus.PLANNED,
        reminded_at__isnull=True,
        starts_at__gte=start,
        starts_at__lt=end,
        caseworker__meeting_reminders=True,
        caseworker__user__is_active=True,
    ).exclude(caseworker__user__email="")
    rows = Caseworker.objects.filter(pk__in=due.values("caseworker_id")).order_by("pk")
    recipients = {pk: (email, name) for pk, email, name in rows.values_list("pk", "user__email", "full_name")}
    last_day = (end - datetime.timedelta(days=1)).date()
    sent = 0
    for caseworker_id, (address, name) in recipients.items():
        mine = due.filter(caseworker_id=caseworker_id)
        sent += _remind(meetings=mine, to=address, name=name, last_day=last_day, now=now)
    return sent


def _remind(*, meetings, to: str, name: str, last_day: datetime.date, now: datetime.datetime) -> int:
    with transaction.atomic():
        claimed = list(claimable(meetings).order_by("starts_at", "id"))
        if not claimed:
            return 0  # another worker has them
        message = meeting_reminder_email(meetings=claimed, to=to, name=name, last_day=last_day)
        if not send_each([(claimed[0].caseworker_id, message)], what="the meeting reminder"):
            return 0
        Meeting.objects.filter(pk__in=[m.pk for m in claimed]).update(reminded_at=now)
    return 1


def _day(value: datetime.date) -> str:
    """A weekday and a date in the active language: "fredag 9. januar 2026"."""
    return f"{formats.date_format(value, 'l')} {formats.date_format(value, 'DATE_FORMAT')}"


def meeting_reminder_email(*, meetings: list[Meeting], to: str, name: str, last_day: datetime.date) -> EmailMessage:
    tz = ZoneInfo(settings.TIME_ZONE)
    context = {"name": name, "count": len(meetings)}

    def per_language() -> dict:
        items = []
        for meeting in meetings:
            starts, ends = meeting.starts_at.astimezone(tz), meeting.ends_at.astimezone(tz)
            items.append(
                {
                    "day": _day(starts.date()),
                    "starts": formats.time_format(starts, "H:i"),
                    "ends": formats.time_format(ends, "H:i"),
                    "kind": meeting.get_kind_display(),
                    "channel": meeting.get_channel_display(),
                    "location": meeting.location,
                    "case": meeting.case_id,
                    "clash": meeting.moved_onto_booked_time,
                    "url": absolute_url("web:case", meeting.case_id),
                }
            )
        return {"items": items, "last": _day(last_day)}

    with translation.override(settings.LANGUAGE_CODE):
        subject = subject_default_language("emails/meeting_reminder_subject.txt", {**context, **per_language()})
    body = render_every_language("emails/meeting_reminder.txt", context, per_language=per_language)
    return message_plain(subject=subject, body=body, to=[to])
