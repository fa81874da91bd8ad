"""The application error family and the recognition of broken constraints by name."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from allocation.errors import CapacityExceeded, DuplicateOpenCase
from cases.errors import CitizenExists
from cases.models import Case, CaseStatus, Citizen
from cases.tests.factories import CitizenFactory
from core.db import violated_constraint
from core.errors import ApplicationError
from staff.errors import NotEditable


def test_an_error_fills_its_message_from_its_data():
    error = CapacityExceeded(name="Anna", open_cases=45, cap=45, caseworker=7)
    assert (error.code, error.data["caseworker"]) == ("at_cap", 7)
    with translation.override("en"):
        assert error.text == str(error) == "Anna is at their cap (45 of 45)."


def test_an_error_speaks_the_users_language():
    with translation.override("da"):
        danish = DuplicateOpenCase().text
    with translation.override("en"):
        english = DuplicateOpenCase().text
    assert english == "This citizen already has a case that is not closed."
    assert danish != english


def test_a_message_whose_placeholders_the_data_lacks_is_shown_as_it_is():
    message = "%(missing)s went wrong"  # a variable, so that the catalogue does not collect it
    assert ApplicationError(_(message), other=1).text == message


def test_every_domain_error_is_an_application_error_with_a_code():
    for error in (CapacityExceeded(name="A", open_cases=1, cap=1), CitizenExists(), NotEditable(fields="x")):
        assert isinstance(error, ApplicationError) and error.code != ApplicationError.code
    assert CitizenExists().field == "cpr" and CapacityExceeded().field is None


@pytest.mark.django_db(transaction=True)
def test_a_second_unclosed_case_is_recognised_by_its_constraint_name():
    citizen = CitizenFactory()
    fields = {"citizen": citizen, "jobcenter": citizen.jobcenter, "programme": "standard"}
    Case.objects.create(status=CaseStatus.QUEUED, queued_at=timezone.now(), opened_at=timezone.now(), **fields)

    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Case.objects.create(status=CaseStatus.QUEUED, queued_at=timezone.now(), opened_at=timezone.now(), **fields)

    assert violated_constraint(raised.value) == "case_one_unclosed_per_citizen"


@pytest.mark.django_db(transaction=True)
def test_a_unique_field_is_recognised_as_table_and_column():
    citizen = CitizenFactory()

    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Citizen.objects.create(
            jobcenter=citizen.jobcenter,
            name="Copy",
            cpr="0101901234",
            cpr_digest=citizen.cpr_digest,
            birth_date=citizen.birth_date,
        )

    assert violated_constraint(raised.value) == "cases_citizen.cpr_digest"


@pytest.mark.django_db(transaction=True)
def test_another_constraint_is_not_mistaken_for_a_known_one():
    citizen = CitizenFactory()
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        # An open case without a caseworker breaks the status consistency check.
        Case.objects.create(
            citizen=citizen,
            jobcenter=citizen.jobcenter,
            programme="standard",
            status=CaseStatus.OPEN,
            opened_at=timezone.now(),
        )
    assert violated_constraint(raised.value) not in ("case_one_unclosed_per_citizen", "cases_citizen.cpr_digest")
