"""The team board: load per caseworker, the queue, alerts, toggles, rebalancing and the trend."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from access.doors import access_caseworker, access_team
from access.rules import may_manage_team
from allocation import rebalancing, services
from cases.access_log import citizen_access_record
from cases.models import AccessAction
from casework.selectors import contact_rules
from core.errors import ApplicationError
from staff.models import Team
from staff.selectors import team_is_over_limit

from ..charts import TrendPoint, trend_chart
from ..forms import CaseworkerToggleForm, RebalanceForm
from ..selectors import (
    cases_by_ids,
    new_colleagues_explain,
    team_caseworkers,
    team_open_alerts,
    team_queue,
    team_trend,
)
from .common import is_htmx, report_error

QUEUE_SHOWN = 50
MOVES_SHOWN = 100
TREND_DAYS = 90


def _board_context(request, *, team: Team) -> dict:
    """Everything the board shows that actions change; logs the citizens it lists."""
    rules = contact_rules()  # read once for both the caseworkers' counts and the queue's
    caseworkers = team_caseworkers(team=team, with_contacts=True, rules=rules)
    new_colleagues_explain(caseworkers=caseworkers)
    queue = team_queue(user=request.user, team=team, limit=QUEUE_SHOWN, rules=rules)
    citizen_access_record(
        user=request.user, citizen_ids=[c.citizen_id for c in queue.cases], action=AccessAction.LIST, route=request.path
    )
    return {
        "team": team,
        "is_leader": may_manage_team(request.user, team=team),
        "over_limit": team_is_over_limit(team),
        "caseworkers": caseworkers,
        "queue": queue.cases,
        "queue_total": queue.total,
        "queue_more": max(0, queue.total - len(queue.cases)),
        "queue_missed_first_contact": queue.missed_first_contact,
        "today": timezone.localdate(),
        "alerts": team_open_alerts(user=request.user, team=team),
        "rebalance_form": RebalanceForm(),
        "now": timezone.now(),
    }


def _trend_context(*, team: Team) -> dict:
    today = timezone.localdate()
    start = today - datetime.timedelta(days=TREND_DAYS - 1)
    rows = team_trend(team=team, days=TREND_DAYS, today=today)
    points = [TrendPoint(date=r.date, open_cases=r.open_cases, capacity=r.cap) for r in rows]
    return {"trend": trend_chart(points=points, start=start, end=today), "trend_days": TREND_DAYS}


def _board_team(request, team_id: int) -> Team:
    """The team with its load figures and jobcenter: a 404 unless the user may see it."""
    return access_team(request.user, team_id, select_related=("jobcenter",), with_load=True)


def _leader_team(request, team_id: int) -> Team:
    """The team if the user may see it (else 404) and lead it (else 403)."""
    team = _board_team(request, team_id)
    if not may_manage_team(request.user, team=team):
        raise PermissionDenied
    return team


def _board_response(request, *, team_id: int):
    """After an action: the board fragment for htmx, else back to the page (PRG)."""
    if not is_htmx(request):
        return redirect("web:team", team_id=team_id)
    team = _board_team(request, team_id)  # fresh load figures
    return render(request, "web/partials/team_board_response.html", _board_context(request, team=team))


@login_required
@require_GET
def team_board(request, team_id: int):
    team = _board_team(request, team_id)
    context = {**_board_context(request, team=team), **_trend_context(team=team)}
    return render(request, "web/team.html", context)


@login_required
@require_POST
def caseworker_toggle(request, team_id: int, caseworker_id: int):
    team = _leader_team(request, team_id)
    caseworker = access_caseworker(request.user, caseworker_id)
    if caseworker.team_id != team.pk:
        raise Http404("No such caseworker in this team.")
    form = CaseworkerToggleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That change is not possible."))
        return _board_response(request, team_id=team.pk)
    try:
        services.caseworker_update(caseworker=caseworker, **form.cleaned_data)
    except ApplicationError as error:
        report_error(request, error)
    else:
        messages.success(request, _("%(name)s is updated.") % {"name": caseworker.full_name})
    return _board_response(request, team_id=team.pk)


@login_required
@require_GET
def rebalance_preview(request, team_id: int):
    team = _leader_team(request, team_id)
    form = RebalanceForm(request.GET)
    include_on_leave = form.is_valid() and form.cleaned_data["include_on_leave"]
    plan = rebalancing.rebalance_plan(team=team, include_on_leave=include_on_leave)
    caseworkers = {c.pk: c for c in team_caseworkers(team=team)}
    shown = plan.moves[:MOVES_SHOWN]
    cases = cases_by_ids(user=request.user, case_ids=[m.case_id for m in shown])
    moves = [
        {
            "case": cases.get(m.case_id),
            "case_id": m.case_id,
            "from": caseworkers.get(m.from_caseworker_id),
            "to": caseworkers.get(m.to_caseworker_id),
        }
        for m in shown
    ]
    citizen_access_record(
        user=request.user,
        citizen_ids=[c.citizen_id for c in cases.values()],
        action=AccessAction.LIST,
        route=request.path,
    )
    preview = {
        "moves": moves,
        "moves_total": len(plan.moves),
        "moves_more": max(0, len(plan.moves) - len(shown)),
        "over_cap_after": plan.over_cap_after,
        "include_on_leave": include_on_leave,
    }
    if is_htmx(request):
        return render(request, "web/partials/rebalance_preview.html", {"team": team, "preview": preview})
    context = {**_board_context(request, team=team), **_trend_context(team=team), "preview": preview}
    return render(request, "web/team.html", context)


@login_required
@require_POST
def rebalance_apply(request, team_id: int):
    team = _leader_team(request, team_id)
    form = RebalanceForm(request.POST)
    include_on_leave = form.is_valid() and form.cleaned_data["include_on_leave"]
    try:
        plan = rebalancing.rebalance_apply(team=team, by=request.user, include_on_leave=include_on_leave)
    except ApplicationError as error:
        report_error(request, error)
        return _board_response(request, team_id=team.pk)
    moved = len(plan.moves)
    if moved:
        messages.success(request, ngettext("Moved %(count)d case.", "Moved %(count)d cases.", moved) % {"count": moved})
    else:
        messages.info(request, _("Nothing to move."))
    if plan.over_cap_after:
        messages.warning(
            request,
            ngettext(
                "%(count)d caseworker is still over their cap: the team has no room left.",
                "%(count)d caseworkers are still over their cap: the team has no room left.",
                plan.over_cap_after,
            )
            % {"count": plan.over_cap_after},
        )
    return _board_response(request, team_id=team.pk)
