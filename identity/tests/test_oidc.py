"""OpenID Connect single sign-on against a real OpenID provider (node-oidc-provider), over HTTP.

The app runs in pytest-django's live_server; `requests` plays the browser: it follows the app's
redirect to the provider, posts the provider's login form and comes back to the callback, where the
app exchanges the code (PKCE), verifies the ID token against the provider's JWKS and asks
`identity.services.sso_login` who it is. Nothing is mocked at the protocol level.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from .oidc_fixtures import oidc, oidc_provider  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


class Browser:
    """A cookie jar that logs in through the provider's own pages."""

    def __init__(self, live_server):
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


def test_a_login_through_the_provider_lands_on_the_app_as_that_user(oidc, sso_client, django_user_model):
    oidc.set_account("anna", email="anna@jobcenter.example.dk", name="Anna Andersen", groups=["allowed"])
    page = sso_client.login("anna")
    assert callback_of(page).status_code == 302
    assert urlsplit(page.url).path == reverse("web:home"), page.url
    assert page.status_code == 200
    user = django_user_model.objects.get(username="anna")
    assert sso_client.user_id() == user.pk
    assert oidc.events("login") == [{"event": "login", "sub": "anna", "amr": ["pwd"]}]


def test_the_login_uses_pkce_and_the_code_flow(oidc, sso_client):
    answer = sso_client.start_login()
    authorize = sso_client.start_login().history[0].headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["nonce"] and query["state"]
    assert answer.status_code == 200


def test_refused_claims_show_the_login_page_with_the_message_and_403(oidc, sso_client, django_user_model):
    oidc.set_account("stranger", groups=["somewhere-else"])
    page = sso_client.login("stranger")
    callback = callback_of(page)
    assert page is callback or callback.status_code == 403
    assert callback.status_code == 403
    assert "message--error" in callback.text
    assert sso_client.user_id() is None
    assert not django_user_model.objects.filter(username="stranger").exists()


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


def test_a_real_state_with_a_forged_code_is_refused_by_the_provider_and_is_a_400(oidc, sso_client):
    oidc.set_account("anna", groups=["allowed"])
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


def test_a_callback_replayed_is_refused(oidc, sso_client):
    oidc.set_account("anna", groups=["allowed"])
    page = sso_client.login("anna")
    callback = callback_of(page)
    assert callback.status_code == 302
    other = Browser.__new__(Browser)
    other.base, other.http = sso_client.base, requests.Session()
    replay = other.http.get(callback.url, timeout=10, allow_redirects=False)
    assert replay.status_code == 400
    again = sso_client.http.get(callback.url, timeout=10, allow_redirects=False)
    assert again.status_code == 400


def test_logout_ends_the_local_session_and_the_providers(oidc, sso_client):
    oidc.set_account("anna", groups=["allowed"])
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
