"""The case page's casework: writing and correcting journal entries, booking meetings and
recording what became of them. Whoever may see the case may do all of it (access.scopes);
each view reaches the case, the entry or the meeting through access.doors and calls one
service. After a write the browser is sent back to the case page, which logs the read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from access.doors import access_journal_entry, access_meeting
from casework import services
from casework.journal_templates import journal_text_for_kind
from casework.models import JournalEntry, JournalKind, MeetingStatus
from core.errors import ApplicationError

from ..forms import JournalEntryForm, MeetingBookForm, MeetingStatusForm
from ..selectors import case_permissions
from .cases import _case, _render_case
from .common import is_htmx, report_error


def _to_case(case_id: int, anchor: str):
    return redirect(f"{reverse('web:case', args=[case_id])}#{anchor}")


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- The journal -------------------------------------------------------------------------


def _journal(request, *, case_id: int, correcting_id=None):
    case = _case(request, case_id)
    correcting = access_journal_entry(request.user, case, correcting_id) if correcting_id is not None else None
    permissions = case_permissions(user=request.user, case=case)
    if request.method == "GET":  # the "correct this entry" form
        return _render_case(request, case=case, permissions=permissions, correcting=correcting)
    if "use_template" in request.POST:
        return _template_swap(request, case=case, permissions=permissions, correcting=correcting)
    form = JournalEntryForm(request.POST)
    if not form.is_valid():
        return _render_case(
            request, case=case, permissions=permissions, journal_form=form, correcting=correcting, status=400
        )
    try:
        services.journal_write(
            case=case,
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            by=request.user,
            corrects=correcting,
        )
    except ValidationError as error:
        _add_service_errors(form, error)
        return _render_case(
            request, case=case, permissions=permissions, journal_form=form, correcting=correcting, status=400
        )
    except ApplicationError as error:
        report_error(request, error)
        status = 400 if error.field else 409
        return _render_case(
            request, case=case, permissions=permissions, journal_form=form, correcting=correcting, status=status
        )
    messages.success(
        request, _("The correction is added to the journal.") if correcting else _("The entry is added to the journal.")
    )
    return _to_case(case.pk, "journal")


def _template_swap(request, *, case, permissions, correcting: JournalEntry | None):
    """The kind was chosen: its starter text in the form, unless the caseworker has written
    something of their own (casework.journal_templates). Nothing is written."""
    kind = request.POST.get("kind", "")
    if kind not in JournalKind.values:
        kind = JournalKind.NOTE
    text = journal_text_for_kind(text=request.POST.get("text", ""), kind=kind)
    form = JournalEntryForm(initial={"kind": kind, "text": text})
    if is_htmx(request):
        return render(request, "web/partials/journal_text.html", {"journal_form": form})
    return _render_case(request, case=case, permissions=permissions, journal_form=form, correcting=correcting)


@login_required
@require_POST
def journal_write(request, case_id: int):
    return _journal(request, case_id=case_id)


@login_required
@require_http_methods(["GET", "POST"])
def journal_correct(request, case_id: int, entry_id: int):
    return _journal(request, case_id=case_id, correcting_id=entry_id)


# --- Meetings ----------------------------------------------------------------------------


@login_required
@require_POST
def meeting_book(request, case_id: int):
    case = _case(request, case_id)
    permissions = case_permissions(user=request.user, case=case)
    form = MeetingBookForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case=case, permissions=permissions, meeting_form=form, status=400)
    data = form.cleaned_data
    try:
        meeting = services.meeting_book(
            case=case,
            starts_at=form.starts_at(),
            kind=data["kind"],
            channel=data["channel"],
            location=data["location"],
            duration_minutes=data["duration_minutes"],
            by=request.user,
        )
    except ValidationError as error:
        _add_service_errors(form, error)
        return _render_case(request, case=case, permissions=permissions, meeting_form=form, status=400)
    except ApplicationError as error:
        # a double booking, a case that is no longer open: said in the user's language, with
        # what they typed still in the form
        report_error(request, error)
        return _render_case(
            request, case=case, permissions=permissions, meeting_form=form, status=400 if error.field else 409
        )
    when = formats.date_format(timezone.localtime(meeting.starts_at), "SHORT_DATETIME_FORMAT")
    messages.success(request, _("The meeting is booked for %(when)s.") % {"when": when})
    return _to_case(case.pk, "meetings")


_STATUS_SERVICES = {
    MeetingStatus.HELD: (services.meeting_held, gettext_lazy("The meeting is recorded as held.")),
    MeetingStatus.NO_SHOW: (services.meeting_no_show, gettext_lazy("The meeting is recorded as a no-show.")),
    MeetingStatus.CANCELLED: (services.meeting_cancel, gettext_lazy("The meeting is cancelled.")),
}


@login_required
@require_POST
def meeting_status(request, meeting_id: int):
    """Held, no-show or cancelled; then back to where the button was (the case page, my day,
    my calendar), or to the case page."""
    meeting = access_meeting(request.user, meeting_id)
    form = MeetingStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That change is not possible."))
    else:
        service, done = _STATUS_SERVICES[form.cleaned_data["status"]]
        try:
            service(meeting=meeting, by=request.user)
        except ApplicationError as error:
            report_error(request, error)
        else:
            messages.success(request, str(done))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return _to_case(meeting.case_id, "meetings")
