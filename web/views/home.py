"""Where a user lands: a caseworker's own caseload, a leader's team(s), an admin's overview."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from access.rules import is_admin
from access.viewer import viewer_of
from cases.access_log import citizen_access_record
from cases.models import AccessAction
from staff.models import Caseworker

from ..forms import CaseloadFilterForm
from ..selectors import caseload_cases, caseworker_of_user, teams_led, teams_overview
from .common import is_htmx

CASELOAD_PAGE_SIZE = 100


@login_required
@require_GET
def home(request):
    caseworker = caseworker_of_user(user=request.user)
    if caseworker is not None:
        return _caseload(request, caseworker=caseworker)
    viewer = viewer_of(request.user)
    if not viewer.is_admin:
        led = viewer.led_team_ids
        if len(led) == 1:
            return redirect("web:team", team_id=led[0])
        if not led:
            return render(request, "web/no_role.html")
    return _teams(request)


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


def _caseload(request, *, caseworker: Caseworker):
    query, sort = CaseloadFilterForm(request.GET).cleaned_or_default()
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
        "sort": sort,
        "filter_form": CaseloadFilterForm(initial={"q": query, "sort": sort}),
        "led_teams": list(teams_led(user=request.user)),
    }
    if is_htmx(request) and request.htmx.target == "caseload-results":
        return render(request, "web/partials/caseload_results.html", context)
    return render(request, "web/caseload.html", context)
