"""A caseworker's meetings as an iCalendar feed (RFC 5545), for Outlook and phones to subscribe to.

Calendars sync to phones and to clouds outside the municipality, so an event carries the
case number, the kind of meeting, its channel, place, time and status, and never a
citizen's name or CPR number (the place is what the caseworker typed; the booking form
says it goes into the calendar). Every event's UID is the meeting's id, so that a calendar
updates an event instead of adding another when a meeting changes; a cancelled meeting
stays in the feed as STATUS:CANCELLED until it leaves the window, so that subscribers
remove it. Times are written in UTC, which needs no VTIMEZONE.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import icalendar
from django.utils.translation import gettext as _

from .models import Meeting, MeetingStatus

FEED_DAYS_BACK, FEED_DAYS_AHEAD = 30, 180
PRODID = "-//Jobcenter caseloads//Casework meetings//DA"
UID_DOMAIN = "meetings.jobcenter-caseloads"
REFRESH = timedelta(hours=1)

_ICAL_STATUS = {
    MeetingStatus.PLANNED: "CONFIRMED",
    MeetingStatus.HELD: "CONFIRMED",
    MeetingStatus.NO_SHOW: "CONFIRMED",
    MeetingStatus.CANCELLED: "CANCELLED",
}


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """The meetings a feed carries start in [now - 30 days, now + 180 days)."""
    return now - timedelta(days=FEED_DAYS_BACK), now + timedelta(days=FEED_DAYS_AHEAD)


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@{UID_DOMAIN}"


def meeting_summary(meeting: Meeting) -> str:
    return _("%(kind)s, case %(case)s") % {"kind": meeting.get_kind_display(), "case": meeting.case_id}


def _event(meeting: Meeting, *, now: datetime, case_url: Callable[[int], str] | None) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("last-modified", meeting.updated_at.astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", meeting_summary(meeting))
    event.add("status", _ICAL_STATUS[meeting.status])
    event.add("class", "PRIVATE")
    if meeting.status == MeetingStatus.CANCELLED:
        event.add("transp", "TRANSPARENT")
    place = meeting.location or meeting.get_channel_display()
    event.add("location", place)
    lines = [
        _("Case %(case)s") % {"case": meeting.case_id},
        f"{_('Kind')}: {meeting.get_kind_display()}",
        f"{_('Channel')}: {meeting.get_channel_display()}",
        f"{_('Status')}: {meeting.get_status_display()}",
    ]
    if meeting.location:
        lines.append(f"{_('Place')}: {meeting.location}")
    if case_url is not None:
        url = case_url(meeting.case_id)
        event.add("url", url)
        lines.append(url)
    event.add("description", "\n".join(lines))
    return event


def meetings_ical(*, meetings: Iterable[Meeting], now: datetime, case_url: Callable[[int], str] | None = None) -> bytes:
    """The feed: one VEVENT per meeting. `case_url` links an event to its case page (which
    asks for a login like every page)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Jobcenter meetings"))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for meeting in meetings:
        calendar.add_component(_event(meeting, now=now, case_url=case_url))
    return calendar.to_ical()
