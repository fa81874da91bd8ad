"""The caseload search by a changed CPR number finds the citizen, says so, and writes neither
number into the page."""

import pytest
from django.urls import reverse

from cases import services as case_services

from .conftest import give_cases
from .test_search_privacy import _assert_no_cpr

pytestmark = pytest.mark.django_db


def test_a_former_number_finds_the_citizen_with_a_notice(client, office):
    cases = give_cases(office.anna, 2)
    target = cases[0].citizen
    old = target.cpr
    case_services.citizen_cpr_change(citizen=target, new_cpr="111282-1234", reason="Identity misuse", by=office.admin)
    client.force_login(office.anna.user)

    by_old = client.post(reverse("web:caseload"), {"q": old, "sort": "name"})
    by_new = client.post(reverse("web:caseload"), {"q": "111282-1234", "sort": "name"})

    assert [c.pk for c in by_old.context["cases"]] == [cases[0].pk]
    assert "Dette CPR-nummer blev ændret" in by_old.text
    assert "111282-XXXX" in by_old.text  # the current number, masked
    _assert_no_cpr(by_old.text, old)
    _assert_no_cpr(by_old.text, "111282-1234")
    assert [c.pk for c in by_new.context["cases"]] == [cases[0].pk]
    assert "Dette CPR-nummer blev ændret" not in by_new.text


def test_no_notice_about_a_citizen_the_caseworker_does_not_see(client, office):
    give_cases(office.anna, 1)
    elsewhere = give_cases(office.stranger, 1)[0].citizen
    old = elsewhere.cpr
    case_services.citizen_cpr_change(
        citizen=elsewhere, new_cpr="111282-1234", reason="Identity misuse", by=office.admin
    )
    client.force_login(office.anna.user)

    response = client.post(reverse("web:caseload"), {"q": old, "sort": "name"})

    assert response.context["cases"] == []
    assert "Dette CPR-nummer blev ændret" not in response.text
