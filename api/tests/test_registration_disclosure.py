"""Finding 6 of the security review: registering a citizen tells a leader that the number is
taken, and by whom, only for a citizen they may see; for anybody else one neutral answer that
says neither whether nor where the person is registered (ASVS V4.2.1, V8.3; docs/domain.md)."""

import pytest

from cases.models import Citizen

from .test_related_ids import _closed_elsewhere

pytestmark = pytest.mark.django_db

NEUTRAL = "This CPR number cannot be registered here. An administrator can help."


def _register(client, world, cpr: str):
    body = {"cpr": cpr, "name": "Ny Borger", "jobcenter": world.a.jobcenter.pk}
    return client.post("/api/v1/citizens/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")


def test_a_citizen_the_leader_may_see_is_named(world, as_leader_a):
    response = _register(as_leader_a, world, world.a.citizen.cpr)
    assert response.status_code == 400
    (message,) = response.json()["cpr"]
    assert "already registered" in message and f"citizen {world.a.citizen.pk}" in message


def test_anybody_else_gets_one_neutral_answer(world, as_leader_a):
    invisible_here = _closed_elsewhere(world)  # this jobcenter, out of the leader's sight
    answers = {
        "another jobcenter": _register(as_leader_a, world, world.b.citizen.cpr),
        "this jobcenter, invisible": _register(as_leader_a, world, invisible_here.cpr),
    }
    for response in answers.values():
        assert (response.status_code, response.json()) == (400, {"cpr": [NEUTRAL]})
        text = response.content.decode()
        for secret in (str(world.b.citizen.pk), str(invisible_here.pk), world.b.jobcenter.name, "already"):
            assert secret not in text
    assert Citizen.objects.filter(name="Ny Borger").count() == 0


def test_an_administrator_is_told_who_holds_the_number(world, as_admin):
    response = _register(as_admin, world, world.b.citizen.cpr)
    assert response.status_code == 400
    assert f"citizen {world.b.citizen.pk}" in response.json()["cpr"][0]


def test_a_new_number_is_still_registered(world, as_leader_a):
    assert _register(as_leader_a, world, "010190-1235").status_code == 201
