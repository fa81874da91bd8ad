"""Finding 12 of the security review (part): on the case page too, a reveal's purpose of
invisible characters only is refused with the form again, and nothing is revealed or logged."""

import pytest
from django.urls import reverse

from cases.models import AccessAction, CitizenAccess

from .conftest import give_cases

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("purpose", ["\u200b\u200b", "\u00a0", "\u0007\u001b", "\u2060\ufeff", "\u3164"])
def test_the_case_page_refuses_a_purpose_of_invisible_characters(client, office, purpose):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    response = client.post(reverse("web:case_reveal_cpr", args=[case.pk]), {"purpose": purpose})
    assert response.status_code == 400
    assert case.citizen.cpr not in response.content.decode()
    assert not CitizenAccess.objects.filter(action=AccessAction.REVEAL).exists()
