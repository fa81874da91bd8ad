"""Changing a citizen's CPR number (rectification): the citizen stays, the old number is kept
encrypted with who, when and why, and a look-up by it finds the citizen with a notice."""

import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from cases import services
from cases.errors import CitizenExists, CprNotRegistrable, CprUnchanged
from cases.models import AccessAction, Citizen, CitizenAccess, CprChange
from cases.selectors import citizen_lookup_by_cpr, cpr_former_change
from cases.tests.factories import CitizenFactory, synthetic_cpr
from staff.tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

NEW = "111282-1234"


@pytest.fixture
def admin():
    return AdminFactory(username="cpr_admin")


def _raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 (names are ours)
        return str(cursor.fetchone()[0])


def test_the_number_digest_and_birth_date_follow_and_the_old_number_is_kept(admin):
    citizen = CitizenFactory()
    old = citizen.cpr

    change = services.citizen_cpr_change(citizen=citizen, new_cpr="1112821234", reason="Identity misuse", by=admin)

    citizen.refresh_from_db()
    assert (citizen.cpr, citizen.birth_date.isoformat()) == (NEW, "1982-12-11")
    assert services.citizen_find_by_cpr(cpr=NEW) == citizen
    change.refresh_from_db()
    assert (change.citizen, change.old_cpr, change.reason, change.changed_by) == (
        citizen,
        old,
        "Identity misuse",
        admin,
    )
    assert change.changed_at is not None
    # encrypted at rest, like the current number
    assert old not in _raw_column("cases_cprchange", "old_cpr", change.pk)
    assert old.replace("-", "") not in _raw_column("cases_cprchange", "old_cpr", change.pk)


def test_the_old_number_no_longer_matches_as_the_current_one_but_finds_the_citizen_with_a_notice(admin):
    citizen = CitizenFactory()
    old = citizen.cpr
    services.citizen_cpr_change(citizen=citizen, new_cpr=NEW, reason="Change of legal gender", by=admin)

    assert services.citizen_find_by_cpr(cpr=old) is None
    found = citizen_lookup_by_cpr(cpr=old)
    assert found.citizen == citizen and found.changed_at is not None
    with translation.override("en"):
        assert "This CPR number was changed on" in found.notice
    with translation.override("da"):
        assert "Dette CPR-nummer blev ændret" in found.notice
    current = citizen_lookup_by_cpr(cpr=NEW)
    assert current.citizen == citizen and current.changed_at is None and current.notice == ""


def test_the_old_number_finds_nobody_outside_the_citizens_given(admin):
    citizen, other = CitizenFactory(), CitizenFactory()
    old = citizen.cpr
    services.citizen_cpr_change(citizen=citizen, new_cpr=NEW, reason="Identity misuse", by=admin)

    assert citizen_lookup_by_cpr(cpr=old, within=Citizen.objects.filter(pk=other.pk)) is None
    assert cpr_former_change(cpr=old, citizen_ids=[other.pk]) is None
    assert cpr_former_change(cpr=old, citizen_ids=[citizen.pk]).citizen_id == citizen.pk


def test_another_citizens_number_is_refused_clearly_and_nothing_changes(admin):
    citizen, other = CitizenFactory(), CitizenFactory()
    before = citizen.cpr

    with pytest.raises(CitizenExists) as raised:
        services.citizen_cpr_change(citizen=citizen, new_cpr=other.cpr, reason="Typo", by=admin)

    with translation.override("en"):
        assert f"citizen {other.pk}" in raised.value.text
    citizen.refresh_from_db()
    assert citizen.cpr == before
    assert not CprChange.objects.exists()
    assert not CitizenAccess.objects.filter(action=AccessAction.CPR_CHANGE).exists()


def test_another_citizens_former_number_is_refused_too(admin):
    first, second = CitizenFactory(), CitizenFactory()
    former = first.cpr
    services.citizen_cpr_change(citizen=first, new_cpr=NEW, reason="Identity misuse", by=admin)

    with pytest.raises(CitizenExists):
        services.citizen_cpr_change(citizen=second, new_cpr=former, reason="Typo", by=admin)
    with pytest.raises(CprNotRegistrable):
        services.citizen_create(cpr=former, name="Somebody", jobcenter=second.jobcenter, visible=Citizen.objects.none())


def test_a_citizen_may_get_their_own_former_number_back(admin):
    citizen = CitizenFactory()
    first = citizen.cpr
    services.citizen_cpr_change(citizen=citizen, new_cpr=NEW, reason="Mistake", by=admin)
    services.citizen_cpr_change(citizen=citizen, new_cpr=first, reason="Mistake corrected", by=admin)

    citizen.refresh_from_db()
    assert citizen.cpr == first
    assert citizen_lookup_by_cpr(cpr=first).changed_at is None
    assert citizen_lookup_by_cpr(cpr=NEW).changed_at is not None


def test_the_same_number_and_a_missing_reason_are_refused(admin):
    citizen = CitizenFactory()
    with pytest.raises(CprUnchanged):
        services.citizen_cpr_change(citizen=citizen, new_cpr=citizen.cpr, reason="Nothing", by=admin)
    with pytest.raises(ValidationError) as raised:
        services.citizen_cpr_change(citizen=citizen, new_cpr=NEW, reason=" \n ", by=admin)
    assert "reason" in raised.value.message_dict
    with pytest.raises(ValidationError):
        services.citizen_cpr_change(citizen=citizen, new_cpr="311399-1234", reason="Bad date", by=admin)
    assert not CprChange.objects.exists()


def test_a_cpr_number_in_the_reason_is_kept_masked(admin):
    citizen = CitizenFactory()
    old = citizen.cpr
    change = services.citizen_cpr_change(citizen=citizen, new_cpr=NEW, reason=f"Misuse of {old}", by=admin)
    assert old not in change.reason and change.reason.endswith("-XXXX")


def test_the_change_is_in_the_access_log(admin):
    citizen = CitizenFactory()
    services.citizen_cpr_change(citizen=citizen, new_cpr=NEW, reason="Identity misuse", by=admin, route="/x/")
    row = CitizenAccess.objects.get(citizen=citizen, action=AccessAction.CPR_CHANGE)
    assert (row.user, row.route, row.purpose) == (admin, "/x/", "Identity misuse")


def test_no_cpr_number_is_logged(admin, caplog):
    citizen = CitizenFactory()
    old = citizen.cpr
    with caplog.at_level(logging.DEBUG):
        services.citizen_cpr_change(citizen=citizen, new_cpr=NEW, reason="Identity misuse", by=admin)
        citizen_lookup_by_cpr(cpr=old)
    for number in (old, NEW, synthetic_cpr()):
        digits = number.replace("-", "")
        assert number not in caplog.text and digits not in caplog.text
