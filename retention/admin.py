"""Retention in Django admin, for administrators only: the rules, the deletion lists to
review (approve a list, or hold an item with a reason and release it later), and the
record of what was deleted. Every change goes through `retention.services`."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ServiceErrorsMixin, error_text
from core.errors import ApplicationError
from staff.admin.common import ViewOnlyInline

from . import services
from .models import DeletionItem, DeletionList, DeletionRecord, ItemStatus, RetentionRule


class AdministratorsOnly:
    """Whatever model permissions a staff account was given: retention is for administrators."""

    def _is_admin(self, request) -> bool:
        # The access layer's rule (`Viewer.is_admin` is `is_staff`), read off the user: the
        # admin's sidebar asks every app, and a Viewer would cost a query on every page.
        return bool(request.user.is_active and request.user.is_staff)

    def has_module_permission(self, request) -> bool:
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_admin(request)

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RetentionRule)
class RetentionRuleAdmin(AdministratorsOnly, ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ("kind", "years", "updated_at")
    list_editable = ("years",)
    fields = ("kind", "years")
    readonly_fields = ("kind",)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._is_admin(request)


def _approval_message(request, approval: services.Approval) -> None:
    messages.success(
        request,
        _("Deleted: %(deleted)s. No longer due: %(gone)s. Kept because a record of the citizen is held: %(blocked)s.")
        % {"deleted": approval.deleted, "gone": approval.no_longer_due, "blocked": approval.blocked},
    )


class DeletionItemInline(ViewOnlyInline):
    """The list's items; each is held or released on its own page."""

    model = DeletionItem
    fields = ("kind", "object_id", "due_since", "rule_years", "status", "held_reason", "decided_by", "decided_at")
    readonly_fields = fields
    ordering = ("kind", "object_id")


@admin.register(DeletionList)
class DeletionListAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ("__str__", "proposed_at", "proposed", "held", "deleted")
    fields = ("proposed_at",)
    readonly_fields = ("proposed_at",)
    inlines = (DeletionItemInline,)
    actions = ("approve",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_proposed=Count("items", filter=Q(items__status=ItemStatus.PROPOSED)),
                n_held=Count("items", filter=Q(items__status=ItemStatus.HELD)),
                n_deleted=Count("items", filter=Q(items__status=ItemStatus.DELETED)),
            )
        )

    @admin.display(description=_("proposed"), ordering="n_proposed")
    def proposed(self, obj) -> int:
        return obj.n_proposed

    @admin.display(description=_("held"), ordering="n_held")
    def held(self, obj) -> int:
        return obj.n_held

    @admin.display(description=_("deleted"), ordering="n_deleted")
    def deleted(self, obj) -> int:
        return obj.n_deleted

    @admin.action(description=_("Approve: delete every proposed item of the selected lists"))
    def approve(self, request, queryset):
        for deletion_list in queryset.order_by("pk"):
            _approval_message(request, services.deletion_list_approve(deletion_list=deletion_list, by=request.user))


class HoldForm(forms.ModelForm):
    class Meta:
        model = DeletionItem
        fields = ("held_reason",)

    def clean_held_reason(self):
        reason = self.cleaned_data["held_reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the item is held."), code="required")
        return reason


@admin.register(DeletionItem)
class DeletionItemAdmin(AdministratorsOnly, ServiceErrorsMixin, admin.ModelAdmin):
    """Saving an item with a reason holds it; the actions approve or release items."""

    form = HoldForm
    list_display = ("__str__", "deletion_list", "due_since", "rule_years", "status", "held_reason", "decided_at")
    list_filter = ("status", "kind")
    list_select_related = ("deletion_list",)
    fields = ("kind", "object_id", "due_since", "rule_years", "status", "held_reason", "decided_by", "decided_at")
    readonly_fields = ("kind", "object_id", "due_since", "rule_years", "status", "decided_by", "decided_at")
    actions = ("approve", "release")

    def has_change_permission(self, request, obj=None) -> bool:
        # Only a pending item can be held (its reason changed); the rest is history.
        return self._is_admin(request) and (obj is None or obj.status in (ItemStatus.PROPOSED, ItemStatus.HELD))

    def get_actions(self, request):
        # The changelist's actions need no change permission of their own.
        return super().get_actions(request) if self._is_admin(request) else {}

    def save_model(self, request, obj, form, change):
        held = services.deletion_item_hold(item=obj, reason=form.cleaned_data["held_reason"], by=request.user)
        obj.status, obj.held_reason = held.status, held.held_reason

    @admin.action(description=_("Approve: delete the selected proposed items"))
    def approve(self, request, queryset):
        ids = list(queryset.filter(status=ItemStatus.PROPOSED).values_list("pk", flat=True))
        _approval_message(request, services.deletion_items_approve(item_ids=ids, by=request.user))

    @admin.action(description=_("Release the selected held items"))
    def release(self, request, queryset):
        released = 0
        for item in queryset.filter(status=ItemStatus.HELD).order_by("pk"):
            try:
                services.deletion_item_release(item=item, by=request.user)
                released += 1
            except ApplicationError as error:
                messages.error(request, error_text(error))
        messages.success(
            request,
            ngettext("%(count)d item released.", "%(count)d items released.", released) % {"count": released},
        )


@admin.register(DeletionRecord)
class DeletionRecordAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ("approved_at", "kind", "count", "rule_years", "approved_by", "deletion_list")
    list_filter = ("kind",)
    list_select_related = ("approved_by", "deletion_list")
    fields = list_display
    readonly_fields = list_display
