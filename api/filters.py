from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from allocation.models import Alert
from cases.models import Case, CaseStatus, Programme

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


class CaseFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=CaseStatus.choices)
    caseworker = IdFilter(field_name="caseworker_id", help_text="Caseworker id.")
    team = IdFilter(field_name="caseworker__team_id", help_text="Team id (of the current caseworker).")
    programme = filters.ChoiceFilter(choices=Programme.choices)

    class Meta:
        model = Case
        fields = ["status", "caseworker", "team", "programme"]


class AlertFilter(filters.FilterSet):
    open = StrictBooleanFilter(
        field_name="resolved_at", lookup_expr="isnull", help_text="true: open alerts only; false: resolved ones."
    )

    class Meta:
        model = Alert
        fields = ["open"]
