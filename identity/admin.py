"""Administrators keep the groups' grants and can see (and remove) the links of external logins."""

from __future__ import annotations

from django.contrib import admin

from .models import ExternalLogin, GroupGrant


@admin.register(GroupGrant)
class GroupGrantAdmin(admin.ModelAdmin):
    list_display = ("group", "provider", "grants", "team", "caseworker_role")
    list_filter = ("grants", "provider", "team__jobcenter")
    list_select_related = ("team", "team__jobcenter")
    search_fields = ("group", "team__name")
    autocomplete_fields = ("team",)


@admin.register(ExternalLogin)
class ExternalLoginAdmin(admin.ModelAdmin):
    """Read-only but for deletion: deleting a link makes the next login match afresh (by the
    caseworker record's identifier, or as a new login)."""

    list_display = ("user", "provider", "subject", "created_at", "last_login_at")
    list_filter = ("provider",)
    list_select_related = ("user",)
    search_fields = ("user__username", "subject")
    readonly_fields = ("user", "provider", "subject", "created_at", "last_login_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
