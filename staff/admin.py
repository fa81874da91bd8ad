"""Django admin for jobcenters and teams, and the helpers every admin of the project uses.

Caseworkers and caseload policies are registered in `allocation.admin`: saving them can
create capacity, which must drain the queue, and that is an allocation service (imports
point allocation → cases → staff). The team load figures come from `staff.selectors`,
which the API and the pages use too.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import IntegrityError
from django.db.models import Count, QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Caseworker, Jobcenter, Team
from .selectors import TEAM_OVER_LIMIT, with_team_load

admin.site.site_header = _("Jobcenter administration")
admin.site.site_title = _("Jobcenter administration")


# --- Helpers shared by the admins of staff, cases and allocation --------------------------


def marker(*, alarm: bool, alarm_text: str, ok_text: str) -> str:
    """A state in words *and* colour, so that it reads without colour vision too."""
    css_class, symbol = ("marker-alarm", "⚠") if alarm else ("marker-ok", "✓")
    return format_html('<strong class="{}">{} {}</strong>', css_class, symbol, alarm_text if alarm else ok_text)


def load_text(*, open_cases: int, cap: int) -> str:
    return marker(alarm=open_cases > cap, alarm_text=f"{open_cases} / {cap}", ok_text=f"{open_cases} / {cap}")


def adopt(target, source) -> None:
    """Turn the admin's unsaved object into the row a service created.

    The admin goes on to log the addition and redirect to the new object's page with the
    object it handed to `save_model`; the service created its own instance.
    """
    for field in type(source)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding, target._state.db = False, source._state.db


class ServiceErrorsMixin:
    """A rule broken between form validation and the service call becomes a message.

    Every form checks the rules first; what is left is a race (two administrators, a
    double submit), which the service refuses with a domain error. That must not be a 500.
    """

    service_errors: tuple[type[Exception], ...] = (services.StaffError,)

    def service_error_message(self, error: Exception) -> str:
        message = getattr(error, "message", None) or (str(error) if isinstance(error, services.StaffError) else "")
        return message or str(_("Nothing was saved: the data changed meanwhile. Please check it and try again."))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except self.service_errors as error:
            messages.error(request, self.service_error_message(error))
            return redirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except self.service_errors as error:
            messages.error(request, self.service_error_message(error))
            return redirect(request.get_full_path())


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


# --- Jobcenters ---------------------------------------------------------------------------


class TeamSummaryInline(ViewOnlyInline):
    model = Team
    fields = ("name", "unit_type")
    readonly_fields = fields


@admin.register(Jobcenter)
class JobcenterAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    # IntegrityError: two administrators taking the same municipality code at once.
    service_errors = (services.StaffError, IntegrityError)
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


# --- Teams --------------------------------------------------------------------------------


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

    @admin.display(description=_("open cases / cap"))
    def load(self, obj: Caseworker) -> str:
        return load_text(open_cases=obj.open_cases, cap=obj.cap)


@admin.register(Team)
class TeamAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    service_errors = (services.StaffError, IntegrityError)
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

    @admin.display(description=_("open cases / capacity"), ordering="open_cases_total")
    def load(self, obj: Team) -> str:
        return load_text(open_cases=obj.open_cases_total, cap=obj.capacity)

    @admin.display(description=_("limit"), ordering="over_cap_count")
    def over_limit(self, obj: Team) -> str:
        over = bool(obj.over_cap_count) or obj.open_cases_total > obj.capacity
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
