"""POST /api/v1/citizens/find-by-cpr/: a full number, current or former, finds a citizen the
user sees; a former one says when it was changed."""

import pytest
from django.urls import reverse

from cases import services as case_services
from cases.models import AccessAction, CitizenAccess

from .conftest import client_for

pytestmark = pytest.mark.django_db
URL = reverse("api:citizen-find-by-cpr")


def test_the_current_number_finds_the_citizen_without_a_notice(world):
    response = client_for(world.a.leader).post(URL, {"cpr": world.a.citizen.cpr}, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == world.a.citizen.pk
    assert response.json()["cpr_changed_at"] is None and response.json()["notice"] == ""
    assert CitizenAccess.objects.filter(citizen=world.a.citizen, action=AccessAction.SEARCH).exists()


def test_a_former_number_finds_the_citizen_with_the_change_and_the_current_number_masked(world):
    citizen = world.a.citizen
    old = citizen.cpr
    case_services.citizen_cpr_change(citizen=citizen, new_cpr="111282-1234", reason="Identity misuse", by=world.admin)

    response = client_for(world.a.leader).post(URL, {"cpr": old.replace("-", "")}, format="json")

    body = response.json()
    assert response.status_code == 200 and body["id"] == citizen.pk
    assert body["cpr"] == "111282-XXXX" and body["cpr_changed_at"] is not None
    assert "CPR" in body["notice"]
    assert old not in response.content.decode() and "1234" not in response.content.decode()


def test_a_citizen_out_of_sight_and_nobody_are_the_same_404_and_bad_input_a_400(world):
    leader_b = client_for(world.b.leader)
    assert leader_b.post(URL, {"cpr": world.a.citizen.cpr}, format="json").status_code == 404
    assert leader_b.post(URL, {"cpr": "010101-0000"}, format="json").status_code == 404
    bad = leader_b.post(URL, {"cpr": "nonsense"}, format="json")
    assert bad.status_code == 400 and "cpr" in bad.json()
    assert leader_b.post(URL, {}, format="json").status_code == 400
