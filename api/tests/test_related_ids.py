"""Ids in a request body resolve through what the user may see: an id they may not see gets
exactly the answer of one that does not exist (400, the same message), and reaches nothing.
Security review, finding 1 (ASVS V4.2.1, V4.2.2: no insecure direct object reference)."""

import pytest
from rest_framework import serializers

from access.scopes import citizens_visible_to
from allocation import services
from allocation.tests.factories import open_case
from api.serializers.visible import VisibleRelatedField
from cases.models import AccessAction, Case, CitizenAccess
from cases.tests.factories import CitizenFactory
from staff.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

MISSING = 987654321


def _answer(response, pk) -> tuple[int, dict]:
    """Status and body, the id written as MISSING: what tells two ids apart, if anything."""
    return response.status_code, {k: [m.replace(str(pk), str(MISSING)) for m in v] for k, v in response.json().items()}


def _refused_like_a_missing_id(client, url: str, body: dict, field: str, pk: int) -> None:
    missing = client.post(url, {**body, field: MISSING}, format="json")
    invisible = client.post(url, {**body, field: pk}, format="json")
    assert _answer(invisible, pk) == _answer(missing, MISSING)
    assert invisible.status_code == 400 and list(invisible.json()) == [field]


def _closed_elsewhere(world):
    """A citizen of leader A's jobcenter whose only case was closed in another unit there."""
    unit = TeamFactory(jobcenter=world.a.jobcenter, unit_type="psychiatric")
    services.caseworker_create(username="psy", full_name="Psy", team=unit, cap_override=5)
    case = open_case(team=unit)
    services.case_close(case=case, outcome="moved", by=None)
    return case.citizen


def test_a_leader_cannot_open_a_case_for_a_citizen_they_cannot_see(world, as_leader_a):
    citizen = _closed_elsewhere(world)
    assert as_leader_a.get(f"/api/v1/citizens/{citizen.pk}/").status_code == 404
    body = {"programme": "flere_skal_med"}  # a programme the leader leads, in the citizen's jobcenter
    _refused_like_a_missing_id(as_leader_a, "/api/v1/cases/", body, "citizen", citizen.pk)
    assert Case.objects.filter(citizen=citizen).count() == 1
    assert as_leader_a.get(f"/api/v1/citizens/{citizen.pk}/").status_code == 404
    # and so the full number stays out of reach (security review, finding 1: once a 201, then the CPR)
    reveal = as_leader_a.post(f"/api/v1/citizens/{citizen.pk}/reveal-cpr/", {"purpose": "Intake"}, format="json")
    assert reveal.status_code == 404 and citizen.cpr not in reveal.content.decode()
    assert not CitizenAccess.objects.filter(citizen=citizen, action=AccessAction.REVEAL).exists()


def test_every_invisible_or_missing_citizen_gets_one_and_the_same_answer(world, as_leader_a):
    # security review, finding 1: once 409 (open case elsewhere), 403 (another jobcenter), 400 (missing)
    unit = TeamFactory(jobcenter=world.a.jobcenter, unit_type="psychiatric")
    services.caseworker_create(username="psy", full_name="Psy", team=unit, cap_override=5)
    ids = {
        "open case in another unit": open_case(team=unit).citizen.pk,
        "another jobcenter": world.b.citizen.pk,
        "missing": MISSING,
    }
    body = {"programme": "flere_skal_med"}
    answers = {
        why: _answer(as_leader_a.post("/api/v1/cases/", {**body, "citizen": pk}, format="json"), pk)
        for why, pk in ids.items()
    }
    assert len(set(map(repr, answers.values()))) == 1, answers
    assert answers["missing"][0] == 400


def test_nor_tell_where_an_invisible_citizen_is(world, as_leader_a):
    # an open case in another unit (once a 409) and another jobcenter's citizen (once a 403)
    unit = TeamFactory(jobcenter=world.a.jobcenter, unit_type="psychiatric")
    services.caseworker_create(username="psy", full_name="Psy", team=unit, cap_override=5)
    busy = open_case(team=unit).citizen
    abroad = CitizenFactory(jobcenter=world.b.jobcenter)
    for citizen in (busy, abroad, world.b.citizen):
        _refused_like_a_missing_id(
            as_leader_a, "/api/v1/cases/", {"programme": "flere_skal_med"}, "citizen", citizen.pk
        )


def test_reassigning_to_a_caseworker_one_cannot_see_is_like_a_missing_id(world, as_leader_a):
    url = f"/api/v1/cases/{world.a.case.pk}/reassign/"
    _refused_like_a_missing_id(as_leader_a, url, {}, "caseworker", world.b.other_caseworker.pk)
    assert Case.objects.get(pk=world.a.case.pk).caseworker_id == world.a.caseworker.pk


def test_registering_in_a_jobcenter_one_cannot_see_is_like_a_missing_id(world, as_leader_a):
    body = {"cpr": "010190-1235", "name": "Ny"}
    _refused_like_a_missing_id(as_leader_a, "/api/v1/citizens/", body, "jobcenter", world.b.jobcenter.pk)


def test_what_the_leader_may_see_but_not_do_is_a_403(world, as_leader_a):
    # visible (a citizen of the leader's jobcenter without a case), but not a programme they lead
    citizen = CitizenFactory(jobcenter=world.a.jobcenter)
    response = as_leader_a.post("/api/v1/cases/", {"citizen": citizen.pk, "programme": "psychiatric"}, format="json")
    assert response.status_code == 403


def test_without_a_request_nothing_is_visible(world):
    class Body(serializers.Serializer):
        citizen = VisibleRelatedField(scope=citizens_visible_to)

    body = Body(data={"citizen": world.a.citizen.pk})
    assert not body.is_valid()
    assert list(body.errors) == ["citizen"]
