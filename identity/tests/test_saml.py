"""SAML 2.0 single sign-on end to end: a real HTTP client, pytest-django's live server and a
real identity provider (pysaml2's own, identity/tests/saml_idp.py) that signs its assertions
with a key made for the test. Nothing is mocked at the protocol level: the SP checks real
signatures, and a response changed on the way is refused."""

from __future__ import annotations

import base64
import os
import re

import pytest
import requests
from django.contrib.auth import get_user_model

from identity.models import ExternalLogin, Grant, GroupGrant
from staff.models import Caseworker, Team
from staff.tests.factories import TeamFactory

from . import saml_fixtures
from .saml_fixtures import MFA_ACR, PASSWORD_ACR, saml_response_for, sso

# Playwright's sync API runs an event loop in this thread (the browser test below).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.django_db(transaction=True)
saml_idp = saml_fixtures.saml_idp  # the fixture: a real IdP that trusts the live server
# As web/tests/test_browser.py launches it (which identity may not import).
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
User = get_user_model()


@pytest.fixture
def teams(db):
    north = TeamFactory(name="Flere skal med Nord")
    south = TeamFactory(name="Flere skal med Syd", jobcenter=north.jobcenter)
    GroupGrant.objects.create(group="jc-cw-north", grants=Grant.CASEWORKER, team=north)
    GroupGrant.objects.create(group="jc-lead-south", grants=Grant.LEADER, team=south)
    GroupGrant.objects.create(group="jc-admins", grants=Grant.ADMINISTRATOR)
    return north, south


def anna(idp, *groups, acr=PASSWORD_ACR, sign=True):
    idp.set_login(
        name_id="8c2f-anna",
        acr=acr,
        sign=sign,
        uid=["anna.berg"],
        email=["anna.berg@kk.dk"],
        displayName=["Anna Berg"],
        groups=list(groups),
    )


def signed_in_as(browser: requests.Session, live_server) -> str | None:
    """Whose session this is, as the site itself says: the user menu, or None at the login page."""
    page = browser.get(f"{live_server.url}/", timeout=20)
    if "/accounts/login/" in page.url:
        return None
    assert page.status_code == 200, page.status_code
    return page.text


def test_a_login_through_the_idp_is_the_caseworker_its_groups_grant(saml_idp, live_server, teams):
    north, _ = teams
    anna(saml_idp, "jc-cw-north")
    browser = requests.Session()

    answer = sso(browser, live_server, saml_idp, next_path="/")

    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    link = ExternalLogin.objects.get(provider="saml", subject="8c2f-anna")
    caseworker = Caseworker.objects.get(user=link.user)
    assert (link.user.username, link.user.email, caseworker.full_name) == ("anna.berg", "anna.berg@kk.dk", "Anna Berg")
    assert caseworker.team == north and caseworker.external_id == "8c2f-anna"
    assert "Anna Berg" in signed_in_as(browser, live_server)


def test_roles_and_teams_follow_the_group_grants_at_every_login(saml_idp, live_server, teams):
    _, south = teams
    anna(saml_idp, "jc-lead-south", "jc-admins")
    assert sso(requests.Session(), live_server, saml_idp).status_code == 302
    user = User.objects.get(external_logins__subject="8c2f-anna")
    assert user.is_staff and user.is_superuser
    assert list(Team.objects.filter(leaders=user)) == [south]

    anna(saml_idp, "jc-lead-south")  # the administrators' group taken away at the IdP
    assert sso(requests.Session(), live_server, saml_idp).status_code == 302
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser
    assert list(Team.objects.filter(leaders=user)) == [south]


def test_a_revoked_group_refuses_the_next_login_and_removes_its_grant(saml_idp, live_server, teams):
    anna(saml_idp, "jc-lead-south")
    assert sso(requests.Session(), live_server, saml_idp).status_code == 302
    user = User.objects.get(external_logins__subject="8c2f-anna")
    assert Team.objects.filter(leaders=user).exists()

    anna(saml_idp, "jc-some-other-group")
    browser = requests.Session()
    answer = sso(browser, live_server, saml_idp)

    assert answer.status_code == 403
    assert "giver ingen adgang" in answer.text or "give no access" in answer.text, answer.text
    assert 'href="/accounts/saml/login/' in answer.text  # the login page, with the way back in
    assert not Team.objects.filter(leaders=user).exists()
    assert signed_in_as(browser, live_server) is None


