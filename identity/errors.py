"""Identity's application errors: a login through single sign-on, or with a password, refused."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class SsoRefused(ApplicationError):
    """The identity provider vouched for the person, but their claims give no access here."""

    code = "sso_refused"
    default_message = _("Your login does not give access to jobcenter. Ask your administrator.")


class SsoClaimsMissing(SsoRefused):
    code = "sso_claims_missing"
    default_message = _("The identity provider did not say who you are (%(claim)s is missing). Ask your administrator.")


class SsoClaimsInvalid(SsoRefused):
    code = "sso_claims_invalid"
    default_message = _(
        "The identity provider's details cannot make a login here (%(problems)s). Ask your administrator."
    )


class SsoNoAccess(SsoRefused):
    code = "sso_no_access"
    default_message = _("Your groups at the identity provider give no access to jobcenter. Ask your administrator.")


class SsoInactive(SsoRefused):
    code = "sso_inactive"
    default_message = _("Your login to jobcenter is switched off. Ask your administrator.")


class SsoUsernameTaken(SsoRefused):
    code = "sso_username_taken"
    default_message = _(
        "A login named %(username)s already exists and is not linked to your identity. Ask your administrator "
        "to link them."
    )


class PasswordLoginOff(ApplicationError):
    code = "password_login_off"
    default_message = _("Log in through your municipality's single sign-on; password login is switched off.")
