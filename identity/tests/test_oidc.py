"""OpenID Connect single sign-on against a real OpenID provider (node-oidc-provider), over HTTP.

The app runs in pytest-django's live_server; `requests` plays the browser: it follows the app's
redirect to the provider, posts the provider's login form and comes back to the callback, where the
app exchanges the code (PKCE), verifies the ID token against the provider's JWKS and asks
`identity.services.sso_login` who it is. Nothing is mocked at the protocol level.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse
from django.utils import translation

from identity.errors import SsoNoAccess
from identity.models import ExternalLogin, Grant, GroupGrant
from identity.oidc import OIDCBackend
from staff.models import Caseworker
from staff.tests.factories import TeamFactory

from .oidc_fixtures import REPO, oidc_fixture, oidc_provider_fixture  # noqa: F401 (the fixtures oidc, oidc_provider)

pytestmark = pytest.mark.django_db(transaction=True)


class Browser:
    """A cookie jar that logs in through the provider's own pages."""

    def __init__(self, live_server):
        self.live_server = live_server
        self.base = live_server.url
        self.http = requests.Session()

    def url(self, name: str) -> str:
        return self.base + reverse(name)

    def start_login(self, next_url: str | None = None) -> requests.Response:
        params = {"next": next_url} if next_url else None
        return self.http.get(self.url("identity:oidc-login"), params=params, timeout=10)

    def login(self, username: str, password: str = "pw", next_url: str | None = None) -> requests.Response:
        """From the app's login button to wherever the app sends the browser after the callback."""
        page = self.start_login(next_url)
        assert "/interaction/" in page.url, page.url
        return self.submit_provider_login(page, username, password)

    def submit_provider_login(self, page: requests.Response, username: str, password: str) -> requests.Response:
        action = unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
        return self.http.post(urljoin(page.url, action), data={"login": username, "password": password}, timeout=10)

    def session(self) -> SessionStore | None:
        key = self.http.cookies.get("sessionid", domain="localhost.local") or self.http.cookies.get("sessionid")
        return SessionStore(session_key=key) if key else None

    def user_id(self) -> int | None:
        session = self.session()
        value = session.get("_auth_user_id") if session is not None else None
        return int(value) if value is not None else None

    def csrf_post(self, name: str) -> requests.Response:
        self.http.get(self.url("login"), timeout=10)
        token = self.http.cookies.get("csrftoken")
        return self.http.post(
            self.url(name), data={"csrfmiddlewaretoken": token}, headers={"Referer": self.url("login")}, timeout=10
        )


def callback_of(response: requests.Response) -> requests.Response:
    """The app's callback answer among the redirects that `response` followed."""
    for answer in [*response.history, response]:
        if urlsplit(answer.url).path == reverse("identity:oidc-callback"):
            return answer
    raise AssertionError(f"never reached the callback: {[a.url for a in response.history]} {response.url}")


@pytest.fixture
def sso_client(live_server):
    return Browser(live_server)


@pytest.fixture
def teams(db):
    north = TeamFactory(name="Flere skal med Nord")
    south = TeamFactory(name="Flere skal med Syd", jobcenter=north.jobcenter)
    GroupGrant.objects.create(group="jc-nord", grants=Grant.CASEWORKER, team=north)
    GroupGrant.objects.create(group="jc-lead-nord", grants=Grant.LEADER, team=north)
    GroupGrant.objects.create(group="jc-lead-syd", grants=Grant.LEADER, team=south)
    GroupGrant.objects.create(group="jc-admins", grants=Grant.ADMINISTRATOR)
    return north, south


def refusal_text(message) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)


def test_a_login_through_the_provider_lands_on_the_app_as_that_caseworker(oidc, sso_client, teams):
    north, _ = teams
    oidc.set_account(
        "9f1c-anna",
        preferred_username="anna",
        email="anna@jobcenter.example.dk",
        name="Anna Andersen",
        groups=["jc-nord"],
    )
    page = sso_client.login("9f1c-anna")
    assert callback_of(page).status_code == 302
    assert urlsplit(page.url).path == reverse("web:home"), page.url
    assert page.status_code == 200
    assert "Anna Andersen" in page.text
    caseworker = Caseworker.objects.select_related("user").get(external_id="9f1c-anna")
    assert (caseworker.user.username, caseworker.user.email, caseworker.team) == (
        "anna",
        "anna@jobcenter.example.dk",
        north,
    )
    assert sso_client.user_id() == caseworker.user_id
    assert ExternalLogin.objects.get(provider="oidc", subject="9f1c-anna").user_id == caseworker.user_id
    assert sso_client.session()["identity_provider"] == "oidc"
    assert oidc.events("login") == [{"event": "login", "sub": "9f1c-anna", "amr": ["pwd"]}]
    # The second login is the same person, recognised by the stable id, not a second login.
    again = Browser(sso_client.live_server).login("9f1c-anna")
    assert urlsplit(again.url).path == reverse("web:home")
    assert Caseworker.objects.filter(external_id="9f1c-anna").count() == 1


