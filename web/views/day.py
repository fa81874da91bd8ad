"""My day (Min dag), the caseworker's landing page, and their e-mail choices."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.access_log import citizen_access_record
from cases.models import AccessAction
from casework.selectors import NEW_TO_YOU_DAYS
from staff.models import Caseworker
from staff.services import caseworker_email_choices_set

from ..casework_selectors import my_day
from ..forms import EmailSettingsForm
from ..selectors import caseworker_of_user, teams_led


def my_day_page(request, *, caseworker: Caseworker):
    """Today's meetings, the contacts that are overdue or due soon, the cases new to the
    caseworker, and the caseload against the cap; every citizen listed is access-logged."""
    now = timezone.now()
    day = my_day(user=request.user, caseworker=caseworker, today=timezone.localdate(now), now=now)
    citizen_access_record(user=request.user, citizen_ids=day.citizen_ids, action=AccessAction.LIST, route=request.path)
    context = {
        "caseworker": caseworker,
        "day": day,
        "now": now,
        "new_to_you_days": NEW_TO_YOU_DAYS,
        "led_teams": list(teams_led(user=request.user)),
    }
    return render(request, "web/my_day.html", context)


def _own_caseworker(request) -> Caseworker:
    """The signed-in user's caseworker record: a 404 for a login without one."""
    caseworker = caseworker_of_user(user=request.user)
    if caseworker is None:
        raise Http404("No caseworker record.")
    return caseworker


@login_required
@require_http_methods(["GET", "POST"])
def email_settings(request):
    caseworker = _own_caseworker(request)
    initial = {"notify_new_cases": caseworker.notify_new_cases, "meeting_reminders": caseworker.meeting_reminders}
    if request.method == "POST":
        form = EmailSettingsForm(request.POST)
        if form.is_valid():
            caseworker_email_choices_set(caseworker=caseworker, **form.cleaned_data)
            messages.success(request, _("Your e-mail settings are saved."))
            return redirect("web:email_settings")
    else:
        form = EmailSettingsForm(initial=initial)
    return render(request, "web/email_settings.html", {"caseworker": caseworker, "form": form})
