"""Jobcenters: created, renamed and deleted through the staff services."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from core.admin import ServiceErrorsMixin

from .. import services
from ..models import Jobcenter, Team
from .common import ViewOnlyInline, adopt


class TeamSummaryInline(ViewOnlyInline):
    model = Team
    fields = ("name", "unit_type")
    readonly_fields = fields


@admin.register(Jobcenter)
class JobcenterAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    # IntegrityError: two administrators taking the same municipality code at once.
    list_display = ("name", "municipality_code", "team_count")
    search_fields = ("name", "municipality_code")
    readonly_fields = ("created_at", "updated_at")
    inlines = [TeamSummaryInline]

    def get_queryset(self, request) -> QuerySet[Jobcenter]:
        return super().get_queryset(request).annotate(team_count=Count("teams"))

    def get_fields(self, request, obj=None):
        return ("name", "municipality_code", *(("created_at", "updated_at") if obj else ()))

    @admin.display(description=_("teams"), ordering="team_count")
    def team_count(self, obj: Jobcenter) -> int:
        return obj.team_count

    def save_model(self, request, obj, form, change):
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            if changes:
                services.jobcenter_update(jobcenter=obj, **changes)
        else:
            created = services.jobcenter_create(
                name=form.cleaned_data["name"], municipality_code=form.cleaned_data["municipality_code"]
            )
            adopt(obj, created)

    def delete_model(self, request, obj):
        services.jobcenter_delete(jobcenter=obj)

    def delete_queryset(self, request, queryset):
        for jobcenter in queryset.order_by("pk"):
            services.jobcenter_delete(jobcenter=jobcenter)