def test_the_groups_give_leadership_and_administrator_rights(oidc, sso_client, teams, django_user_model):
    north, south = teams
    oidc.set_account("lene", name="Lene Leder", groups=["jc-lead-nord", "jc-lead-syd", "jc-admins", "unknown"])
    page = sso_client.login("lene")
    assert callback_of(page).status_code == 302
    lene = django_user_model.objects.get(username="lene")
    assert sso_client.user_id() == lene.pk
    assert lene.is_staff
    assert set(lene.teams_led.all()) == {north, south}
    # One group taken away at the provider: what it gave goes at the next login, the rest stays.
    oidc.set_account("lene", name="Lene Leder", groups=["jc-lead-nord"])
    again = Browser(sso_client.live_server)
    assert callback_of(again.login("lene")).status_code == 302
    lene.refresh_from_db()
    assert not lene.is_staff
    assert list(lene.teams_led.all()) == [north]


def test_the_login_uses_pkce_and_the_code_flow(oidc, sso_client):
    answer = sso_client.start_login()
    authorize = sso_client.start_login().history[0].headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["nonce"] and query["state"]
    assert answer.status_code == 200


def test_claims_that_grant_nothing_show_the_login_page_with_the_message_and_403(
    oidc, sso_client, teams, django_user_model
):
    oidc.set_account("stranger", groups=["somewhere-else"])
    page = sso_client.login("stranger")
    assert page.status_code == 403
    assert urlsplit(page.url).path == reverse("identity:oidc-callback")
    assert refusal_text(SsoNoAccess.default_message) in unescape(page.text)
    assert sso_client.user_id() is None
    assert not django_user_model.objects.filter(username="stranger").exists()


def test_a_revoked_group_refuses_the_next_login_and_removes_the_grant(oidc, sso_client, teams, django_user_model):
    north, _ = teams
    oidc.set_account("lene", groups=["jc-lead-nord"])
    assert callback_of(sso_client.login("lene")).status_code == 302
    lene = django_user_model.objects.get(username="lene")
    assert list(lene.teams_led.all()) == [north]
    oidc.set_account("lene", groups=[])  # taken out of the group at the provider
    later = Browser(sso_client.live_server)
    page = later.login("lene")
    assert page.status_code == 403
    assert refusal_text(SsoNoAccess.default_message) in unescape(page.text)
    assert later.user_id() is None
    assert not lene.teams_led.exists()


def test_a_refusal_also_ends_a_session_someone_else_had_open_in_that_browser(oidc, sso_client, teams):
    oidc.set_account("lene", groups=["jc-lead-nord"])
    oidc.set_account("stranger", groups=["somewhere-else"])
    sso_client.login("lene")
    assert sso_client.user_id() is not None
    # Someone else at the same browser, with a provider session of their own:
    sso_client.http.cookies.clear(domain=urlsplit(oidc.issuer).hostname)
    page = sso_client.login("stranger")
    assert page.status_code == 403
    assert sso_client.user_id() is None


def test_mfa_asserted_by_the_provider_stands_in_for_the_administrators_totp(oidc, sso_client, teams, settings):
    settings.ADMIN_REQUIRE_OTP = True
    oidc.set_account("ada", groups=["jc-admins"], amr=["pwd", "otp"])
    page = sso_client.login("ada")
    assert callback_of(page).status_code == 302
    assert sso_client.session()["identity_mfa"] is True
    assert page.status_code == 200
    assert urlsplit(page.url).path == reverse("web:home"), [a.url for a in page.history]
    assert sso_client.http.get(sso_client.base + "/admin/", timeout=10).url.endswith("/admin/")


def test_without_mfa_asserted_the_administrator_is_sent_to_the_second_factor_page(oidc, sso_client, teams, settings):
    settings.ADMIN_REQUIRE_OTP = True
    oidc.set_account("ada", groups=["jc-admins"], amr=["pwd"])
    page = sso_client.login("ada")
    assert callback_of(page).status_code == 302
    assert urlsplit(page.url).path == reverse("identity:second-factor"), [a.url for a in page.history]
    assert sso_client.session()["identity_mfa"] is False
    assert sso_client.user_id() is not None  # logged in, but reaches nothing before the code
    home = sso_client.http.get(sso_client.url("web:home"), timeout=10)
    assert urlsplit(home.url).path == reverse("identity:second-factor")


@pytest.mark.parametrize(
    "query",
    [
        {"code": "made-up", "state": "made-up"},
        {"code": "made-up"},
        {"state": "made-up"},
        {},
        {"error": "access_denied", "state": "made-up"},
    ],
)
def test_a_tampered_callback_is_a_clear_4xx(oidc, sso_client, query):
    answer = sso_client.http.get(
        sso_client.url("identity:oidc-callback"), params=query, timeout=10, allow_redirects=False
    )
    assert answer.status_code in (400, 403)
    assert "message--error" in answer.text
    assert sso_client.user_id() is None


