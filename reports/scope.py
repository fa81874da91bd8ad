"""Who sees which figures, and the filters every report takes.

A leader's figures are built only from the teams they lead (a jobcenter or unit-type
figure for a leader is the figure of their teams in it); an administrator's from all.
Trials compare arms that span many teams, so their report is for administrators.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.scopes import jobcenters_visible_to, teams_visible_to
from access.viewer import viewer_of
from staff.models import UnitType

MAX_PERIOD_DAYS = 3 * 366
# The calendar the reports accept. Periods are widened to whole weeks and months and compared
# with the year before, so a date near Python's date.min or date.max overflows; these bounds
# leave room for that arithmetic and still hold every date a jobcentre has figures for.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)


@dataclass(frozen=True)
class Scope:
    """The teams a user's figures may include; `team_ids` None means every team."""

    team_ids: tuple[int, ...] | None

    @property
    def everything(self) -> bool:
        return self.team_ids is None

    def teams(self, field: str = "team_id") -> Q:
        return Q() if self.team_ids is None else Q(**{f"{field}__in": self.team_ids})


def report_scope(user) -> Scope:
    """Admins see everything; leaders their teams; anybody else gets 404 from the views."""
    viewer = viewer_of(user)
    if viewer.is_admin:
        return Scope(None)
    if not viewer.leads_any_team:
        raise Http404("No reports for this user.")
    return Scope(tuple(sorted(viewer.led_team_ids)))


@dataclass(frozen=True)
class ReportFilter:
    date_from: datetime.date
    date_to: datetime.date
    jobcenter_id: int | None = None
    unit_type: str = ""
    team_id: int | None = None


GROUP_CHOICES = [("unit_type", _("Unit type")), ("team", _("Team")), ("jobcenter", _("Jobcenter"))]
ARM_CHOICE = ("arm", _("Trial arm"))  # the contacts report's, for administrators


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    jobcenter = forms.TypedChoiceField(label=_("Jobcenter"), required=False, coerce=int, empty_value=None)
    unit_type = forms.ChoiceField(label=_("Unit type"), required=False, choices=[("", "—"), *UnitType.choices])
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    group_by = forms.ChoiceField(label=_("Per"), required=False, choices=GROUP_CHOICES)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        jobcenters = jobcenters_visible_to(user).order_by("name").values_list("pk", "name") if user else []
        teams = teams_visible_to(user).order_by("name").values_list("pk", "name") if user else []
        self.fields["jobcenter"].choices = [("", "—"), *jobcenters]
        self.fields["team"].choices = [("", "—"), *teams]

    def clean_date_from(self):
        return self._within_the_calendar(self.cleaned_data["date_from"])

    def clean_date_to(self):
        return self._within_the_calendar(self.cleaned_data["date_to"])

    @staticmethod
    def _within_the_calendar(day: datetime.date | None) -> datetime.date | None:
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise forms.ValidationError(
                _("Choose a date between %(earliest)s and %(latest)s."),
                code="out_of_range",
                params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
            )
        return day

    def clean(self):
        data = super().clean()
        if self.has_error("date_from") or self.has_error("date_to"):
            return data
        today = timezone.localdate()
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or max(EARLIEST_DATE, date_to - datetime.timedelta(days=364))
        if date_from > date_to:
            self.add_error("date_from", _("The period must start before it ends."))
        elif (date_to - date_from).days > MAX_PERIOD_DAYS:
            self.add_error("date_from", _("The period can be at most three years."))
        data["date_from"], data["date_to"] = date_from, date_to
        data["group_by"] = data.get("group_by") or "unit_type"
        everywhere = not data.get("jobcenter") and not data.get("team")
        if data["group_by"] == "team" and everywhere and viewer_of(self.user).is_admin:
            # Every team of the country, per week, is a table nobody can read.
            self.add_error("group_by", _("Choose a jobcenter to see figures per team."))
        return data

    def report_filter(self) -> ReportFilter:
        data = self.cleaned_data
        return ReportFilter(
            date_from=data["date_from"],
            date_to=data["date_to"],
            jobcenter_id=data.get("jobcenter"),
            unit_type=data.get("unit_type") or "",
            team_id=data.get("team"),
        )


class ContactsFilterForm(ReportFilterForm):
    """The contacts report also groups by trial arm: for administrators, as trials are."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if user is not None and viewer_of(user).is_admin:
            self.fields["group_by"].choices = [*GROUP_CHOICES, ARM_CHOICE]
