"""OpenID Connect single sign-on in a real browser (Debian's Chromium, Playwright), through the pages
of a real OpenID provider (node-oidc-provider; identity/tests/oidc_fixtures.py)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from identity.models import Grant, GroupGrant
from staff.models import Caseworker
from staff.tests.factories import TeamFactory

from .oidc_fixtures import oidc_fixture, oidc_provider_fixture  # noqa: F401 (the fixtures oidc, oidc_provider)

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture
def chromium_page():
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = chromium.new_context(locale="da-DK", viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.set_default_timeout(10_000)
            expect.set_options(timeout=10_000)
            yield page
        finally:
            chromium.close()


def test_a_caseworker_logs_in_through_the_providers_pages(
    oidc, chromium_page, live_server, django_user_model, settings
):
    page = chromium_page
    team = TeamFactory(name="Flere skal med Nord")
    GroupGrant.objects.create(group="jc-nord", grants=Grant.CASEWORKER, team=team)
    settings.SSO_OIDC_LABEL = "Log ind med KommuneID"
    oidc.set_account("anna", email="anna@jobcenter.example.dk", name="Anna Andersen", groups=["jc-nord"])
    page.goto(live_server.url + reverse("login"))
    page.get_by_role("link", name="Log ind med KommuneID").click()
    assert urlsplit(page.url).netloc == urlsplit(oidc.issuer).netloc
    from playwright.sync_api import expect

    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + reverse("web:home"))
    expect(page.get_by_text("Anna Andersen").first).to_be_visible()
    user = django_user_model.objects.get(username="anna")
    assert Caseworker.objects.get(user=user).team == team
    session_key = next(c["value"] for c in page.context.cookies(live_server.url) if c["name"] == "sessionid")
    assert SessionStore(session_key=session_key).get("_auth_user_id") == str(user.pk)
