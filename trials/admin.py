"""Administrators define trials here; the draws are shown but can never be edited."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from .models import Trial, TrialArm, TrialEnrolment
from .services import trial_arms_validate


class TrialArmFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        arms = [list(f.cleaned_data.get("teams") or []) for f in kept]
        if self.instance.jobcenter_id is None:
            return  # the trial form reports its own missing jobcenter
        try:
            trial_arms_validate(jobcenter_id=self.instance.jobcenter_id, arms=arms)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class TrialArmInline(admin.TabularInline):
    model = TrialArm
    formset = TrialArmFormSet
    fields = ["name", "ratio", "teams"]
    extra = 0
    min_num = 2
    filter_horizontal = ["teams"]


@admin.register(Trial)
class TrialAdmin(admin.ModelAdmin):
    list_display = ["name", "jobcenter", "programme", "starts_on", "ends_on"]
    list_filter = ["jobcenter", "programme"]
    search_fields = ["name"]
    inlines = [TrialArmInline]
    readonly_fields = ["seed"]

    def get_readonly_fields(self, request, obj=None):
        # Once cases are drawn, changing who could be drawn would break the comparison.
        if obj and obj.enrolments.exists():
            return ["seed", "jobcenter", "programme", "target_group", "min_age", "min_years_on_benefits", "starts_on"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.enrolments.exists()


@admin.register(TrialEnrolment)
class TrialEnrolmentAdmin(admin.ModelAdmin):
    list_display = ["trial", "case", "arm", "excluded", "drawn_at"]
    list_filter = ["trial", "arm", "excluded"]
    readonly_fields = ["trial", "case", "arm", "draw", "excluded", "drawn_at", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
