"""What every admin of the project shares: state markers, adopting a service's object,
and view-only inlines and admins (application errors as messages: core.admin).

Used by the admins of staff, cases, trials and allocation alike (they import downwards).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import ngettext

from ..models import HUNDREDTHS, load_number


def marker(*, alarm: bool, alarm_text: str, ok_text: str) -> str:
    """A state in words *and* colour, so that it reads without colour vision too."""
    css_class, symbol = ("marker-alarm", "⚠") if alarm else ("marker-ok", "✓")
    return format_html('<strong class="{}">{} {}</strong>', css_class, symbol, alarm_text if alarm else ok_text)


def load_text(*, open_cases: int, cap: int, load_hundredths: int | None = None) -> str:
    """The load against the cap ("5 / 2"); where weights make the load differ from the count,
    the count beside it ("42,5 / 45 (40 cases)"). Over cap by the load, as the allocation rule."""
    load = open_cases * HUNDREDTHS if load_hundredths is None else load_hundredths
    text = f"{load_number(load)} / {cap}"
    if load != open_cases * HUNDREDTHS:
        text += " (" + ngettext("%(count)s case", "%(count)s cases", open_cases) % {"count": open_cases} + ")"
    return marker(alarm=load > cap * HUNDREDTHS, alarm_text=text, ok_text=text)


def adopt(target, source) -> None:
    """Turn the admin's unsaved object into the row a service created.

    The admin goes on to log the addition and redirect to the new object's page with the
    object it handed to `save_model`; the service created its own instance.
    """
    for field in type(source)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding, target._state.db = False, source._state.db


class ViewOnlyInline(admin.TabularInline):
    """A summary of related rows; they are changed on their own pages, through services."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the system keeps (history, alerts, snapshots): administrators read them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
