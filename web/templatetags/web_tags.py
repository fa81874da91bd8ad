"""Template helpers of the web pages: the load bar, days open, and sortable column links."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from access.viewer import viewer_of

register = template.Library()

NEAR_CAP_NUMERATOR, NEAR_CAP_DENOMINATOR = 9, 10  # amber from 90 % of the cap, in integers


@dataclass(frozen=True)
class Load:
    """Open cases against a cap, with its level said in words as well as in colour."""

    open_cases: int
    cap: int

    @property
    def level(self) -> str:
        if self.open_cases > self.cap:
            return "over"
        if self.cap and self.open_cases * NEAR_CAP_DENOMINATOR >= self.cap * NEAR_CAP_NUMERATOR:
            return "near"
        return "ok"

    @property
    def label(self) -> str:
        if self.level == "over":
            return _("Over cap")
        if self.open_cases == self.cap and self.cap:
            return _("At cap")
        if self.level == "near":
            return _("Near cap")
        return _("Within cap")

    @property
    def percent(self) -> int:
        return round(100 * self.open_cases / self.cap) if self.cap else (0 if not self.open_cases else 100)

    @property
    def scale(self) -> int:
        # Over the cap, the bar's full length is the caseload and a marker shows the cap,
        # so that "how far over" is visible instead of a bar stuck at 100 %.
        return max(self.open_cases, self.cap, 1)

    @property
    def fill_width(self) -> float:
        return round(100 * self.open_cases / self.scale, 2)

    @property
    def cap_position(self) -> float:
        return round(100 * self.cap / self.scale, 2)


@register.inclusion_tag("web/partials/load_bar.html")
def load_bar(open_cases, cap, size="normal", label=""):
    return {"load": Load(int(open_cases or 0), int(cap or 0)), "size": size, "label": label}


@register.filter
def days_since(moment) -> int | str:
    if not moment:
        return ""
    return max(0, (timezone.now() - moment).days)


@register.simple_tag(takes_context=True)
def sort_link(context, key: str) -> str:
    """The query string that sorts by `key`, flipping the direction when already sorted by it."""
    current = context.get("sort", "")
    params = {"sort": f"-{key}" if current == key else key}
    query = context.get("link_query")  # never a CPR number (web.forms.may_travel_in_url)
    if query:
        params["q"] = query
    return "?" + urlencode(params)


@register.simple_tag(takes_context=True)
def aria_sort(context, key: str) -> str:
    current = context.get("sort", "")
    if current == key:
        return "ascending"
    if current == f"-{key}":
        return "descending"
    return "none"


@register.simple_tag(takes_context=True)
def leads_any_team(context) -> bool:
    """For the navigation: from the request's Viewer, which the page has read already."""
    request = context.get("request")
    return viewer_of(getattr(request, "user", None)).leads_any_team


@register.simple_tag(takes_context=True)
def is_caseworker(context) -> bool:
    """For the navigation: whether the user has a caseworker record (and so a day, a caseload
    and a calendar), from the request's Viewer."""
    request = context.get("request")
    return viewer_of(getattr(request, "user", None)).caseworker_id is not None


@register.filter
def minutes_long(meeting) -> int:
    """A meeting's length in whole minutes."""
    return int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)


@register.filter
def days_after(day, since) -> int | str:
    """How many days `day` lies after `since` (both dates); "" when either is missing."""
    if not day or not since:
        return ""
    return (day - since).days
