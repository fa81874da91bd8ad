from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from staff.models import UnitType

MAX_CAP = 1000


class CapacityForm(forms.Form):
    """The what-if: another cap per unit type, and what a full-time caseworker costs a year."""

    cost_per_fte = forms.IntegerField(
        label=_("Yearly cost per full-time caseworker (DKK)"), required=False, min_value=0, max_value=10_000_000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in UnitType.choices:
            self.fields[f"cap_{value}"] = forms.IntegerField(
                label=_("Cap: %(unit)s") % {"unit": label}, required=False, min_value=1, max_value=MAX_CAP
            )

    def caps(self) -> dict[str, int]:
        return {
            value: self.cleaned_data[f"cap_{value}"]
            for value in UnitType.values
            if self.cleaned_data.get(f"cap_{value}")
        }

    def yearly_cost(self) -> int | None:
        return self.cleaned_data.get("cost_per_fte")
