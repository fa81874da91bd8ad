"""Who must give a second factor, and checking the one they give.

One rule for every way of acting as a user — the login page, the admin login, the session
API and the API token exchange — so that no door asks less than another. The rule lives
here, at the bottom, because the doors sit in apps that may not import each other.
"""

from __future__ import annotations

import django_otp
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from .errors import ApplicationError


class SecondFactorRefused(ApplicationError):
    """The second factor a user must give is missing or wrong; each door says so its own way."""

    field = "otp_token"


class NoDevice(SecondFactorRefused):
    code = "otp_no_device"
    default_message = _(
        "This account needs two-factor authentication, but has no authenticator device yet. "
        "Ask another administrator to register one for you in admin (TOTP devices)."
    )


class CodeRequired(SecondFactorRefused):
    code = "otp_required"
    default_message = _("This account needs the code from its authenticator app as well.")


class CodeInvalid(SecondFactorRefused):
    code = "otp_invalid"
    default_message = _("Wrong or expired code from the authenticator app.")


def second_factor_required(user) -> bool:
    """True for an administrator while ADMIN_REQUIRE_OTP (alias REQUIRE_OTP_FOR_ADMINS) is on.

    "Administrator" is `is_staff`, as for the access layer's Viewer; a superuser without
    `is_staff` is counted too, since the permissions are what an attacker would use."""
    if not settings.ADMIN_REQUIRE_OTP or not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser)


def second_factor_registered(user) -> bool:
    """Whether the user has a confirmed device to give a code from."""
    return django_otp.user_has_device(user, confirmed=True)


def second_factor_match(*, user, code: str) -> Device | None:
    """The user's confirmed device that accepts this code, or None.

    django-otp throttles each device after a wrong code (growing delays), so a code cannot
    be guessed at the rate a client sends them; a code accepted once is not accepted again."""
    code = code.strip()
    if not code:
        return None
    return django_otp.match_token(user, code)


def second_factor_verify(*, user, code: str) -> Device | None:
    """The check every door makes after the password: None when the user owes no second
    factor, the device that accepted `code` when they do, else `SecondFactorRefused`."""
    if not second_factor_required(user):
        return None
    if not second_factor_registered(user):
        raise NoDevice()
    if not code.strip():
        raise CodeRequired()
    device = second_factor_match(user=user, code=code)
    if device is None:
        raise CodeInvalid()
    return device
