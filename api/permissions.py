"""Permission classes. Reads go through the access layer (`get_queryset` is a scope, `get_object`
a door), so an object that a user may not see is a 404 before any of these run on it; these
decide writes (403)."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from access.viewer import viewer_of


class AdminWrites(BasePermission):
    """Anyone signed in reads (through the scoped queryset); only an admin writes.

    Writes to an existing object are decided per object, after the scoped lookup, so a
    user who cannot see the object gets 404 rather than learning it exists from a 403.
    """

    message = "Only an administrator may change this."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS or getattr(view, "action", None) != "create":
            return True
        return viewer_of(request.user).is_admin

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or viewer_of(request.user).is_admin


class LeadersCreate(BasePermission):
    """Creating citizens and cases is for admins and team leaders; the view then checks
    the jobcenter and programme of what is created (`access.rules.may_*`)."""

    message = "Only an administrator or a team leader may create this."

    def has_permission(self, request, view):
        if getattr(view, "action", None) != "create":
            return True
        viewer = viewer_of(request.user)
        return viewer.is_admin or viewer.leads_any_team
