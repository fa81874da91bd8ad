"""The case page: the citizen, the case and its history; close and reassign."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from access.doors import access_case
from access.reassignment import reassign_candidates
from allocation import services
from allocation.selectors import assignments_of_case
from cases.access_log import citizen_access_record, citizen_cpr_reveal
from cases.models import AccessAction, Case, CaseStatus
from casework.journal_templates import journal_template
from casework.models import JournalEntry, JournalKind
from core.errors import ApplicationError
from staff.models import Caseworker

from ..casework_selectors import case_work, contact_status_label
from ..forms import (
    CaseCloseForm,
    CaseComplexityForm,
    CaseReassignForm,
    CprRevealForm,
    JournalEntryForm,
    MeetingBookForm,
)
from ..selectors import CasePermissions, case_permissions
from .common import report_error


def _case(request, case_id: int) -> Case:
    """The case with what its page shows: a 404 unless the user may see it."""
    return access_case(request.user, case_id, select_related=("citizen", "caseworker__team", "jobcenter", "closed_by"))


@login_required
@require_GET
def case_detail(request, case_id: int):
    case = _case(request, case_id)
    permissions = case_permissions(user=request.user, case=case)
    return _render_case(request, case=case, permissions=permissions)


def _render_case(
    request,
    *,
    case: Case,
    permissions: CasePermissions,
    close_form=None,
    reassign_form=None,
    complexity_form=None,
    reveal_form=None,
    revealed_cpr: str = "",
    journal_form=None,
    correcting: JournalEntry | None = None,
    meeting_form=None,
    status: int | None = None,
):
    """The case page. Its journal, meetings and contact plan are the citizen's data as much as
    the case is: the one access record below covers everything the page shows."""
    candidates = reassign_candidates(request.user, case=case) if permissions.can_reassign else []
    citizen_access_record(
        user=request.user, citizen_ids=[case.citizen_id], action=AccessAction.VIEW, route=request.path
    )
    work = case_work(case=case)
    if journal_form is None:
        kind = correcting.kind if correcting is not None else JournalKind.NOTE
        text = correcting.text if correcting is not None else journal_template(kind)
        journal_form = JournalEntryForm(initial={"kind": kind, "text": text})
    context = {
        "work": work,
        "contact_status_label": contact_status_label(work.plan["status"]),
        "journal_form": journal_form,
        "correcting": correcting,
        "meeting_form": meeting_form or MeetingBookForm(initial={"date": timezone.localdate()}),
        "may_book": case.status == CaseStatus.OPEN,
        "now": timezone.now(),
        "case": case,
        "citizen": case.citizen,
        "history": list(assignments_of_case(case=case)),
        "permissions": permissions,
        "close_form": close_form or CaseCloseForm(),
        "reassign_form": reassign_form or CaseReassignForm(candidates=candidates),
        "candidates": candidates,
        "complexity_form": complexity_form or CaseComplexityForm(initial={"complexity": case.complexity}),
        "reveal_form": reveal_form or CprRevealForm(),
        "revealed_cpr": revealed_cpr,
    }
    if status is None:
        status = 400 if (close_form or reassign_form or complexity_form or reveal_form) else 200
    response = render(request, "web/case.html", context, status=status)
    if revealed_cpr:
        # Shown once: neither the browser nor a proxy may keep the page with the full number.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def case_reveal_cpr(request, case_id: int):
    """The citizen's full CPR number, once, in this response; the reveal and its purpose are logged."""
    case = _case(request, case_id)
    permissions = case_permissions(user=request.user, case=case)
    form = CprRevealForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case=case, permissions=permissions, reveal_form=form)
    number = citizen_cpr_reveal(
        user=request.user, citizen=case.citizen, purpose=form.cleaned_data["purpose"], route=request.path
    )
    return _render_case(request, case=case, permissions=permissions, revealed_cpr=number)


@login_required
@require_POST
def case_close(request, case_id: int):
    case = _case(request, case_id)
    permissions = case_permissions(user=request.user, case=case)
    if not permissions.can_close:
        raise PermissionDenied
    form = CaseCloseForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case=case, permissions=permissions, close_form=form)
    try:
        services.case_close(case=case, outcome=form.cleaned_data["outcome"], by=request.user)
    except ApplicationError as error:
        report_error(request, error)
    else:
        messages.success(request, _("The case is closed."))
    return redirect("web:case", case_id=case.pk)


@login_required
@require_POST
def case_reassign(request, case_id: int):
    case = _case(request, case_id)
    permissions = case_permissions(user=request.user, case=case)
    if not permissions.can_reassign:
        raise PermissionDenied
    candidates = reassign_candidates(request.user, case=case)
    form = CaseReassignForm(request.POST, candidates=candidates)
    if not form.is_valid():
        return _render_case(request, case=case, permissions=permissions, reassign_form=form)
    target = next(c.caseworker for c in candidates if c.caseworker.pk == form.cleaned_data["caseworker"])
    try:
        services.case_reassign(case=case, caseworker=target, reason=form.cleaned_data["reason"], by=request.user)
    except ApplicationError as error:
        report_error(request, error)
    else:
        messages.success(request, _("The case now belongs to %(name)s.") % {"name": target.full_name})
    return redirect("web:case", case_id=case.pk)


@login_required
@require_POST
def case_set_complexity(request, case_id: int):
    """How demanding the case is, and so what it weighs in its caseworker's load; a heavier case
    may push them over their cap (allowed, as a lowered cap is), which the page then says."""
    case = _case(request, case_id)
    permissions = case_permissions(user=request.user, case=case)
    if not permissions.can_set_complexity:
        raise PermissionDenied
    form = CaseComplexityForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case=case, permissions=permissions, complexity_form=form)
    try:
        changed = services.case_set_complexity(case=case, complexity=form.cleaned_data["complexity"], by=request.user)
    except ApplicationError as error:
        report_error(request, error)
    else:
        messages.success(
            request, _("The case is now %(complexity)s.") % {"complexity": changed.get_complexity_display().lower()}
        )
        holder = Caseworker.objects.filter(pk=changed.caseworker_id).only("cap", "load_hundredths").first()
        if holder is not None and holder.is_over_cap:
            messages.warning(request, _("Over cap: rebalance the team to move the most recent cases."))
    return redirect("web:case", case_id=case.pk)
