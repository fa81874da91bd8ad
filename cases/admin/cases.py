"""Cases: opening one allocates it; afterwards only the target group is edited here.

Opening a case is the allocation service `case_create` (it chooses the caseworker or
queues the case), and the history shown is allocation's record of who held the case.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from access.scopes import cases_visible_to
from allocation import services
from allocation.models import CaseAssignment
from core.admin import ServiceErrorsMixin
from staff.admin.common import ViewOnlyInline, adopt
from staff.models import Caseworker

from ..models import Case, CaseStatus
from .citizens import CitizenAccessLogMixin, CprSearchMixin


class CaseAddForm(forms.ModelForm):
    """Opening a case allocates it (`allocation.services.case_create`): open or queued."""

    class Meta:
        model = Case
        fields = ("citizen", "programme", "target_group")

    def clean_citizen(self):
        citizen = self.cleaned_data["citizen"]
        if Case.objects.filter(citizen=citizen).exclude(status=CaseStatus.CLOSED).exists():
            raise ValidationError(_("This citizen already has a case that is not closed."), code="duplicate")
        return citizen


class AssignmentHistoryInline(ViewOnlyInline):
    model = CaseAssignment
    fields = ("caseworker", "assigned_at", "ended_at", "reason", "note", "by")
    readonly_fields = fields
    ordering = ("assigned_at", "id")
    show_change_link = False
    verbose_name_plural = _("history: who held the case")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("caseworker", "by")


CASE_FIELDS = (
    "citizen",
    "jobcenter",
    "programme",
    "target_group",
    "status",
    "caseworker",
    "team",
    "opened_at",
    "queued_at",
    "assigned_at",
    "closed_at",
    "outcome",
    "closed_by",
    "created_at",
    "updated_at",
)


@admin.register(Case)
class CaseAdmin(ServiceErrorsMixin, CitizenAccessLogMixin, CprSearchMixin, admin.ModelAdmin):
    citizen_lookup = "citizen_id"
    citizen_lookup_param = "citizen__id__exact"
    list_display = (
        "id",
        "citizen",
        "programme",
        "target_group",
        "status",
        "caseworker",
        "team",
        "opened_at",
        "outcome",
    )
    list_select_related = ("citizen", "caseworker", "caseworker__team")
    list_filter = ("status", "programme", "target_group", "outcome", "jobcenter", "caseworker__team")
    search_fields = ("citizen__name", "caseworker__full_name")
    search_help_text = _("Citizen's name, a full CPR number (DDMMYY-SSSS), or the caseworker's name.")
    date_hierarchy = "opened_at"
    show_full_result_count = False  # a second COUNT over every case, on each page, is not worth it
    autocomplete_fields = ("citizen",)
    inlines = [AssignmentHistoryInline]

    def citizen_ids_of(self, objects) -> list[int]:
        return [case.citizen_id for case in objects]

    def get_queryset(self, request) -> QuerySet[Case]:
        # Through the one door every interface uses (access/): an administrator sees all.
        visible = super().get_queryset(request) & cases_visible_to(request.user)
        return visible.select_related("citizen", "jobcenter", "caseworker__team", "closed_by")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CaseAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("citizen", "programme", "target_group") if obj is None else CASE_FIELDS

    def get_readonly_fields(self, request, obj=None):
        # Status and caseworker move only through intake, close, reassign and rebalance.
        return () if obj is None else tuple(name for name in CASE_FIELDS if name != "target_group")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a case is closed, never erased

    @admin.display(description=_("team"), ordering="caseworker__team__name")
    def team(self, obj: Case):
        return obj.caseworker.team if obj.caseworker_id else None

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            # The target group carries no rule. Only that column is written, so that a
            # status or caseworker read into this form can never overwrite what an
            # allocation wrote meanwhile.
            if "target_group" in form.changed_data:
                obj.save(update_fields=["target_group", "updated_at"])
            return
        created = services.case_create(
            citizen=data["citizen"], programme=data["programme"], target_group=data["target_group"], by=request.user
        )
        adopt(obj, created)
        if created.status == CaseStatus.QUEUED:
            self.message_user(request, _("Nobody eligible had room: the case is queued."), level="warning")
        else:
            holder = Caseworker.objects.only("full_name").get(pk=created.caseworker_id)
            self.message_user(request, _("Allocated to %(name)s.") % {"name": holder.full_name})
