"""Login protection: throttling (django-axes), optional two-factor admin (django-otp), and
the wiring that keeps CPR numbers out of every log handler.

Project wiring only; what is protected and why is in SECURITY.md.
"""

from __future__ import annotations

import logging

from axes.backends import AxesStandaloneBackend as _AxesStandaloneBackend
from django.conf import settings
from django.contrib.admin import AdminSite as _DjangoAdminSite
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from cases.cpr import CprMaskingFilter

# --- Login throttling --------------------------------------------------------------------


class AxesStandaloneBackend(_AxesStandaloneBackend):
    """django-axes' lockout check, for logins that arrive over HTTP.

    Every login a client can attempt (the login page, the admin login, the API token
    exchange) passes its request to `authenticate()`, and is checked. A call without a
    request comes from code running in the process itself (the test client's `login()`,
    a shell), where there is no client address to lock and axes would raise instead.
    """

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the entry of
    X-Forwarded-For that the outermost trusted proxy wrote (entries left of it are the
    client's own claims, and would let an attacker pick a fresh address per attempt)."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies > 0 and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """429 while a username is locked from this address: a page for people, JSON for the API."""
    from django.utils.translation import gettext as _

    cool_off = settings.AXES_COOLOFF_TIME
    minutes = max(1, int(cool_off.total_seconds() // 60))
    if _wants_json(request):
        response = JsonResponse(
            {
                "detail": "Too many failed login attempts. Try again later.",
                "code": "locked_out",
                "retry_after_seconds": int(cool_off.total_seconds()),
            },
            status=429,
        )
    else:
        message = _(
            "Too many failed login attempts for this username from your address. "
            "Try again in %(minutes)d minutes, or ask an administrator to unlock the account."
        ) % {"minutes": minutes}
        response = render(request, "registration/locked_out.html", {"message": message, "minutes": minutes}, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


# --- The admin site: TOTP two-factor when ADMIN_REQUIRE_OTP is on ------------------------


class AdminSite(OTPAdminSite):
    """Django's admin site, asking for a TOTP code (django-otp) while ADMIN_REQUIRE_OTP is on.

    Decided per request rather than at start-up, so that switching the setting needs no
    other change, and so that tests can prove both states.
    """

    def __init__(self, name: str = "admin"):
        _DjangoAdminSite.__init__(self, name)

    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.ADMIN_REQUIRE_OTP else None

    @property
    def login_template(self):
        return OTPAdminSite.login_template if settings.ADMIN_REQUIRE_OTP else None

    def has_permission(self, request: HttpRequest) -> bool:
        if settings.ADMIN_REQUIRE_OTP:
            return super().has_permission(request)  # also request.user.is_verified()
        return _DjangoAdminSite.has_permission(self, request)


# --- No CPR number in any log handler ----------------------------------------------------


def mask_cpr_in_every_handler() -> int:
    """Put the CPR masking filter on every handler of every logger that has none yet.

    Called after Celery has set up its loggers (its own handlers on the root, the task
    and the multiprocessing loggers); Django's and gunicorn's handlers get the filter from
    their dictConfig. Returns how many handlers got it, for tests.
    """
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    added = 0
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, CprMaskingFilter) for f in handler.filters):
                handler.addFilter(CprMaskingFilter())
                added += 1
    return added
