from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from staff.models import Complexity, UnitType

MAX_CAP = 1000
MAX_WEIGHT = Decimal(5)
WEIGHT_LABELS = {
    Complexity.SIMPLE: _("Weight of a simple case"),
    Complexity.COMPLEX: _("Weight of a complex case"),
    Complexity.VERY_COMPLEX: _("Weight of a very complex case"),
}


class CapacityForm(forms.Form):
    """The what-if: another cap per unit type, other weights per complexity (for every unit
    type; empty: each policy's own), and what a full-time caseworker costs a year."""

    cost_per_fte = forms.IntegerField(
        label=_("Yearly cost per full-time caseworker (DKK)"), required=False, min_value=0, max_value=10_000_000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in UnitType.choices:
            self.fields[f"cap_{value}"] = forms.IntegerField(
                label=_("Cap: %(unit)s") % {"unit": label}, required=False, min_value=1, max_value=MAX_CAP
            )
        for complexity, label in WEIGHT_LABELS.items():
            # No max_digits: "12" should read "at most 5", not a message about digits.
            self.fields[f"weight_{complexity}"] = forms.DecimalField(
                label=label,
                required=False,
                decimal_places=2,
                help_text=_("More than 0, at most 5, two decimals. Empty: the policy's weight."),
            )

    def _clean_weight(self, name: str):
        value = self.cleaned_data.get(name)
        if value is not None and not (0 < value <= MAX_WEIGHT):
            raise forms.ValidationError(_("A weight must be more than 0 and at most 5."), code="weight_range")
        return value

    def clean_weight_simple(self):
        return self._clean_weight("weight_simple")

    def clean_weight_complex(self):
        return self._clean_weight("weight_complex")

    def clean_weight_very_complex(self):
        return self._clean_weight("weight_very_complex")

    def caps(self) -> dict[str, int]:
        return {
            value: self.cleaned_data[f"cap_{value}"]
            for value in UnitType.values
            if self.cleaned_data.get(f"cap_{value}")
        }

    def weights(self) -> dict[str, Decimal]:
        """The weights asked for (complexity → weight); the others stay each policy's."""
        return {
            complexity: self.cleaned_data[f"weight_{complexity}"]
            for complexity in Complexity.values
            if self.cleaned_data.get(f"weight_{complexity}") is not None
        }

    def yearly_cost(self) -> int | None:
        return self.cleaned_data.get("cost_per_fte")
