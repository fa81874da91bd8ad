from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def cell(value, kind: str) -> str:
    """A table cell: "–" for suppressed or missing, shares as per cent, figures localised."""
    if value is None:
        return "–"
    if kind == "share":
        return f"{number_format(value * 100, 1)} %"
    if kind == "float":
        return number_format(value, 1)
    if kind == "float2":
        return number_format(value, 2)
    if kind == "float3":
        return f"< {number_format(0.001, 3)}" if value < 0.001 else number_format(value, 3)
    if kind == "int":
        return number_format(value, 0, force_grouping=True)
    return str(value)
