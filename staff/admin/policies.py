"""Caseload policies: one row per role, whose cap changes through `policy_set_cap`.

That is the allocation service (`allocation.services.policy_set_cap`): a raised cap drains
the queue, a lowered one is checked against the limits.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from allocation import services
from core.admin import ServiceErrorsMixin

from ..models import CaseloadPolicy, Caseworker
from .common import marker


def _count_by_role(caseworkers: QuerySet[Caseworker]) -> Coalesce:
    rows = caseworkers.filter(role=OuterRef("role")).order_by().values("role").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@admin.register(CaseloadPolicy)
class CaseloadPolicyAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    """One row per role (seeded); only the cap changes, through `policy_set_cap`."""

    list_display = ("role", "cap", "caseworker_count", "over_cap_count")
    list_editable = ("cap",)
    fields = ("role", "cap", "caseworker_count", "over_cap_count", "updated_at")
    readonly_fields = ("role", "caseworker_count", "over_cap_count", "updated_at")

    def get_queryset(self, request) -> QuerySet[CaseloadPolicy]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                caseworker_count=_count_by_role(Caseworker.objects.all()),
                over_cap_count=_count_by_role(Caseworker.objects.filter(open_cases__gt=F("cap"))),
            )
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("caseworkers with this role"), ordering="caseworker_count")
    def caseworker_count(self, obj: CaseloadPolicy) -> int:
        return obj.caseworker_count

    @admin.display(description=_("of them over cap"), ordering="over_cap_count")
    def over_cap_count(self, obj: CaseloadPolicy) -> str:
        return marker(alarm=obj.over_cap_count > 0, alarm_text=str(obj.over_cap_count), ok_text="0")

    def save_model(self, request, obj, form, change):
        # Also what the changelist's editable column calls, row by row.
        if "cap" in form.changed_data:
            services.policy_set_cap(role=obj.role, cap=form.cleaned_data["cap"])
            over = Caseworker.objects.filter(role=obj.role, open_cases__gt=F("cap")).count()
            if over:
                message = ngettext(
                    "%(role)s: %(count)d caseworker is now over cap; alerts will tell their leaders.",
                    "%(role)s: %(count)d caseworkers are now over cap; alerts will tell their leaders.",
                    over,
                ) % {"role": obj.get_role_display(), "count": over}
                self.message_user(request, message, level="warning")
