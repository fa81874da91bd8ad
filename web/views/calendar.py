"""My calendar: the caseworker's week of meetings, and the secret address of their iCalendar
feed (created here, shown once, revoked here).

The feed itself answers without a login, since Outlook and phones subscribe to an address
and send no session: the secret in the address is the credential (casework.calendar_feed),
and what the feed carries is chosen so that a leaked address leaks no citizen
(casework.ical). Its requests are rate-limited per client address.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from access.doors import access_caseworker
from access.viewer import viewer_of
from cases.access_log import citizen_access_record
from cases.models import AccessAction
from casework.calendar_feed import (
    calendar_feed_create,
    calendar_feed_of_token,
    calendar_feed_of_user,
    calendar_feed_revoke,
    calendar_feed_used,
)
from casework.ical import FEED_DAYS_AHEAD, FEED_DAYS_BACK, feed_window, meetings_ical

from ..casework_selectors import clashing, feed_meetings, week_of_meetings
from ..forms import WeekForm
from .day import _own_caseworker


def _iso_week(day) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _calendar_page(request, *, feed_url: str = "", status: int = 200):
    caseworker = _own_caseworker(request)
    today = timezone.localdate()
    monday = WeekForm(request.GET).monday(today=today)
    days = week_of_meetings(user=request.user, caseworker=caseworker, monday=monday)
    meetings = [m for d in days for m in d.meetings]
    citizen_access_record(
        user=request.user,
        citizen_ids=[m.case.citizen_id for m in meetings],
        action=AccessAction.LIST,
        route=request.path,
    )
    year, week, _weekday = monday.isocalendar()
    context = {
        "caseworker": caseworker,
        "days": days,
        "clashes": clashing(meetings),
        "today": today,
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "iso_year": year,
        "iso_week": week,
        "this_week": _iso_week(today),
        "previous_week": _iso_week(monday - timedelta(days=7)),
        "next_week": _iso_week(monday + timedelta(days=7)),
        "is_this_week": _iso_week(monday) == _iso_week(today),
        "back_here": f"{reverse('web:calendar')}?week={_iso_week(monday)}",
        "feed": calendar_feed_of_user(user=request.user),
        "feed_url": feed_url,
        "feed_days_back": FEED_DAYS_BACK,
        "feed_days_ahead": FEED_DAYS_AHEAD,
    }
    return render(request, "web/calendar.html", context, status=status)


@login_required
@require_GET
def calendar(request):
    return _calendar_page(request)


@login_required
@require_POST
def calendar_feed_new(request):
    """A new secret address (any earlier one stops working), shown in this answer only: it is
    kept nowhere, neither in the session nor in a message."""
    _own_caseworker(request)
    token = calendar_feed_create(user=request.user)
    url = request.build_absolute_uri(reverse("web:calendar_feed", kwargs={"token": token}))
    return _calendar_page(request, feed_url=url)


@login_required
@require_POST
def calendar_feed_delete(request):
    _own_caseworker(request)
    if calendar_feed_revoke(user=request.user):
        messages.success(request, _("The calendar address is revoked: calendars subscribed to it get nothing more."))
    else:
        messages.info(request, _("You have no calendar address."))
    return redirect("web:calendar")


def _too_many(usage) -> bool:
    return usage is not None and usage["should_limit"]


def _feed_limited(group: str, key, rate: str, *, increment: bool):
    def check(request) -> bool:
        return _too_many(get_usage(request, group=group, key=key, rate=rate, method=ALL, increment=increment))

    return check


@require_safe
def calendar_feed(request, token: str):
    """The feed, for whoever holds the secret address; a 404 for any other address.

    Two limits: addresses that name no feed count per client address (someone guessing; the
    calendars of everyone behind one proxy or one cloud service are not), and fetches of one
    feed count per feed (a client polling far too often)."""
    misses = settings.CALENDAR_FEED_MISSES_PER_CLIENT
    if _feed_limited("calendar-feed:miss", "ip", misses, increment=False)(request):
        return _too_many_requests()
    feed = calendar_feed_of_token(token)
    if feed is None:
        _feed_limited("calendar-feed:miss", "ip", misses, increment=True)(request)
        raise Http404("No such calendar.")
    per_feed = _feed_limited(
        "calendar-feed", lambda group, request: feed.digest, settings.CALENDAR_FEED_RATE_PER_FEED, increment=True
    )
    if per_feed(request):
        return _too_many_requests()
    owner = viewer_of(feed.user)
    if owner.caseworker_id is None:
        raise Http404("No such calendar.")
    caseworker = access_caseworker(feed.user, owner.caseworker_id)
    now = timezone.now()
    starts_after, starts_before = feed_window(now)
    meetings = feed_meetings(
        user=feed.user, caseworker=caseworker, starts_after=starts_after, starts_before=starts_before
    )
    calendar_feed_used(feed=feed, now=now)
    with translation.override(settings.LANGUAGE_CODE):
        body = meetings_ical(
            meetings=meetings,
            now=now,
            case_url=lambda case_id: request.build_absolute_uri(reverse("web:case", args=[case_id])),
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="jobcenter.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


def _too_many_requests() -> HttpResponse:
    return HttpResponse(status=429, headers={"Retry-After": "3600"})
