"""Report pages: a filter form, SVG charts and tables; every table also as CSV or Excel (`?export=`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from access.doors import access_trial
from access.scopes import trials_visible_to

from . import exports, presenters
from .forms import CapacityForm
from .scope import ContactsFilterForm, ReportFilterForm, report_scope


def _filters(request, form_class=ReportFilterForm) -> ReportFilterForm:
    # Always bound: every field is optional, so an empty query means "the last year, all".
    return form_class(request.GET, user=request.user)


def _page(request, template: str, form, tables: dict, context: dict) -> HttpResponse:
    """Render the page, or one of its tables as CSV (`?export=<table>`) or as Excel
    (`&format=xlsx`)."""
    wanted = request.GET.get("export")
    if wanted is not None:
        if wanted not in tables:
            return HttpResponseBadRequest(_("No such table."), content_type="text/plain; charset=utf-8")
        kind = request.GET.get("format", "csv")
        if kind not in ("csv", "xlsx"):
            return HttpResponseBadRequest(_("No such format."), content_type="text/plain; charset=utf-8")
        respond = exports.xlsx_response if kind == "xlsx" else exports.csv_response
        return respond(name=wanted, table=tables[wanted])
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("format", None)
    context.update(form=form, tables=tables, query=query.urlencode())
    return render(request, template, context)


def _invalid(request, template: str, form) -> HttpResponse:
    if "export" in request.GET:
        return HttpResponseBadRequest(_("Invalid filter."), content_type="text/plain; charset=utf-8")
    return render(request, template, {"form": form, "tables": {}}, status=400)


@login_required
def index(request):
    scope = report_scope(request.user)
    trials = trials_visible_to(request.user).order_by("-starts_on", "name")
    return render(request, "reports/index.html", {"scope": scope, "trials": trials})


def _filtered_page(request, template: str, build, *, grouped: bool = True, form_class=ReportFilterForm) -> HttpResponse:
    """A page of one presenter over the filter form: `build(scope=, filters=[, group_by=])`."""
    scope = report_scope(request.user)
    form = _filters(request, form_class)
    if not form.is_valid():
        return _invalid(request, template, form)
    grouping = {"group_by": form.cleaned_data["group_by"]} if grouped else {}
    page = build(scope=scope, filters=form.report_filter(), **grouping)
    return _page(request, template, form, page.tables, {"page": page})


@login_required
def caseloads(request):
    return _filtered_page(request, "reports/caseloads.html", presenters.caseloads_page)


@login_required
def exits(request):
    return _filtered_page(request, "reports/exits.html", presenters.exits_page)


@login_required
def contacts(request):
    return _filtered_page(request, "reports/contacts.html", presenters.contacts_page, form_class=ContactsFilterForm)


@login_required
def key_figures(request):
    return _filtered_page(request, "reports/key_figures.html", presenters.key_figures_page, grouped=False)


@login_required
def capacity(request):
    scope = report_scope(request.user)
    form = _filters(request)
    what_if = CapacityForm(request.GET)
    if not form.is_valid() or not what_if.is_valid():
        if "export" in request.GET:
            return HttpResponseBadRequest(_("Invalid filter."), content_type="text/plain; charset=utf-8")
        return render(request, "reports/capacity.html", {"form": form, "what_if": what_if, "tables": {}}, status=400)
    page = presenters.capacity_page(
        scope=scope,
        filters=form.report_filter(),
        caps=what_if.caps(),
        cost_per_fte=what_if.yearly_cost(),
        weights=what_if.weights(),
    )
    return _page(request, "reports/capacity.html", form, page.tables, {"page": page, "what_if": what_if})


@login_required
def trial(request, trial_id: int):
    trial = access_trial(request.user, trial_id)
    page = presenters.trial_page(trial=trial)
    return _page(request, "reports/trial.html", None, page.tables, {"page": page, "trial": trial})
