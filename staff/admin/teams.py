"""Teams: their load against their caps, with the figures of `staff.selectors` (which the
API and the pages use too); written through the staff services."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import ServiceErrorsMixin

from .. import services
from ..models import Caseworker, Team
from ..selectors import TEAM_OVER_LIMIT, team_is_over_limit, with_team_load
from .common import ViewOnlyInline, adopt, load_text, marker


class OverLimitFilter(admin.SimpleListFilter):
    title = _("load")
    parameter_name = "over_limit"

    def lookups(self, request, model_admin):
        return [("yes", _("Over limit")), ("no", _("Within limit"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(TEAM_OVER_LIMIT)
        if self.value() == "no":
            return queryset.exclude(TEAM_OVER_LIMIT)
        return queryset


class CaseworkerSummaryInline(ViewOnlyInline):
    model = Caseworker
    fields = ("full_name", "role", "fte", "load", "status", "accepting_new_cases")
    readonly_fields = fields
    verbose_name_plural = _("caseworkers (change them on their own pages)")

    @admin.display(description=_("load / cap"))
    def load(self, obj: Caseworker) -> str:
        return load_text(open_cases=obj.open_cases, cap=obj.cap, load_hundredths=obj.load_hundredths)


@admin.register(Team)
class TeamAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ("name", "jobcenter", "unit_type", "caseworker_count", "load", "over_limit")
    list_select_related = ("jobcenter",)
    list_filter = (OverLimitFilter, "unit_type", "jobcenter")
    search_fields = ("name", "jobcenter__name", "jobcenter__municipality_code")
    autocomplete_fields = ("jobcenter", "leaders")
    inlines = [CaseworkerSummaryInline]

    def get_queryset(self, request) -> QuerySet[Team]:
        return with_team_load(super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(None, {"fields": ("name", "jobcenter", "unit_type", "leaders")})]
        if obj is not None:
            fieldsets.append(
                (_("Load"), {"fields": ("caseworker_count", "load", "over_limit", "add_caseworker")}),
            )
            fieldsets.append((_("Record"), {"fields": ("created_at", "updated_at")}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = ["caseworker_count", "load", "over_limit", "add_caseworker", "created_at", "updated_at"]
        # The unit type and jobcenter decide which cases the team's caseworkers may hold.
        if obj.caseworkers.exists():
            readonly += ["jobcenter", "unit_type"]
        return readonly

    @admin.display(description=_("caseworkers"), ordering="caseworker_count")
    def caseworker_count(self, obj: Team) -> int:
        return obj.caseworker_count

    @admin.display(description=_("load / capacity"), ordering="load_hundredths_total")
    def load(self, obj: Team) -> str:
        return load_text(open_cases=obj.open_cases_total, cap=obj.capacity, load_hundredths=obj.load_hundredths_total)

    @admin.display(description=_("limit"), ordering="over_cap_count")
    def over_limit(self, obj: Team) -> str:
        over = team_is_over_limit(obj)
        return marker(alarm=over, alarm_text=_("Over limit"), ok_text=_("Within limit"))

    @admin.display(description=_("new caseworker"))
    def add_caseworker(self, obj: Team) -> str:
        url = f"{reverse('admin:staff_caseworker_add')}?team={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Add a caseworker to this team"))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in form.fields}
            if changes:
                services.team_update(team=obj, **changes)
        else:
            created = services.team_create(
                jobcenter=data["jobcenter"], name=data["name"], unit_type=data["unit_type"], leaders=data["leaders"]
            )
            adopt(obj, created)

    def save_related(self, request, form, formsets, change):
        # Leaders were set by the service; the inline is view-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.team_delete(team=obj)

    def delete_queryset(self, request, queryset):
        for team in queryset.order_by("pk"):
            services.team_delete(team=team)
