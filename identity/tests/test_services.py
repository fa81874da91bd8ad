"""The one door of single sign-on: who an identity provider's user is here, and what their
groups grant (identity.services). The protocols' own tests (test_oidc, test_saml) log in
through real local identity providers; these prove the decisions themselves."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from identity import services
from identity.errors import SsoClaimsMissing, SsoInactive, SsoNoAccess, SsoUsernameTaken
from identity.models import ExternalLogin, Grant, GroupGrant
from staff.models import Caseworker, Role
from staff.tests.factories import CaseworkerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def claims(sub="abc-123", groups=("jc-cw",), **more):
    return {
        "sub": sub,
        "preferred_username": "anna.berg",
        "email": "anna.berg@kk.dk",
        "name": "Anna Berg",
        "groups": list(groups),
        **more,
    }


@pytest.fixture
def team(db):
    return TeamFactory(name="Flere skal med Nord")


@pytest.fixture
def other_team(team):
    return TeamFactory(jobcenter=team.jobcenter, name="Psykiatri", unit_type="psychiatric")


@pytest.fixture
def grants(team, other_team):
    return {
        "cw": GroupGrant.objects.create(group="jc-cw", grants=Grant.CASEWORKER, team=team),
        "lead": GroupGrant.objects.create(group="jc-lead-psyk", grants=Grant.LEADER, team=other_team),
        "admin": GroupGrant.objects.create(group="jc-admins", grants=Grant.ADMINISTRATOR),
    }


def test_a_first_login_creates_the_caseworker_in_the_granted_team(grants, team):
    user = services.sso_login(provider="oidc", claims=claims())
    caseworker = Caseworker.objects.get(user=user)
    assert (user.username, user.email, caseworker.full_name) == ("anna.berg", "anna.berg@kk.dk", "Anna Berg")
    assert caseworker.team == team and caseworker.role == Role.FLERE_SKAL_MED
    assert caseworker.external_id == "abc-123" and caseworker.cap == 45
    assert not user.has_usable_password() and not user.is_staff
    assert ExternalLogin.objects.get(provider="oidc", subject="abc-123").user == user


def test_the_next_login_is_the_same_user_found_by_the_link_not_the_name(grants):
    first = services.sso_login(provider="oidc", claims=claims())
    again = services.sso_login(provider="oidc", claims=claims(preferred_username="a.berg", name="Anna B. Hansen"))
    assert again == first
    assert User.objects.count() == 1 and Caseworker.objects.count() == 1


def test_an_existing_caseworker_is_found_by_the_stable_identifier(grants, team):
    existing = CaseworkerFactory(username="aber", full_name="Anna Berg", team=team, external_id="abc-123")
    user = services.sso_login(provider="saml", claims={"sub": "abc-123", "uid": ["anna.berg"], "groups": ["jc-cw"]})
    assert user == existing.user
    assert ExternalLogin.objects.get(provider="saml").user == existing.user
    assert User.objects.count() == 1


def test_a_namesake_is_not_matched_by_name_or_username(grants, team):
    CaseworkerFactory(username="anna.berg", full_name="Anna Berg", team=team)
    with pytest.raises(SsoUsernameTaken):
        services.sso_login(provider="oidc", claims=claims(sub="someone-else"))
    assert not ExternalLogin.objects.exists()


def test_groups_grant_administrator_and_leadership_and_a_revoked_group_takes_them_away(grants, other_team):
    user = services.sso_login(provider="oidc", claims=claims(groups=["jc-cw", "jc-lead-psyk", "jc-admins"]))
    assert user.is_staff and user.is_superuser
    assert list(user.teams_led.all()) == [other_team]

    user = services.sso_login(provider="oidc", claims=claims(groups=["jc-cw"]))
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser
    assert not user.teams_led.exists()


def test_claims_that_grant_nothing_refuse_and_the_revocation_is_kept(grants, other_team):
    user = services.sso_login(provider="oidc", claims=claims(groups=["jc-lead-psyk", "jc-admins"]))
    AuthToken.objects.create(user=user)
    with pytest.raises(SsoNoAccess):
        services.sso_login(provider="oidc", claims=claims(groups=["some-other-group"]))
    user.refresh_from_db()
    assert not user.is_staff and not user.teams_led.exists()
    assert not AuthToken.objects.filter(user=user).exists()


def test_a_grant_of_another_provider_does_not_count(team):
    GroupGrant.objects.create(group="jc-cw", provider="saml", grants=Grant.CASEWORKER, team=team)
    with pytest.raises(SsoNoAccess):
        services.sso_login(provider="oidc", claims=claims())
    assert not User.objects.exists()


def test_a_switched_off_login_stays_off(grants):
    user = services.sso_login(provider="oidc", claims=claims())
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(SsoInactive):
        services.sso_login(provider="oidc", claims=claims())


def test_no_stable_identifier_is_refused(grants):
    with pytest.raises(SsoClaimsMissing):
        services.sso_login(provider="oidc", claims=claims(sub=""))


@override_settings(SSO_OIDC_CLAIMS={"id": "oid", "groups": "roles"})
def test_which_claim_holds_what_is_configuration(grants):
    user = services.sso_login(provider="oidc", claims={"sub": "pairwise", "oid": "stable-1", "roles": ["jc-admins"]})
    assert user.is_staff
    assert ExternalLogin.objects.get().subject == "stable-1"


def test_mfa_is_read_from_amr_or_acr():
    assert services.sso_mfa_asserted(provider="oidc", claims={"amr": ["pwd", "mfa"]})
    assert not services.sso_mfa_asserted(provider="oidc", claims={"amr": ["pwd"]})
    assert services.sso_mfa_asserted(
        provider="saml", claims={"acr": "https://data.gov.dk/concept/core/nsis/loa/Substantial"}
    )
    assert not services.sso_mfa_asserted(
        provider="saml", claims={"acr": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"}
    )


# --- The session: an asserted second factor stands in for the local one -------------------


def _sso_session(client: Client, user, *, mfa: bool) -> None:
    client.force_login(user)
    session = client.session
    session[services.SESSION_PROVIDER] = "oidc"
    session[services.SESSION_MFA] = mfa
    session.save()


@override_settings(ADMIN_REQUIRE_OTP=True)
def test_an_asserted_second_factor_lets_an_administrator_in(grants):
    admin = services.sso_login(provider="oidc", claims=claims(groups=["jc-admins"]))
    client = Client()
    _sso_session(client, admin, mfa=True)
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


@override_settings(ADMIN_REQUIRE_OTP=True)
def test_without_it_the_administrator_gives_the_local_code_on_its_own_page(grants):
    admin = services.sso_login(provider="oidc", claims=claims(groups=["jc-admins"]))
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client = Client()
    _sso_session(client, admin, mfa=False)
    response = client.get("/caseload/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/")
    assert client.post("/accounts/second-factor/", {"otp_token": ""}).status_code == 400
    response = client.post("/accounts/second-factor/", {"otp_token": f"{totp(device.bin_key):06d}", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_second_factor_page_does_not_redirect_elsewhere(grants):
    user = services.sso_login(provider="oidc", claims=claims())
    client = Client()
    client.force_login(user)
    response = client.get("/accounts/second-factor/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


# --- Password login switched off for all but the break-glass accounts ---------------------


@override_settings(PASSWORD_LOGIN="break_glass", PASSWORD_LOGIN_USERS=["root"])
def test_password_login_is_only_for_the_break_glass_accounts():
    UserFactory(username="anna")
    UserFactory(username="root", is_staff=True, is_superuser=True)
    page = Client().post("/accounts/login/", {"username": "anna", "password": "pw"})
    assert page.status_code == 200 and "single sign-on" in page.content.decode()
    assert "_auth_user_id" not in page.wsgi_request.session
    token = APIClient().post("/api/v1/auth/token/", {"username": "anna", "password": "pw"}, format="json")
    assert token.status_code == 400 and not AuthToken.objects.exists()
    admin_login = Client().post("/admin/login/", {"username": "anna", "password": "pw"})
    assert "_auth_user_id" not in admin_login.wsgi_request.session

    root = Client()
    assert root.post("/accounts/login/", {"username": "root", "password": "pw"}).status_code == 302
    assert (
        APIClient().post("/api/v1/auth/token/", {"username": "root", "password": "pw"}, format="json").status_code
        == 200
    )


def test_the_login_page_offers_single_sign_on_and_hides_the_password_form(settings):
    settings.SSO_OIDC_ENABLED = True
    settings.SSO_OIDC_LABEL = "Log ind med KK-login"
    settings.PASSWORD_LOGIN = "break_glass"
    settings.PASSWORD_LOGIN_USERS = []
    page = Client().get("/accounts/login/").content.decode()
    assert "Log ind med KK-login" in page
    assert 'name="password"' not in page


def test_sso_session_mark_records_provider_and_mfa():
    request = RequestFactory().get("/")
    request.session = {}
    services.sso_session_mark(request, provider="saml", mfa=True)
    assert services.session_provider(request) == "saml" and request.session[services.SESSION_MFA] is True
