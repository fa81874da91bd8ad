"""Template helpers of the web pages: the load bar, days open, and sortable column links."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from access.viewer import viewer_of
from staff.models import HUNDREDTHS, load_number

from ..selectors import weights_shown

register = template.Library()

NEAR_CAP_NUMERATOR, NEAR_CAP_DENOMINATOR = 9, 10  # amber from 90 % of the cap, in integers


@dataclass(frozen=True)
class Load:
    """Open cases (or, with weights, the load) against a cap, with its level said in words as
    well as in colour.

    `load_hundredths`: the load, when weights are in use (None: the count is the load); the
    level is reckoned on it in hundredths, exactly, and the count is shown beside it."""

    open_cases: int
    cap: int
    load_hundredths: int | None = None

    @property
    def hundredths(self) -> int:
        return self.open_cases * HUNDREDTHS if self.load_hundredths is None else self.load_hundredths

    @property
    def level(self) -> str:
        if self.hundredths > self.cap * HUNDREDTHS:
            return "over"
        if self.cap and self.hundredths * NEAR_CAP_DENOMINATOR >= self.cap * HUNDREDTHS * NEAR_CAP_NUMERATOR:
            return "near"
        return "ok"

    @property
    def label(self) -> str:
        if self.level == "over":
            return _("Over cap")
        if self.hundredths == self.cap * HUNDREDTHS and self.cap:
            return _("At cap")
        if self.level == "near":
            return _("Near cap")
        return _("Within cap")

    @property
    def percent(self) -> int:
        if not self.cap:
            return 0 if not self.hundredths else 100
        return round(self.hundredths / self.cap)  # 100 * (load / 100) / cap

    @property
    def scale(self) -> int:
        # Over the cap, the bar's full length is the load and a marker shows the cap,
        # so that "how far over" is visible instead of a bar stuck at 100 %.
        return max(self.hundredths, self.cap * HUNDREDTHS, HUNDREDTHS)

    @property
    def fill_width(self) -> float:
        return round(100 * self.hundredths / self.scale, 2)

    @property
    def cap_position(self) -> float:
        return round(100 * self.cap * HUNDREDTHS / self.scale, 2)

    @property
    def numbers(self) -> str:
        """ "5 / 2"; with weights "42,5 / 45 (40 cases)"."""
        text = f"{load_number(self.hundredths)} / {self.cap}"
        if self.load_hundredths is None:
            return text
        cases = ngettext("%(count)s case", "%(count)s cases", self.open_cases) % {"count": self.open_cases}
        return f"{text} ({cases})"


def _load(context, open_cases, cap, load_hundredths=None) -> Load:
    """Without weights the count, exactly as before weights; with them the load and the count."""
    count, cap = int(open_cases or 0), int(cap or 0)
    if not weights_shown(context.get("request")):
        return Load(count, cap)
    return Load(count, cap, count * HUNDREDTHS if load_hundredths is None else int(load_hundredths))


@register.inclusion_tag("web/partials/load_bar.html", takes_context=True)
def load_bar(context, open_cases, cap, size="normal", label="", load_hundredths=None):
    """`load_hundredths`: the load (caseworker.load_hundredths, team.load_hundredths_total),
    shown when weights are in use."""
    return {"load": _load(context, open_cases, cap, load_hundredths), "size": size, "label": label}


@register.simple_tag(takes_context=True)
def load_figure(context, open_cases, cap, load_hundredths=None) -> str:
    """The numbers of `load_bar`, for the big figure above it."""
    return _load(context, open_cases, cap, load_hundredths).numbers


@register.simple_tag(takes_context=True)
def weights_used(context) -> bool:
    """Whether the page speaks of load (weights in use) or of open cases; read once per request."""
    return weights_shown(context.get("request"))


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
