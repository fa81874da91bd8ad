"""Finding 3 of the security review: a CPR number never travels in a URL. The caseload search
posts; nothing the page writes back (links, htmx attributes, the pushed address) carries the
number; an old link with one is dropped before the login redirect could pass it on; and the
failed-login records keep none (ASVS V8.3.1, V7.1.1)."""

import re
from urllib.parse import unquote

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from cases.models import Citizen

from .conftest import give_cases

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "caseload-results"}
ATTRIBUTE = re.compile(r'\s(?:href|action|hx-[a-z-]+|value)="([^"]*)"')


def _written_forms(number: str) -> list[str]:
    """The ways the number can appear in a page or an address, raw or URL-encoded."""
    digits = number.replace("-", "")
    return [number, digits, number.replace("-", "%2D"), f"{digits[:6]}+{digits[6:]}", digits[6:]]


def _assert_no_cpr(text: str, number: str) -> None:
    decoded = unquote(text)
    for form in _written_forms(number):
        assert form not in text and form not in decoded


def test_the_search_form_posts_with_a_csrf_token_and_pushes_nothing(client, office):
    client.force_login(office.anna.user)
    page = client.get(reverse("web:caseload")).text
    form = re.search(r'<form class="search-form"[^>]*>', page).group(0)
    assert 'method="post"' in form and "hx-post=" in form and "hx-get=" not in form
    assert "hx-push-url" not in form
    assert 'name="csrfmiddlewaretoken"' in page.split('class="search-form"', 1)[1].split("</form>", 1)[0]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_cpr_search_finds_the_citizen_and_writes_the_number_nowhere(client, office, headers):
    cases = give_cases(office.anna, 3)
    target = cases[0].citizen
    client.force_login(office.anna.user)
    response = client.post(reverse("web:caseload"), {"q": target.cpr, "sort": "name"}, headers=headers)
    assert response.status_code == 200
    assert target.name in response.text and sum(c.citizen.name in response.text for c in cases) == 1
    assert target.cpr_masked in response.text  # the number shows masked, as everywhere
    _assert_no_cpr(response.text, target.cpr)
    for attribute in ATTRIBUTE.findall(response.text):
        assert not any(ch.isdigit() for ch in unquote(attribute).split("q=", 1)[-1]) or "q=" not in attribute
        _assert_no_cpr(attribute, target.cpr)
    assert response["HX-Push-Url"] == "false"


def test_the_cpr_search_is_csrf_protected(office):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(office.anna.user)
    assert strict.post(reverse("web:caseload"), {"q": "010190-1235"}).status_code == 403


def test_a_name_search_by_post_may_leave_its_address_in_the_history(client, office):
    cases = give_cases(office.anna, 2)
    name = "Karen Jensen"  # a name has no digits; the factory's "Borger 7" would count as a number
    Citizen.objects.filter(pk=cases[0].citizen_id).update(name=name)
    client.force_login(office.anna.user)
    response = client.post(reverse("web:caseload"), {"q": name}, headers=HTMX)
    assert name in response.text and cases[1].citizen.name not in response.text
    assert response["HX-Push-Url"].startswith("/caseload/?") and "q=" in response["HX-Push-Url"]


def test_a_partial_number_goes_into_no_link_either(client, office):
    give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    response = client.post(reverse("web:caseload"), {"q": "061085-35"})
    assert "061085-35" not in response.text and "06108535" not in response.text
    assert response["HX-Push-Url"] == "false"


def test_a_cpr_in_an_old_link_is_dropped_before_anything_else(client, office):
    number = "061085-3512"
    client.force_login(office.anna.user)
    response = client.get(reverse("web:caseload"), {"q": number, "sort": "-days"})
    assert response.status_code == 302 and response["Location"] == "/caseload/?sort=-days"


def test_after_the_session_expired_the_login_redirect_carries_no_cpr(client, office):
    number = "061085-3512"
    # the session has expired: the search is posted by an anonymous client
    posted = client.post(reverse("web:caseload"), {"q": number})
    assert posted.status_code == 302 and reverse("login") in posted["Location"]
    _assert_no_cpr(posted["Location"], number)
    # and an old link with the number in it never reaches the login page with it
    followed = client.get(reverse("web:caseload"), {"q": number}, follow=True)
    for address, _status in followed.redirect_chain:
        _assert_no_cpr(address, number)
    assert followed.status_code == 200


def test_the_failed_login_records_keep_no_cpr(client, office):
    number = "061085-3512"
    # a login page reached from a link that carried the number in `next`, then a wrong password
    login = reverse("login") + "?next=" + "/%3Fq%3D" + number
    client.get(login)
    client.post(login, {"username": "anna", "password": "wrong", "next": f"/?q={number}"})
    attempt = AccessAttempt.objects.get(username="anna")
    for recorded in (attempt.get_data, attempt.post_data, attempt.path_info):
        _assert_no_cpr(recorded, number)


def test_the_page_repeats_a_search_without_its_digits_and_a_cpr_masked(client, office):
    from web.forms import shown_in_page

    assert shown_in_page("Hansen") == "Hansen"
    assert shown_in_page("061085-3512") == "061085-XXXX"
    assert shown_in_page("Borger 7") == "Borger X"  # not the mask of a CPR number nobody typed
    assert shown_in_page("0610") == "XXXX"
