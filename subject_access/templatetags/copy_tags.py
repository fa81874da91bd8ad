"""The copy's moments (ISO 8601 in the data, for machines) as a Danish reader writes them."""

import datetime

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def moment(value: str | None) -> str:
    if not value:
        return ""
    parsed = datetime.datetime.fromisoformat(value)
    return date_format(parsed, "DATETIME_FORMAT" if "T" in value else "DATE_FORMAT")


@register.simple_tag
def span(starts: str | None, ends: str | None) -> str:
    """A meeting's time: "7. januar 2026 08:30–09:15", the day written once when it ends on it."""
    if not starts or not ends:
        return moment(starts) or moment(ends)
    first, last = datetime.datetime.fromisoformat(starts), datetime.datetime.fromisoformat(ends)
    if first.date() == last.date():
        return f"{moment(starts)}–{date_format(last, 'TIME_FORMAT')}"
    return f"{moment(starts)} – {moment(ends)}"
