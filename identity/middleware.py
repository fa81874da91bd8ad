"""A second factor the identity provider asserted counts as the local one.

After django-otp's OTPMiddleware, which gives `request.user.is_verified()` from the session's
TOTP device: for a session whose single sign-on login carried multi-factor authentication
(`identity.services.sso_session_mark`), `is_verified()` is true, so that every check of the
second factor (the admin site, jobcenter.security.SecondFactorMiddleware, the API) accepts it.
Only looked at while ADMIN_REQUIRE_OTP is on, and only for sessions that carry the mark.
"""

from __future__ import annotations

from django.conf import settings

from .services import SESSION_MFA


def _verified() -> bool:
    return True


class SsoSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if settings.ADMIN_REQUIRE_OTP and session is not None and session.get(SESSION_MFA):
            user = request.user
            if user.is_authenticated:
                user.is_verified = _verified
        return self.get_response(request)
