from __future__ import annotations

from datetime import UTC

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from allocation.models import Alert
from cases.models import Case, CaseStatus, Programme
from casework import contact_plan
from casework.models import Meeting, MeetingStatus
from casework.selectors import contact_filter

from .serializers.casework import CONTACT_STATUS_CHOICES

_MAX_ID = 9_223_372_036_854_775_807


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.Filter):
    """An integer id: "abc" or "1.5" is a 400, not a silent empty list or a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", _MAX_ID)
        super().__init__(*args, **kwargs)


class _TrueOrFalse(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        if value not in ("true", "false"):
            raise forms.ValidationError("Must be true or false.", code="invalid")
        return value == "true"


class StrictBooleanFilter(filters.BooleanFilter):
    """`true` or `false`: "null" or "maybe" is a 400, not a silently unfiltered list (the
    rest_framework BooleanFilter's widget reads anything else as "no filter")."""

    field_class = _TrueOrFalse

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class _IsoDateTime(IsoDateTimeField):
    """An ISO 8601 date and time that the database can compare with: one whose UTC time is
    beyond Python's calendar (year 9999 at an offset west of UTC) is a 400, not a 500."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None:
            try:
                moment.astimezone(UTC)
            except OverflowError:
                raise forms.ValidationError(_("The date and time is out of range."), code="overflow") from None
        return moment


@extend_schema_field(OpenApiTypes.DATETIME)
class DateTimeFilter(filters.IsoDateTimeFilter):
    field_class = _IsoDateTime


# The contract's three: "none" (no due date) is mostly a closed case's, which ?status= finds.
CONTACT_FILTER_CHOICES = [choice for choice in CONTACT_STATUS_CHOICES if choice[0] != contact_plan.NONE]


class CaseFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=CaseStatus.choices)
    caseworker = IdFilter(field_name="caseworker_id", help_text="Caseworker id.")
    team = IdFilter(field_name="caseworker__team_id", help_text="Team id (of the current caseworker).")
    programme = filters.ChoiceFilter(choices=Programme.choices)
    contact = filters.ChoiceFilter(
        choices=CONTACT_FILTER_CHOICES,
        method="filter_contact",
        help_text="The contact plan's status today: overdue (past next_contact_due), due_soon (within 7 days), "
        "on_track.",
    )

    class Meta:
        model = Case
        fields = ["status", "caseworker", "team", "programme", "contact"]

    def filter_contact(self, queryset, name, value):
        # The queryset carries next_contact_due (the view reads cases through with_contact_plan).
        return contact_filter(queryset, value)


class MeetingFilter(filters.FilterSet):
    case = IdFilter(field_name="case_id", help_text="Case id.")
    caseworker = IdFilter(field_name="caseworker_id", help_text="Caseworker id.")
    status = filters.ChoiceFilter(choices=MeetingStatus.choices)
    starts_after = DateTimeFilter(
        field_name="starts_at", lookup_expr="gte", help_text="Meetings starting at or after this time (ISO 8601)."
    )
    starts_before = DateTimeFilter(
        field_name="starts_at", lookup_expr="lt", help_text="Meetings starting before this time (ISO 8601)."
    )

    class Meta:
        model = Meeting
        fields = ["case", "caseworker", "status", "starts_after", "starts_before"]


class AlertFilter(filters.FilterSet):
    open = StrictBooleanFilter(
        field_name="resolved_at", lookup_expr="isnull", help_text="true: open alerts only; false: resolved ones."
    )

    class Meta:
        model = Alert
        fields = ["open"]