def test_a_real_state_with_a_forged_code_is_refused_by_the_provider_and_is_a_400(oidc, sso_client, teams):
    oidc.set_account("anna", groups=["jc-nord"])
    authorize = sso_client.start_login().history[0].headers["Location"]
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    answer = sso_client.http.get(
        sso_client.url("identity:oidc-callback"),
        params={"code": "forged", "state": state},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 400
    assert "message--error" in answer.text
    assert sso_client.user_id() is None


def test_a_callback_replayed_is_refused(oidc, sso_client, teams):
    oidc.set_account("anna", groups=["jc-nord"])
    page = sso_client.login("anna")
    callback = callback_of(page)
    assert callback.status_code == 302
    other = Browser(sso_client.live_server)
    replay = other.http.get(callback.url, timeout=10, allow_redirects=False)
    assert replay.status_code == 400
    again = sso_client.http.get(callback.url, timeout=10, allow_redirects=False)
    assert again.status_code == 400


def test_logout_ends_the_local_session_and_the_providers(oidc, sso_client, teams):
    oidc.set_account("anna", groups=["jc-nord"])
    sso_client.login("anna")
    assert sso_client.user_id() is not None
    answer = sso_client.csrf_post("identity:oidc-logout")
    assert answer.url.startswith(oidc.discovery["end_session_endpoint"])
    assert sso_client.user_id() is None
    hint = parse_qs(urlsplit(answer.history[0].headers["Location"]).query)
    assert hint["id_token_hint"] and hint["post_logout_redirect_uri"] == [sso_client.url("login")]
    # The provider asks to confirm; the browser confirms and comes back to the login page.
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', answer.text).group(1))
    xsrf = unescape(re.search(r'name="xsrf" value="([^"]+)"', answer.text).group(1))
    back = sso_client.http.post(urljoin(answer.url, action), data={"xsrf": xsrf, "logout": "yes"}, timeout=10)
    assert urlsplit(back.url).path == reverse("login"), back.url
    assert [e["sub"] for e in oidc.events("end_session")] == ["anna"]
    # The provider's session is gone: the next login asks for the password again.
    assert "/interaction/" in sso_client.start_login().url


def _settings_with(env: dict) -> subprocess.CompletedProcess:
    code = "import jobcenter.settings.base as s; print(s.AUTHENTICATION_BACKENDS[-1], s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "SSO_"))}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, timeout=60, cwd=REPO
    )


@pytest.mark.django_db(transaction=False)
def test_switched_on_without_its_endpoints_the_app_refuses_to_start():
    answer = _settings_with({"SSO_OIDC_ENABLED": "true", "OIDC_RP_CLIENT_ID": "jobcenter"})
    assert answer.returncode != 0
    assert (
        "ImproperlyConfigured: SSO_OIDC_ENABLED needs OIDC_RP_CLIENT_SECRET, OIDC_OP_AUTHORIZATION_ENDPOINT"
        in answer.stderr
    )


@pytest.mark.django_db(transaction=False)
def test_switched_on_the_backend_and_the_providers_logout_form_target_are_added():
    endpoints = {
        name: f"https://login.example.dk/{name.lower()}"
        for name in (
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
            "OIDC_OP_END_SESSION_ENDPOINT",
        )
    }
    answer = _settings_with(
        {"SSO_OIDC_ENABLED": "true", "OIDC_RP_CLIENT_ID": "jobcenter", "OIDC_RP_CLIENT_SECRET": "s", **endpoints}
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.split()[0] == "identity.oidc.OIDCBackend"
    assert "https://login.example.dk" in answer.stdout


def test_an_id_token_not_signed_by_the_providers_key_is_a_400(oidc, sso_client, teams, settings):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    settings.OIDC_RP_IDP_SIGN_KEY = other_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    oidc.set_account("anna", groups=["jc-nord"])
    page = sso_client.login("anna")
    assert page.status_code == 400
    assert urlsplit(page.url).path == reverse("identity:oidc-callback")
    assert sso_client.user_id() is None


@pytest.mark.parametrize(
    ("aud", "azp", "accepted"),
    [
        ("jobcenter", None, True),
        (["jobcenter", "other"], "jobcenter", True),
        ("other", None, False),
        (["jobcenter", "other"], "other", False),
    ],
)
def test_the_id_tokens_audience_must_be_this_client(settings, aud, azp, accepted):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.OIDC_RP_CLIENT_ID = "jobcenter"
    settings.OIDC_RP_IDP_SIGN_KEY = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    claims = {"sub": "x", "aud": aud, "nonce": "n", "iss": "https://op", "exp": int(time.time()) + 60}
    if azp:
        claims["azp"] = azp
    token = jwt.encode(claims, key, algorithm="RS256")
    backend = OIDCBackend()
    if accepted:
        assert backend.verify_token(token, nonce="n")["sub"] == "x"
    else:
        with pytest.raises(SuspiciousOperation):
            backend.verify_token(token, nonce="n")
