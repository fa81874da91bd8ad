"""Django admin of casework: the contact rules per programme are the administrator's to set.

Journal entries and meetings are not in the admin: their text and times are personal data
that reach users only through the case, where every read is access-logged.
"""

from __future__ import annotations

from django.contrib import admin

from .models import ContactRule


@admin.register(ContactRule)
class ContactRuleAdmin(admin.ModelAdmin):
    list_display = ("programme", "first_within_days", "first_period_days", "first_period_meetings", "then_every_days")
    list_editable = ("first_within_days", "first_period_days", "first_period_meetings", "then_every_days")
    ordering = ("programme",)

    def has_delete_permission(self, request, obj=None):
        # A programme without a rule would fall back to the default silently; change it instead.
        return False
