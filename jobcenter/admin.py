"""API tokens in admin: who holds one and until when, never the token or its digest.

knox's own admin lists digests and lets an administrator mint a token for anybody, shown
once in a message: a way to act as someone else without their password or second factor.
Here tokens can only be looked at and deleted (revoked).
"""

from django.contrib import admin
from knox.models import AuthToken

admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created", "expiry")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = ("user", "created", "expiry")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
