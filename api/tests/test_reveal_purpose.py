"""Finding 12 of the security review (part): a reveal's purpose of invisible characters only is
no purpose; the API refuses it like an empty one and logs nothing (ASVS V7.1, V5.1.3)."""

import pytest
from django.core.exceptions import ValidationError

from cases.access_log import reveal_purpose_clean
from cases.models import AccessAction, CitizenAccess

pytestmark = pytest.mark.django_db

INVISIBLE = [
    "\u200b\u200b",  # zero-width spaces
    "\u00a0\u00a0",  # non-breaking spaces
    "\u0000\u0007\u001b",  # control characters
    "\u2060\ufeff\u200d\u200e\u202e",  # word joiner, BOM, joiner, direction marks
    "\u3000\u2003\u205f",  # ideographic, em and mathematical spaces
    "\u3164\u2800",  # Hangul filler, braille blank
    "\u0301\u0308",  # combining marks without a letter
    "\u00ad\u180e",  # soft hyphen, Mongolian vowel separator
]


@pytest.mark.parametrize("purpose", INVISIBLE)
def test_the_api_refuses_a_purpose_of_invisible_characters(world, as_caseworker_a, purpose):
    url = f"/api/v1/citizens/{world.a.citizen.pk}/reveal-cpr/"
    response = as_caseworker_a.post(url, {"purpose": purpose}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["purpose"]
    assert world.a.citizen.cpr not in response.content.decode()
    assert not CitizenAccess.objects.filter(action=AccessAction.REVEAL).exists()


def test_a_real_purpose_is_kept_as_written_without_its_invisible_characters(world, as_caseworker_a):
    url = f"/api/v1/citizens/{world.a.citizen.pk}/reveal-cpr/"
    response = as_caseworker_a.post(url, {"purpose": "\u200bBrev til borgeren\u00a0"}, format="json")
    assert response.status_code == 200
    assert CitizenAccess.objects.get(action=AccessAction.REVEAL).purpose == "Brev til borgeren"


@pytest.mark.parametrize("purpose", INVISIBLE)
def test_the_one_validator_refuses_them_for_every_caller(purpose):
    with pytest.raises(ValidationError):
        reveal_purpose_clean(purpose)


@pytest.mark.parametrize("purpose", ["Brev", "é", "партнёр", "电话", "🙂"])
def test_the_one_validator_takes_any_visible_writing(purpose):
    assert reveal_purpose_clean(purpose) == purpose
