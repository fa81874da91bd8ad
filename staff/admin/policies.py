"""Caseload policies: one row per role, whose cap, weights and new-colleague reduction
change through `policy_update`.

That is the allocation service (`allocation.services.policy_update`): the role's cases weigh
again, room that appears drains the queue, and whoever is left over cap is alerted.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from allocation import services
from core.admin import ServiceErrorsMixin

from ..models import HUNDREDTHS, CaseloadPolicy, Caseworker
from .common import marker

WEIGHT_FIELDS = ("weight_simple", "weight_complex", "weight_very_complex")
NEW_HIRE_FIELDS = ("new_hire_months", "new_hire_share")
# Over cap by the load, the allocation rule (load > cap, in hundredths).
OVER_CAP = Q(load_hundredths__gt=F("cap") * HUNDREDTHS)


def _count_by_role(caseworkers: QuerySet[Caseworker]) -> Coalesce:
    rows = caseworkers.filter(role=OuterRef("role")).order_by().values("role").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@admin.register(CaseloadPolicy)
class CaseloadPolicyAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    """One row per role (seeded); cap, weights and the new-colleague reduction change, through
    `policy_update`."""

    list_display = (
        "role",
        "cap",
        "weight_simple",
        "weight_complex",
        "weight_very_complex",
        "new_hire",
        "caseworker_count",
        "over_cap_count",
    )
    list_editable = ("cap",)
    fieldsets = (
        (None, {"fields": ("role", "cap")}),
        (_("Weights"), {"fields": WEIGHT_FIELDS}),
        (_("New colleagues"), {"fields": NEW_HIRE_FIELDS}),
        (_("Load"), {"fields": ("caseworker_count", "over_cap_count", "updated_at")}),
    )
    readonly_fields = ("role", "caseworker_count", "over_cap_count", "updated_at")

    def get_queryset(self, request) -> QuerySet[CaseloadPolicy]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                caseworker_count=_count_by_role(Caseworker.objects.all()),
                over_cap_count=_count_by_role(Caseworker.objects.filter(OVER_CAP)),
            )
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("caseworkers with this role"), ordering="caseworker_count")
    def caseworker_count(self, obj: CaseloadPolicy) -> int:
        return obj.caseworker_count

    @admin.display(description=_("new colleagues"))
    def new_hire(self, obj: CaseloadPolicy) -> str:
        if not obj.new_hire_months or obj.new_hire_share == 1:
            return _("full cap from the start")
        return ngettext(
            "%(percent)s %% of the cap for the first month",
            "%(percent)s %% of the cap for the first %(months)s months",
            obj.new_hire_months,
        ) % {"percent": number_format(obj.new_hire_share * 100, decimal_pos=0), "months": obj.new_hire_months}

    @admin.display(description=_("of them over cap"), ordering="over_cap_count")
    def over_cap_count(self, obj: CaseloadPolicy) -> str:
        return marker(alarm=obj.over_cap_count > 0, alarm_text=str(obj.over_cap_count), ok_text="0")

    def save_model(self, request, obj, form, change):
        # Also what the changelist's editable column calls, row by row.
        changed = set(form.changed_data)
        if not changed & {"cap", *WEIGHT_FIELDS, *NEW_HIRE_FIELDS}:
            return
        data = form.cleaned_data
        weights = {field.removeprefix("weight_"): data[field] for field in WEIGHT_FIELDS if field in changed}
        services.policy_update(
            role=obj.role,
            cap=data["cap"] if "cap" in changed else None,
            weights=weights or None,
            new_hire_months=data["new_hire_months"] if "new_hire_months" in changed else None,
            new_hire_share=data["new_hire_share"] if "new_hire_share" in changed else None,
        )
        over = Caseworker.objects.filter(OVER_CAP, role=obj.role).count()
        if over:
            message = ngettext(
                "%(role)s: %(count)d caseworker is now over cap; alerts will tell their leaders.",
                "%(role)s: %(count)d caseworkers are now over cap; alerts will tell their leaders.",
                over,
            ) % {"role": obj.get_role_display(), "count": over}
            self.message_user(request, message, level="warning")
