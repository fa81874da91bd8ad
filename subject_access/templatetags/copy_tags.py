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
