"""Django admin of allocation's own records: assignments, alerts and caseload snapshots,
read-only (the admins of caseworkers, policies and cases live with their models, in
`staff.admin` and `cases.admin`)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from staff.admin.common import ReadOnlyAdmin, marker

from .models import Alert, CaseAssignment, CaseloadSnapshot


@admin.register(CaseAssignment)
class CaseAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("case", "caseworker", "assigned_at", "ended_at", "reason", "by")
    list_select_related = ("case", "caseworker", "by")
    list_filter = ("reason", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = ("caseworker__full_name",)
    date_hierarchy = "assigned_at"
    show_full_result_count = False


class ResolvedFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "resolved"

    def lookups(self, request, model_admin):
        return [("no", _("Open")), ("yes", _("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(resolved_at__isnull=self.value() == "no")
        return queryset


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "team", "caseworker", "message", "state", "resolved_at")
    list_select_related = ("team", "caseworker")
    list_filter = (ResolvedFilter, "kind", "team")
    search_fields = ("message", "team__name", "caseworker__full_name")
    date_hierarchy = "created_at"

    @admin.display(description=_("state"), ordering="resolved_at")
    def state(self, obj: Alert) -> str:
        return marker(alarm=obj.resolved_at is None, alarm_text=_("Open"), ok_text=_("Resolved"))


@admin.register(CaseloadSnapshot)
class CaseloadSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("date", "team", "caseworker", "open_cases", "cap", "fte", "queued")
    list_select_related = ("team", "caseworker")
    list_filter = ("team",)
    search_fields = ("team__name", "caseworker__full_name")
    date_hierarchy = "date"
    show_full_result_count = False
