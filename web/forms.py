"""Forms of the web pages: they validate input; the views pass clean data to one service."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.reassignment import ReassignCandidate
from cases import cpr as cpr_rules
from cases.access_log import reveal_purpose_clean
from cases.models import Outcome
from casework.models import (
    DURATION_MINUTES_DEFAULT,
    DURATION_MINUTES_MAX,
    DURATION_MINUTES_MIN,
    TEXT_MAX_LENGTH,
    Channel,
    JournalKind,
    MeetingKind,
    MeetingStatus,
)
from casework.services import journal_text_clean
from staff.models import CaseworkerStatus, Complexity

from .selectors import CASELOAD_SORTS, DEFAULT_CASELOAD_SORT


def may_travel_in_url(query: str) -> bool:
    """Whether a search may be written into a link: a name may, anything with a digit in it (a
    CPR number, whole or in part, in any way of writing it) never goes into a URL, where
    browser history, access logs and a login's `next` would keep it."""
    return not any(character.isdigit() for character in query)


def shown_in_page(query: str) -> str:
    """A search as the page may repeat it: a name as typed; a full CPR number masked
    (DDMMYY-XXXX); anything else with digits in it with every digit hidden ("Borger 7" reads
    "Borger X", not as the mask of a CPR number that nobody typed)."""
    if may_travel_in_url(query):
        return query
    try:
        return cpr_rules.parse(query).masked
    except ValidationError:
        return "".join("X" if character.isdigit() else character for character in query)


class CaseloadFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), required=False, max_length=200)
    sort = forms.ChoiceField(choices=[(key, key) for key in CASELOAD_SORTS], required=False)

    def cleaned_or_default(self) -> tuple[str, str]:
        if not self.is_valid():
            return "", DEFAULT_CASELOAD_SORT
        return self.cleaned_data["q"].strip(), self.cleaned_data["sort"] or DEFAULT_CASELOAD_SORT


class CprRevealForm(forms.Form):
    purpose = forms.CharField(
        label=_("Why do you need the full CPR number?"),
        max_length=500,
        help_text=_("Recorded in the citizen's access log, which the citizen may ask to see."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_purpose(self) -> str:
        return reveal_purpose_clean(self.cleaned_data["purpose"])


class CaseCloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", _("Choose an outcome")), *Outcome.choices])


class CaseComplexityForm(forms.Form):
    complexity = forms.ChoiceField(label=_("Complexity"), choices=Complexity.choices)


class _CandidateSelect(forms.Select):
    """A select whose unavailable caseworkers stay visible, disabled, with the reason in text."""

    def __init__(self, *args, disabled_values=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled_values = {str(v) for v in disabled_values}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


class CaseReassignForm(forms.Form):
    caseworker = forms.TypedChoiceField(label=_("New caseworker"), coerce=int)
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=500)

    def __init__(self, *args, candidates: list[ReassignCandidate], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Choose a caseworker"))]
        for candidate in candidates:
            worker = candidate.caseworker
            text = f"{worker.full_name} ({worker.open_cases} / {worker.cap})"
            if candidate.reason_unavailable:
                text = f"{text} – {candidate.reason_unavailable}"
            choices.append((worker.pk, text))
        field = self.fields["caseworker"]
        field.choices = choices
        field.widget = _CandidateSelect(
            choices=choices, disabled_values=[c.caseworker.pk for c in candidates if not c.available]
        )


class CaseworkerToggleForm(forms.Form):
    """One switch of the team board: on leave or not, accepting new cases or not."""

    status = forms.ChoiceField(choices=CaseworkerStatus.choices, required=False)
    accepting_new_cases = forms.TypedChoiceField(
        choices=[("true", "true"), ("false", "false")], coerce=lambda v: v == "true", required=False, empty_value=None
    )

    def clean(self):
        data = super().clean()
        changes = {k: v for k, v in data.items() if v not in ("", None)}
        if len(changes) != 1:
            raise forms.ValidationError(_("Change one thing at a time."))
        return changes


class RebalanceForm(forms.Form):
    include_on_leave = forms.BooleanField(label=_("Also move the cases of caseworkers on leave"), required=False)


# --- Casework --------------------------------------------------------------------------


class JournalEntryForm(forms.Form):
    """A journal entry; its kind chooses the starter text (casework.journal_templates)."""

    kind = forms.ChoiceField(label=_("Kind of entry"), choices=JournalKind.choices, initial=JournalKind.NOTE)
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60, "autocomplete": "off", "spellcheck": "true"}),
        max_length=TEXT_MAX_LENGTH,
        strip=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "journal_%s")  # the case page has a meeting form with a `kind` too
        super().__init__(*args, **kwargs)

    def clean_text(self) -> str:
        return journal_text_clean(self.cleaned_data["text"])


EARLIEST_MEETING_YEAR, LATEST_MEETING_YEAR = 1990, 2100


class MeetingBookForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=DURATION_MINUTES_MIN,
        max_value=DURATION_MINUTES_MAX,
        initial=DURATION_MINUTES_DEFAULT,
        widget=forms.NumberInput(attrs={"step": 5}),
    )
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices, initial=MeetingKind.JOBSAMTALE)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.IN_PERSON)
    location = forms.CharField(
        label=_("Place (optional)"),
        required=False,
        max_length=200,
        help_text=_("Shown in your calendar feed: never write the citizen's name or CPR number here."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "meeting_%s")
        super().__init__(*args, **kwargs)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if not EARLIEST_MEETING_YEAR <= day.year <= LATEST_MEETING_YEAR:
            raise ValidationError(
                _("Choose a date between %(first)d and %(last)d.")
                % {"first": EARLIEST_MEETING_YEAR, "last": LATEST_MEETING_YEAR},
                code="invalid",
            )
        return day

    def starts_at(self) -> datetime.datetime:
        """The start, on the local (Copenhagen) clock."""
        data = self.cleaned_data
        moment = datetime.datetime.combine(data["date"], data["time"].replace(second=0, microsecond=0))
        return timezone.make_aware(moment, timezone.get_current_timezone())


class MeetingStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s, s) for s in (MeetingStatus.HELD, MeetingStatus.NO_SHOW, MeetingStatus.CANCELLED)]
    )


class EmailSettingsForm(forms.Form):
    notify_new_cases = forms.BooleanField(
        label=_("E-mail me when cases come to me"),
        required=False,
        help_text=_("One e-mail per batch of cases (intake, the queue, a reassignment, a rebalancing)."),
    )
    meeting_reminders = forms.BooleanField(
        label=_("E-mail me a reminder the working day before a meeting"),
        required=False,
        help_text=_("Our e-mails never carry a citizen's name or CPR number."),
    )


class WeekForm(forms.Form):
    """`?week=2026-W05`, an ISO week; anything else is the current week."""

    week = forms.RegexField(regex=r"^\d{4}-W\d{2}$", required=False)

    def monday(self, *, today: datetime.date) -> datetime.date:
        this_week = today - datetime.timedelta(days=today.weekday())
        if not self.is_valid() or not self.cleaned_data["week"]:
            return this_week
        year, week = self.cleaned_data["week"].split("-W")
        if not EARLIEST_MEETING_YEAR <= int(year) <= LATEST_MEETING_YEAR:
            return this_week
        try:
            return datetime.date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            return this_week
