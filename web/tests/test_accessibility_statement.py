"""The accessibility statement (tilgængelighedserklæring): open to all, linked from every footer."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from web.views.pages import ACCESSIBILITY_STATEMENT_DATE

pytestmark = pytest.mark.django_db

STATEMENT = "/tilgaengelighed/"


def _footer(html: str) -> str:
    found = re.search(r"<footer\b.*?</footer>", html, re.DOTALL)
    assert found, "the page has no <footer> landmark"
    return found.group(0)


def test_the_statement_has_its_danish_address():
    assert reverse("web:accessibility") == STATEMENT


def test_anyone_may_read_it_in_danish_first(client):
    response = client.get(STATEMENT)
    assert response.status_code == 200
    text = response.text
    assert 'lang="da"' in text
    assert "<h1>Tilgængelighedserklæring</h1>" in text
    assert "WCAG) 2.1 på niveau AA" in text and "webtilgængelighedsloven" in text
    assert "axe-core" in text  # how it is tested
    assert "Kendte begrænsninger" in text
    assert "Digitaliseringsstyrelsen" in text  # where to complain
    with translation.override("da"):
        from django.utils.formats import date_format

        assert f"Udarbejdet den {date_format(ACCESSIBILITY_STATEMENT_DATE, 'DATE_FORMAT')}" in text


def test_and_in_english(client):
    text = client.get(STATEMENT, HTTP_ACCEPT_LANGUAGE="en").text
    assert 'lang="en"' in text
    assert "<h1>Accessibility statement</h1>" in text and "Known limitations" in text


def test_the_contact_address_comes_from_the_settings(client, settings):
    assert 'href="mailto:tilgaengelighed@jobcenter.local"' in client.get(STATEMENT).text  # the default
    settings.ACCESSIBILITY_CONTACT_EMAIL = "webtilgaengelighed@kk.dk"
    text = client.get(STATEMENT).text
    assert 'href="mailto:webtilgaengelighed@kk.dk"' in text and "tilgaengelighed@jobcenter.local" not in text


def test_it_only_answers_reading(client):
    assert client.post(STATEMENT).status_code == 405


def test_the_footer_links_it_on_the_login_page_and_behind_the_login(client, office):
    assert f'href="{STATEMENT}"' in _footer(client.get(reverse("login")).text)
    client.force_login(office.anna.user)
    home = client.get(reverse("web:home"))
    assert home.status_code == 200 and f'href="{STATEMENT}"' in _footer(home.text)
    assert f'href="{STATEMENT}"' in _footer(client.get("/no-such-page/").text)
    # on the statement itself the link says where you are
    assert 'aria-current="page">Tilgængelighedserklæring<' in _footer(client.get(STATEMENT).text)


def test_the_admin_and_the_error_pages_link_it_too(client, office):
    client.force_login(office.admin)
    assert f'href="{STATEMENT}"' in _footer(client.get(reverse("admin:index")).text)
    for template in ("500.html", "503.html"):
        assert f'href="{STATEMENT}"' in _footer(render_to_string(template))


@override_settings(ADMIN_REQUIRE_OTP=True)
def test_a_session_that_owes_its_second_factor_may_still_read_it(client, office):
    client.force_login(office.admin)  # a password alone: not verified
    assert client.get(reverse("web:home")).status_code == 302
    assert client.get(STATEMENT).status_code == 200
