"""Permission classes. Reads are scoped by selectors (`get_queryset`), so an object that a
user may not see is a 404 before any of these run on it; these decide writes (403)."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from allocation import selectors


class AdminWrites(BasePermission):
    """Anyone signed in reads (through the scoped queryset); only an admin writes.

    Writes to an existing object are decided per object, after the scoped lookup, so a
    user who cannot see the object gets 404 rather than learning it exists from a 403.
    """

    message = "Only an administrator may change this."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS or getattr(view, "action", None) != "create":
            return True
        return selectors.is_admin(request.user)

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or selectors.is_admin(request.user)


class LeadersCreate(BasePermission):
    """Creating citizens and cases is for admins and team leaders; the view then checks
    the jobcenter and programme of what is created (`allocation.selectors.may_*`)."""

    message = "Only an administrator or a team leader may create this."

    def has_permission(self, request, view):
        if getattr(view, "action", None) != "create":
            return True
        return selectors.is_admin(request.user) or bool(selectors.led_team_ids(request.user))
