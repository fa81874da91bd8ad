"""Login protection: throttling (django-axes), two-factor for administrators on every way in
(django-otp), the end of API tokens (django-rest-knox), and the wiring that keeps CPR
numbers out of every log handler.

Project wiring only; what is protected and why is in SECURITY.md.
"""

from __future__ import annotations

import logging

from axes.backends import AxesStandaloneBackend as _AxesStandaloneBackend
from django.conf import settings
from django.contrib.admin import AdminSite as _DjangoAdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models.signals import pre_save
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from knox.models import AuthToken

from cases.cpr import CprMaskingFilter
from core.two_factor import second_factor_required
from identity.errors import PasswordLoginOff
from identity.services import SESSION_PROVIDER, password_login_check

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


class _PasswordLoginPolicy:
    """The admin login refuses a password login that PASSWORD_LOGIN switches off."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        try:
            password_login_check(user)
        except PasswordLoginOff as refused:
            raise ValidationError(refused.text, code=refused.code) from None


class AdminLoginForm(_PasswordLoginPolicy, AdminAuthenticationForm):
    pass


class OTPAdminLoginForm(_PasswordLoginPolicy, OTPAdminAuthenticationForm):
    pass


class AdminSite(OTPAdminSite):
    """Django's admin site, asking for a TOTP code (django-otp) while ADMIN_REQUIRE_OTP is on.

    Decided per request rather than at start-up, so that switching the setting needs no
    other change, and so that tests can prove both states.
    """

    def __init__(self, name: str = "admin"):
        _DjangoAdminSite.__init__(self, name)

    @property
    def login_form(self):
        return OTPAdminLoginForm if settings.ADMIN_REQUIRE_OTP else AdminLoginForm

    @property
    def login_template(self):
        return OTPAdminSite.login_template if settings.ADMIN_REQUIRE_OTP else None

    def has_permission(self, request: HttpRequest) -> bool:
        if settings.ADMIN_REQUIRE_OTP:
            return super().has_permission(request)  # also request.user.is_verified()
        return _DjangoAdminSite.has_permission(self, request)


# --- Two-factor on every way in -----------------------------------------------------------

# Where a session that still owes its second factor may go: the login page (to give it),
# logout, the language switch, static files and the accessibility statement. The admin site asks for the code itself
# (AdminSite above), and the token exchange ignores sessions altogether.
_OPEN_TO_UNVERIFIED = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/second-factor/",  # the code after a single sign-on that did not assert one
    "/i18n/",
    "/static/",
    "/admin/",
    "/api/v1/auth/token/",
    # Probes and the metrics scraper: no session is read (jobcenter/health.py, metrics.py).
    "/healthz",
    "/readyz",
    "/metrics",
    "/tilgaengelighed/",  # the accessibility statement, linked from the login page; it holds no data
)


class SecondFactorMiddleware:
    """A session of a user who must give a second factor and has not reaches nothing.

    Pages redirect to the login page (which asks for the code); the API answers 403
    `{"detail", "code": "otp_required"}`. Such a session cannot come from our login page,
    which logs nobody in without the code, but from any other door that logs in with a
    password alone (a password-reset confirmation, a future view) or from a session opened
    before the setting was turned on. After django_otp's OTPMiddleware, which says whether
    the session is verified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.ADMIN_REQUIRE_OTP and not request.path.startswith(_OPEN_TO_UNVERIFIED):
            user = request.user
            if second_factor_required(user) and not user.is_verified():
                if request.path.startswith("/api/"):
                    detail = "This account must log in with its second factor (TOTP code)."
                    return JsonResponse({"detail": detail, "code": "otp_required"}, status=403)
                # A single sign-on session gives the code on its own page; no password to give.
                if request.session.get(SESSION_PROVIDER):
                    return redirect_to_login(request.get_full_path(), reverse("identity:second-factor"))
                return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        return self.get_response(request)


# --- API tokens end with the credentials that earned them -------------------------------

# What a token was issued on: a change to any of these ends every token of the user.
# Gaining admin rights is among them: a token issued before might not have been asked for
# the second factor that administrators need.
_TOKEN_BASIS = ("password", "is_active", "is_staff", "is_superuser")


def end_tokens_when_credentials_change(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """pre_save of the user model: delete the user's API tokens when their password changes,
    their account is deactivated or they become an administrator.

    A signal, against the house rule of visible flow, because this is a security invariant
    rather than business flow: a password can change through the password-change page, a
    reset, admin, `createsuperuser`, `changepassword` or any `set_password()` + `save()`,
    and a door that forgot to call a service would leave stolen tokens alive. Comparing
    the stored hash catches every one of them. (`QuerySet.update()` bypasses signals: a
    deactivation that way is still refused per request by knox, which checks is_active.)
    """
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(_TOKEN_BASIS):
        return  # e.g. last_login at every login: nothing that tokens rest on
    before = sender.objects.filter(pk=instance.pk).values(*_TOKEN_BASIS).first()
    if before is None:
        return
    gained_admin = (instance.is_staff and not before["is_staff"]) or (
        instance.is_superuser and not before["is_superuser"]
    )
    if instance.password != before["password"] or (before["is_active"] and not instance.is_active) or gained_admin:
        AuthToken.objects.filter(user_id=instance.pk).delete()


def connect_token_ends() -> None:
    pre_save.connect(end_tokens_when_credentials_change, sender=get_user_model(), dispatch_uid="end_api_tokens")


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
