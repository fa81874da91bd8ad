"""Where a user lands: a caseworker's day (and their caseload a click away), a leader's
team(s), an admin's overview."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from access.rules import is_admin
from access.viewer import viewer_of
from cases.access_log import citizen_access_record
from cases.models import AccessAction
from cases.selectors import cpr_change_notice, cpr_former_change
from staff.models import Caseworker

from ..forms import CaseloadFilterForm, may_travel_in_url, shown_in_page
from ..selectors import caseload_cases, caseworker_of_user, teams_led, teams_overview
from .common import is_htmx
from .day import my_day_page

CASELOAD_PAGE_SIZE = 100


def _no_cpr_in_the_url(view):
    """A search that may not travel in a URL (see may_travel_in_url) and came in one anyway,
    from an old bookmark or a hand-typed address, is dropped before anything else happens, even
    before the login redirect, whose `next` would carry it on into the login records."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "GET" and not may_travel_in_url(request.GET.get("q", "")):
            kept = {key: request.GET[key] for key in ("sort",) if key in request.GET}
            return redirect(request.path + (f"?{urlencode(kept)}" if kept else ""))
        return view(request, *args, **kwargs)

    return wrapped


@_no_cpr_in_the_url
@login_required
@require_GET
def home(request):
    caseworker = caseworker_of_user(user=request.user)
    if caseworker is not None:
        return my_day_page(request, caseworker=caseworker)
    viewer = viewer_of(request.user)
    if not viewer.is_admin:
        led = viewer.led_team_ids
        if len(led) == 1:
            return redirect("web:team", team_id=led[0])
        if not led:
            return render(request, "web/no_role.html")
    return _teams(request)


@_no_cpr_in_the_url
@login_required
@require_http_methods(["GET", "POST"])
def caseload(request):
    """The caseworker's open cases, searchable; only for a login with a caseworker record."""
    caseworker = caseworker_of_user(user=request.user)
    if caseworker is None:
        raise Http404("No caseload.")
    return _caseload(request, caseworker=caseworker)


@login_required
@require_GET
def teams(request):
    return _teams(request)


def _teams(request):
    return render(
        request,
        "web/teams.html",
        {"teams": list(teams_overview(user=request.user)), "is_admin": is_admin(request.user)},
    )


def _cpr_notice(query: str, shown) -> str:
    """A search by a former CPR number says so, about a citizen the page shows (only)."""
    change = cpr_former_change(cpr=query, citizen_ids=[case.citizen_id for case in shown]) if query else None
    return cpr_change_notice(change.changed_at) if change else ""


def _caseload(request, *, caseworker: Caseworker):
    # The search form posts, so that a CPR number never reaches the address bar; a GET with a
    # name (a sort link, a bookmark) still searches.
    query, sort = CaseloadFilterForm(request.POST if request.method == "POST" else request.GET).cleaned_or_default()
    link_query = query if may_travel_in_url(query) else ""
    cases = caseload_cases(user=request.user, caseworker=caseworker, query=query, sort=sort)
    page = Paginator(cases, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    citizen_access_record(
        user=request.user,
        citizen_ids=[case.citizen_id for case in shown],
        action=AccessAction.SEARCH if query else AccessAction.LIST,
        route=request.path,
    )
    context = {
        "caseworker": caseworker,
        "page": page,
        "cases": shown,
        "query": query,
        # what the page may write back: a name as typed, a CPR number only masked, and into
        # links (sorting, pages, the search box) nothing with a digit in it
        "shown_query": shown_in_page(query),
        "link_query": link_query,
        "sort": sort,
        "filter_form": CaseloadFilterForm(initial={"q": link_query, "sort": sort}),
        "led_teams": list(teams_led(user=request.user)),
        "cpr_notice": _cpr_notice(query, shown),
    }
    if is_htmx(request) and request.htmx.target == "caseload-results":
        response = render(request, "web/partials/caseload_results.html", context)
    else:
        response = render(request, "web/caseload.html", context)
    if request.method == "POST":
        response["HX-Push-Url"] = _bookmark(request.path, link_query, sort) if link_query else "false"
    return response


def _bookmark(path: str, query: str, sort: str) -> str:
    """The address a name search may leave in the history, as the GET search it equals."""
    return f"{path}?{urlencode({'q': query, 'sort': sort})}"
