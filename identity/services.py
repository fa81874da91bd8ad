"""Single sign-on: the one door through which an identity provider's word becomes a login.

The protocol adapters (`identity.oidc`, `identity.saml`) only speak their protocol. They hand
the claims they verified to `sso_login`, which decides who the person is and what they may
do, and then call `sso_session_mark` on the session they opened. Nothing else creates a login
from an identity provider, sets administrator rights from one, or changes team leadership.

Who: the (provider, stable identifier) link of an earlier login; else the caseworker record
whose `external_id` is that identifier (created by an administrator or an import); else a new
login, created just in time. Never matched by name or e-mail.

What: the `GroupGrant` rows of the groups asserted, applied afresh at every login — an
administrator's rights, the leadership of teams, work as a caseworker in a team. A group no
longer asserted takes away what it gave; claims that give nothing refuse the login, end the
person's API tokens and leave them with no rights.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from knox.models import AuthToken

from allocation import services as allocation_services
from staff.models import Caseworker, Team

from .errors import (
    PasswordLoginOff,
    SsoClaimsInvalid,
    SsoClaimsMissing,
    SsoInactive,
    SsoNoAccess,
    SsoRefused,
    SsoUsernameTaken,
)
from .models import ExternalLogin, Grant, GroupGrant

User = get_user_model()

# The session keys a single sign-on login leaves (read by identity.middleware and logout).
SESSION_PROVIDER = "identity_provider"
SESSION_MFA = "identity_mfa"

DEFAULT_CLAIMS = {
    "oidc": {"id": "sub", "username": "preferred_username", "email": "email", "name": "name", "groups": "groups"},
    "saml": {"id": "sub", "username": "uid", "email": "email", "name": "displayName", "groups": "groups"},
}


def claim_names(provider: str) -> dict[str, str]:
    """Which claim holds what, for this provider: the defaults, overridden by settings."""
    configured = getattr(settings, f"SSO_{provider.upper()}_CLAIMS", None) or {}
    return {**DEFAULT_CLAIMS[provider], **configured}


def _values(value: Any) -> list[str]:
    """A claim as a list of non-empty strings: SAML sends lists, OIDC strings or lists."""
    if value is None:
        return []
    if isinstance(value, str | int):
        value = [value]
    if not isinstance(value, Iterable):
        return []
    return [str(item).strip() for item in value if item is not None and str(item).strip()]


def _first(claims: Mapping[str, Any], name: str) -> str:
    values = _values(claims.get(name))
    return values[0] if values else ""


def sso_mfa_asserted(*, provider: str, claims: Mapping[str, Any]) -> bool:
    """Whether the identity provider says the person gave a second factor: an `amr` value
    (RFC 8176) or an `acr` (OIDC) / authentication context class (SAML) that settings count
    as multi-factor."""
    amr = set(_values(claims.get("amr")))
    acr = set(_values(claims.get("acr")))
    return bool(amr & set(settings.SSO_MFA_AMR)) or bool(acr & set(settings.SSO_MFA_ACR))


def _grants_for(provider: str, groups: list[str]) -> list[GroupGrant]:
    if not groups:
        return []
    return list(
        GroupGrant.objects.filter(Q(provider="") | Q(provider=provider), group__in=groups)
        .select_related("team")
        .order_by("group", "grants", "team_id")
    )


def _username_for(provider: str, claims: Mapping[str, Any], names: dict[str, str], subject: str) -> str:
    username = _first(claims, names["username"]) or _first(claims, names["email"]) or f"{provider}-{subject}"
    return username[:150]


def _create_caseworker(username: str, full_name: str, email: str, subject: str, grant: GroupGrant) -> Caseworker:
    # Through allocation, as an administrator's creation is: new capacity drains the queue.
    return allocation_services.caseworker_create(
        username=username,
        full_name=full_name,
        team=grant.team,
        role=grant.caseworker_role or None,
        email=email,
        external_id=subject,
    )


def _find_user(provider: str, subject: str):
    link = ExternalLogin.objects.select_related("user").filter(provider=provider, subject=subject).first()
    if link is not None:
        return link.user, link
    caseworker = Caseworker.objects.select_related("user").filter(external_id=subject).first()
    if caseworker is not None:
        return caseworker.user, None
    return None, None


def _revoke(user) -> None:
    """Claims that grant nothing: no rights left behind and no API token alive."""
    if user is None:
        return
    if user.is_staff or user.is_superuser:
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])
    Team.leaders.through.objects.filter(user_id=user.pk).delete()
    AuthToken.objects.filter(user=user).delete()


def sso_login(*, provider: str, claims: Mapping[str, Any]):
    """The login of the person the identity provider vouched for, with the access their groups
    give now (see the module's docstring). Raises `SsoRefused` when they give none."""
    names = claim_names(provider)
    subject = _first(claims, names["id"])
    if not subject:
        raise SsoClaimsMissing(claim=names["id"])
    groups = _values(claims.get(names["groups"]))
    try:
        with transaction.atomic():
            user = _login(provider, subject, claims, names, groups)
    except IntegrityError:
        # Two first logins of the same person at once: the other made the link; use it.
        with transaction.atomic():
            user = _login(provider, subject, claims, names, groups)
    if isinstance(user, SsoRefused):
        raise user  # after the revocation has been committed
    return user


def _login(provider: str, subject: str, claims: Mapping[str, Any], names: dict[str, str], groups: list[str]):
    """The user, or the refusal to raise once the transaction (and any revocation) is committed."""
    user, link = _find_user(provider, subject)
    grants = _grants_for(provider, groups)
    if user is not None and not user.is_active:
        return SsoInactive()
    if not grants:
        _revoke(user)
        return SsoNoAccess()

    email = _first(claims, names["email"])
    full_name = _first(claims, names["name"]) or _username_for(provider, claims, names, subject)
    administrator = any(grant.grants == Grant.ADMINISTRATOR for grant in grants)
    led_team_ids = {grant.team_id for grant in grants if grant.grants == Grant.LEADER}
    work = [grant for grant in grants if grant.grants == Grant.CASEWORKER]

    if user is None:
        username = _username_for(provider, claims, names, subject)
        if User.objects.filter(username__iexact=username).exists():
            return SsoUsernameTaken(username=username)
        if work:
            try:
                caseworker = _create_caseworker(username, full_name, email, subject, work[0])
            except ValidationError as error:
                return SsoClaimsInvalid(problems="; ".join(error.messages))
            user = caseworker.user
        else:
            user = User(username=username, email=email)
            user.set_unusable_password()
            user.save()

    # What the groups give, now: administrator rights and team leadership follow the claims
    # exactly. A caseworker record is not moved between teams here: that moves a caseload,
    # which is an administrator's decision (the record's team stays as it is).
    changed = []
    if bool(user.is_staff) != administrator or bool(user.is_superuser) != administrator:
        user.is_staff = user.is_superuser = administrator
        changed += ["is_staff", "is_superuser"]
    if email and user.email != email:
        user.email = email
        changed.append("email")
    if changed:
        user.save(update_fields=changed)
    leaderships = Team.leaders.through.objects
    leaderships.filter(user_id=user.pk).exclude(team_id__in=led_team_ids).delete()
    have = set(leaderships.filter(user_id=user.pk).values_list("team_id", flat=True))
    leaderships.bulk_create([leaderships.model(user_id=user.pk, team_id=team_id) for team_id in led_team_ids - have])

    now = timezone.now()
    if link is None:
        ExternalLogin.objects.create(provider=provider, subject=subject, user=user, last_login_at=now)
    else:
        ExternalLogin.objects.filter(pk=link.pk).update(last_login_at=now)
    return user


def sso_session_mark(request, *, provider: str, mfa: bool) -> None:
    """After `django.contrib.auth.login`: remember the provider (for logout) and whether the
    identity provider asserted a second factor, which then stands in for the local one."""
    request.session[SESSION_PROVIDER] = provider
    request.session[SESSION_MFA] = bool(mfa)


def session_provider(request) -> str | None:
    return request.session.get(SESSION_PROVIDER)


def sso_providers() -> list[tuple[str, str]]:
    """The switched-on identity providers, as (URL name of the login, label) for the login page."""
    providers = []
    if getattr(settings, "SSO_SAML_ENABLED", False):
        providers.append(("identity:saml-login", settings.SSO_SAML_LABEL))
    if getattr(settings, "SSO_OIDC_ENABLED", False):
        providers.append(("identity:oidc-login", settings.SSO_OIDC_LABEL))
    return providers


def password_login_check(user) -> None:
    """With PASSWORD_LOGIN = "break_glass", only the named break-glass accounts may log in
    with a password (page, admin, API token); everyone else uses single sign-on."""
    if settings.PASSWORD_LOGIN == "all":  # noqa: S105 - a mode, not a password
        return
    allowed = {name.lower() for name in settings.PASSWORD_LOGIN_USERS}
    if user.get_username().lower() not in allowed:
        raise PasswordLoginOff()


def password_login_offered() -> bool:
    """Whether the login page shows the password form at all."""
    return settings.PASSWORD_LOGIN == "all" or bool(settings.PASSWORD_LOGIN_USERS)  # noqa: S105 - a mode