def test_mfa_asserted_by_the_idp_stands_in_for_the_local_totp(saml_idp, live_server, teams, settings):
    settings.ADMIN_REQUIRE_OTP = True
    anna(saml_idp, "jc-admins", acr=MFA_ACR)
    browser = requests.Session()
    assert sso(browser, live_server, saml_idp).status_code == 302

    admin_index = browser.get(f"{live_server.url}/admin/", timeout=20)
    assert admin_index.status_code == 200 and admin_index.url == f"{live_server.url}/admin/"
    assert "second-factor" not in signed_in_as(browser, live_server)


def test_without_mfa_an_administrator_is_sent_to_the_second_factor_page(saml_idp, live_server, teams, settings):
    settings.ADMIN_REQUIRE_OTP = True
    anna(saml_idp, "jc-admins", acr=PASSWORD_ACR)
    browser = requests.Session()
    assert sso(browser, live_server, saml_idp).status_code == 302

    home = browser.get(f"{live_server.url}/", timeout=20)
    assert home.url.startswith(f"{live_server.url}/accounts/second-factor/"), home.url
    assert 'name="otp_token"' in home.text
    assert browser.get(f"{live_server.url}/admin/", timeout=20).url != f"{live_server.url}/admin/"


def test_logout_ends_the_session_here_and_at_the_idp(saml_idp, live_server, teams):
    anna(saml_idp, "jc-cw-north")
    browser = requests.Session()
    assert sso(browser, live_server, saml_idp).status_code == 302
    assert signed_in_as(browser, live_server) is not None
    token = browser.cookies["csrftoken"]

    answer = browser.post(f"{live_server.url}/accounts/saml/logout/", headers={"X-CSRFToken": token}, timeout=20)

    # Single logout: to the IdP's SingleLogoutService and back to our logout service.
    hops = [hop.url for hop in answer.history]
    assert any(url.startswith(f"{saml_idp.url}/slo/redirect?SAMLRequest=") for url in hops), hops
    assert any(url.startswith(f"{live_server.url}/accounts/saml/ls/?SAMLResponse=") for url in hops), hops
    assert answer.url.startswith(f"{live_server.url}/accounts/login/")
    assert signed_in_as(browser, live_server) is None


def test_logout_is_post_only(saml_idp, live_server, teams):
    anna(saml_idp, "jc-cw-north")
    browser = requests.Session()
    assert sso(browser, live_server, saml_idp).status_code == 302
    assert browser.get(f"{live_server.url}/accounts/saml/logout/", timeout=20).status_code == 405
    assert signed_in_as(browser, live_server) is not None


def _reencoded(fields: dict, change) -> dict:
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    changed = change(xml)
    assert changed != xml
    return {**fields, "SAMLResponse": base64.b64encode(changed.encode()).decode()}


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda xml: xml.replace("jc-cw-north", "jc-admins"), id="group-changed"),
        pytest.param(lambda xml: xml.replace(">8c2f-anna<", ">8c2f-bo<"), id="nameid-changed"),
        pytest.param(
            lambda xml: re.sub(r"<(\w+:)?Signature\b.*?</(\w+:)?Signature>", "", xml, flags=re.S),
            id="signature-removed",
        ),
    ],
)
def test_a_tampered_response_is_refused(saml_idp, live_server, teams, change):
    anna(saml_idp, "jc-cw-north")
    browser = requests.Session()
    acs, fields = saml_response_for(browser, live_server, saml_idp)

    answer = browser.post(acs, data=_reencoded(fields, change), allow_redirects=False, timeout=20)

    assert answer.status_code == 403
    assert "Login fra identitetsudbyderen kunne ikke godkendes" in answer.text, answer.text
    assert not ExternalLogin.objects.exists() and not User.objects.filter(is_staff=True).exists()
    assert signed_in_as(browser, live_server) is None


