"""OpenID Connect single sign-on in a real browser (Debian's Chromium, Playwright), through the pages
of a real OpenID provider (node-oidc-provider; identity/tests/oidc_fixtures.py)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from .oidc_fixtures import oidc, oidc_provider  # noqa: F401 (fixtures)

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture
def page():
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


def test_a_caseworker_logs_in_through_the_providers_pages(oidc, page, live_server, django_user_model):
    oidc.set_account("anna", email="anna@jobcenter.example.dk", name="Anna Andersen", groups=["allowed"])
    page.goto(live_server.url + reverse("identity:oidc-login"))
    assert urlsplit(page.url).netloc == urlsplit(oidc.issuer).netloc
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + reverse("web:home"))
    assert page.context.cookies(live_server.url)
    user = django_user_model.objects.get(username="anna")
    session_key = next(c["value"] for c in page.context.cookies(live_server.url) if c["name"] == "sessionid")
    from django.contrib.sessions.backends.db import SessionStore

    assert SessionStore(session_key=session_key).get("_auth_user_id") == str(user.pk)