def test_an_unsigned_assertion_is_refused(saml_idp, live_server, teams):
    anna(saml_idp, "jc-cw-north", sign=False)
    browser = requests.Session()
    acs, fields = saml_response_for(browser, live_server, saml_idp)
    assert "Signature" not in base64.b64decode(fields["SAMLResponse"]).decode()

    answer = browser.post(acs, data=fields, allow_redirects=False, timeout=20)

    assert answer.status_code == 403
    assert not ExternalLogin.objects.exists()


def test_a_replayed_response_is_refused(saml_idp, live_server, teams):
    anna(saml_idp, "jc-cw-north")
    browser = requests.Session()
    acs, fields = saml_response_for(browser, live_server, saml_idp)
    assert browser.post(acs, data=fields, allow_redirects=False, timeout=20).status_code == 302

    again = requests.Session()  # another browser, the same response
    assert again.post(acs, data=fields, allow_redirects=False, timeout=20).status_code == 403
    assert signed_in_as(again, live_server) is None


@pytest.mark.parametrize(
    "data",
    [{"SAMLResponse": "bm90IHhtbA=="}, {"SAMLResponse": "%%% not base64"}, {"SAMLResponse": ""}, {"RelayState": "/"}],
    ids=["not-xml", "not-base64", "empty", "missing"],
)
def test_garbage_at_the_acs_is_a_clear_4xx(saml_idp, live_server, data):
    answer = requests.post(f"{live_server.url}/accounts/saml/acs/", data=data, allow_redirects=False, timeout=20)
    assert 400 <= answer.status_code < 500, answer.status_code


def test_the_sp_metadata_names_the_acs_and_the_signing_certificate(saml_idp, live_server):
    metadata = requests.get(f"{live_server.url}/accounts/saml/metadata/", timeout=20)
    assert metadata.status_code == 200
    assert f'Location="{live_server.url}/accounts/saml/acs/"' in metadata.text
    assert 'WantAssertionsSigned="true"' in metadata.text and "<ds:X509Certificate>" in metadata.text


def test_switched_off_the_routes_are_not_there(client, settings):
    settings.SSO_SAML_ENABLED = False
    for path in ("login/", "metadata/", "ls/"):
        assert client.get(f"/accounts/saml/{path}").status_code == 404
    assert client.post("/accounts/saml/acs/", {"SAMLResponse": "x"}).status_code == 404


@pytest.mark.browser
def test_a_browser_logs_in_through_the_idps_page(saml_idp, live_server, teams, settings):
    from playwright.sync_api import expect, sync_playwright

    settings.SSO_SAML_LABEL = "Log ind med AD FS"
    anna(saml_idp, "jc-cw-north")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_context(locale="da-DK").new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{live_server.url}/accounts/login/")
            page.get_by_role("link", name="Log ind med AD FS").click()
            expect(page.get_by_role("heading", name="Test IdP")).to_be_visible()
            page.get_by_role("button", name="Sign in").click()  # the IdP's form posts the response back
            page.wait_for_url(f"{live_server.url}/**")
            expect(page.get_by_text("Anna Berg").first).to_be_visible()
            assert "/accounts/login/" not in page.url

            # The page's logout button: single logout through the IdP and back to the login page.
            page.locator("form[action='/accounts/saml/logout/'] button").click()
            page.wait_for_url(f"{live_server.url}/accounts/login/**")
            page.goto(f"{live_server.url}/")
            assert "/accounts/login/" in page.url
        finally:
            chromium.close()


def test_saml_logout_of_a_session_that_did_not_come_from_saml_is_a_local_logout(saml_idp, client, django_user_model):
    client.force_login(django_user_model.objects.create_user("pw-user", password="long-enough-pw-1"))
    answer = client.post("/accounts/saml/logout/")
    assert answer.status_code == 302, answer.status_code
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "path",
    [
        "ls/",
        "ls/?SAMLResponse=bm90IHhtbA%3D%3D",
        "ls/?SAMLRequest=%%%",
        "login/?idp=https://elsewhere.example/metadata",
        "login/?next=https://elsewhere.example/",
    ],
)
def test_garbage_at_the_other_saml_routes_is_never_a_500(saml_idp, live_server, path):
    answer = requests.get(f"{live_server.url}/accounts/saml/{path}", allow_redirects=False, timeout=20)
    assert answer.status_code < 500, answer.status_code
