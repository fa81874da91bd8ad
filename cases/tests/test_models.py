"""The citizen table holds no plaintext CPR; the invariants live in the database."""

import hashlib
import logging
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from cases import cpr
from cases.models import Case, CaseStatus, Citizen
from cases.services import CitizenExists, citizen_create, citizen_find_by_cpr
from staff.models import CaseloadPolicy, Caseworker
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory

pytestmark = pytest.mark.django_db

NUMBER = "010170-1234"


def _all_text_in_the_database() -> list[str]:
    texts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            texts += [str(value) for row in cursor.fetchall() for value in row if value is not None]
    return texts


def test_no_plaintext_cpr_is_stored_in_the_citizen_row_or_anywhere():
    # given a citizen registered with the undashed form
    citizen = citizen_create(cpr="0101701234", name="Anne Hansen", jobcenter=JobcenterFactory())
    # when the row is read with raw SQL, past the field's decryption
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_citizen WHERE id = %s", [citizen.pk])
        columns = [c[0] for c in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))
    # then neither form of the number is there, and the stored value is ciphertext
    for value in row.values():
        assert "010170-1234" not in str(value) and "0101701234" not in str(value)
    assert row["cpr"] and row["cpr"].startswith("gAAAAA")  # a Fernet token
    assert row["birth_date"] is not None
    # nor in any other table (the access log, assignments, ...)
    assert not [t for t in _all_text_in_the_database() if "010170-1234" in t or "0101701234" in t]
    # and the ORM gives the number back
    assert Citizen.objects.get(pk=citizen.pk).cpr == NUMBER


def test_the_digest_is_keyed_not_a_plain_hash():
    with override_settings(CPR_ENCRYPTION_KEY="one-key-for-cpr-numbers-000000000"):
        first = cpr.digest(NUMBER)
        again = cpr.digest("0101701234")
    with override_settings(CPR_ENCRYPTION_KEY="another-key-for-cpr-numbers-11111"):
        other = cpr.digest(NUMBER)
    assert first == again
    assert first != other
    assert first not in {hashlib.sha256(n.encode()).hexdigest() for n in (NUMBER, "0101701234")}


def test_the_digest_column_holds_the_keyed_digest_and_finds_the_citizen():
    citizen = citizen_create(cpr=NUMBER, name="Anne Hansen", jobcenter=JobcenterFactory())
    with connection.cursor() as cursor:
        cursor.execute("SELECT cpr_digest FROM cases_citizen WHERE id = %s", [citizen.pk])
        (stored,) = cursor.fetchone()
    assert stored == cpr.digest(NUMBER)
    assert citizen_find_by_cpr(cpr="0101701234") == citizen
    assert citizen_find_by_cpr(cpr="010170-1235") is None
    assert citizen_find_by_cpr(cpr="not a number") is None


def test_a_cpr_number_is_unique_by_its_digest_whatever_the_format():
    jobcenter = JobcenterFactory()
    citizen_create(cpr=NUMBER, name="Anne Hansen", jobcenter=jobcenter)
    with pytest.raises(CitizenExists):
        citizen_create(cpr="0101701234", name="Someone Else", jobcenter=JobcenterFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Citizen.objects.create(
            jobcenter=jobcenter, name="Raw", cpr=NUMBER, cpr_digest=cpr.digest(NUMBER), birth_date="1970-01-01"
        )
    assert Citizen.objects.count() == 1


def test_default_representations_are_masked():
    citizen = citizen_create(cpr=NUMBER, name="Anne Hansen", jobcenter=JobcenterFactory())
    assert str(citizen) == "Anne Hansen (010170-XXXX)"
    assert "1234" not in repr(citizen)
    assert citizen.cpr_masked == "010170-XXXX"


def _case(citizen, **fields) -> Case:
    values = {
        "citizen": citizen,
        "jobcenter_id": citizen.jobcenter_id,
        "programme": "flere_skal_med",
        "status": CaseStatus.QUEUED,
        "opened_at": timezone.now(),
        "queued_at": timezone.now(),
    }
    values.update(fields)
    return Case.objects.create(**values)


def test_one_unclosed_case_per_citizen_is_a_database_rule():
    citizen = citizen_create(cpr=NUMBER, name="Anne Hansen", jobcenter=JobcenterFactory())
    _case(citizen)
    with pytest.raises(IntegrityError), transaction.atomic():
        _case(citizen)
    # closed cases do not count
    _case(citizen, status=CaseStatus.CLOSED, queued_at=None, closed_at=timezone.now(), outcome="job")
    _case(citizen, status=CaseStatus.CLOSED, queued_at=None, closed_at=timezone.now(), outcome="moved")
    assert citizen.cases.count() == 3


@pytest.mark.parametrize(
    "fields",
    [
        {"status": CaseStatus.OPEN},  # open without a caseworker
        {"status": CaseStatus.QUEUED, "with_caseworker": True},  # queued with one
        {"status": CaseStatus.CLOSED, "closed_at": "now"},  # closed without an outcome
        {"status": CaseStatus.CLOSED, "outcome": "job"},  # closed without a date
        {"status": CaseStatus.OPEN, "with_caseworker": True, "outcome": "job"},  # open with an outcome
        {"status": CaseStatus.QUEUED, "closed_at": "now"},  # queued and closed
    ],
)
def test_case_status_consistency_is_a_database_rule(fields):
    citizen = citizen_create(cpr=NUMBER, name="Anne Hansen", jobcenter=JobcenterFactory())
    fields = dict(fields)
    if fields.pop("with_caseworker", False):
        fields["caseworker"] = CaseworkerFactory(team=TeamFactory(jobcenter=citizen.jobcenter))
    if fields.get("closed_at") == "now":
        fields["closed_at"] = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        _case(citizen, **fields)


def test_consistent_cases_are_accepted():
    citizen = citizen_create(cpr=NUMBER, name="Anne Hansen", jobcenter=JobcenterFactory())
    caseworker = CaseworkerFactory(team=TeamFactory(jobcenter=citizen.jobcenter))
    _case(citizen, status=CaseStatus.OPEN, caseworker=caseworker, queued_at=None)
    assert Case.objects.count() == 1


@pytest.mark.parametrize("fte", [Decimal("0"), Decimal("-0.50"), Decimal("1.01"), Decimal("2.00")])
def test_fte_outside_zero_to_one_is_refused_by_the_database(fte):
    caseworker = CaseworkerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Caseworker.objects.filter(pk=caseworker.pk).update(fte=fte)


@pytest.mark.parametrize("fte", [Decimal("0.01"), Decimal("0.29"), Decimal("1.00")])
def test_fte_inside_the_range_is_accepted(fte):
    caseworker = CaseworkerFactory()
    Caseworker.objects.filter(pk=caseworker.pk).update(fte=fte)
    caseworker.refresh_from_db()
    assert caseworker.fte == fte


@pytest.mark.parametrize("field", ["cap", "cap_override", "open_cases"])
def test_negative_caseworker_caps_and_counters_are_refused(field):
    caseworker = CaseworkerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Caseworker.objects.filter(pk=caseworker.pk).update(**{field: -1})


def test_a_negative_policy_cap_is_refused():
    policy = CaseloadPolicy.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseloadPolicy.objects.filter(pk=policy.pk).update(cap=-1)
    CaseloadPolicy.objects.filter(pk=policy.pk).update(cap=0)  # zero is a cap too


def test_logging_filter_masks_cpr_numbers_in_messages_args_and_tracebacks(caplog):
    logger = logging.getLogger("test.cpr")
    masking = cpr.CprMaskingFilter()
    caplog.handler.addFilter(masking)
    try:
        with caplog.at_level(logging.INFO, logger="test.cpr"):
            logger.info("looked up %s", "010170-1234")
            logger.info("direct 0202801235 in the message")
            logger.info("mapping %(cpr)s", {"cpr": "030390-4321"})
            try:
                raise ValueError("bad number 040490-1111")
            except ValueError:
                logger.exception("failed for %s", "050550-2222")
    finally:
        caplog.handler.removeFilter(masking)
    for plain in ("010170-1234", "0202801235", "030390-4321", "040490-1111", "050550-2222"):
        assert plain not in caplog.text
    for masked in ("010170-XXXX", "020280-XXXX", "030390-XXXX", "040490-XXXX", "050550-XXXX"):
        assert masked in caplog.text
    assert all(record.args is None for record in caplog.records)


def test_a_broken_format_string_still_logs_and_leaks_nothing():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "cpr %s %s", ("010170-1234",), None)
    assert cpr.CprMaskingFilter().filter(record) is True
    assert "1234" not in record.getMessage()
    assert record.getMessage().startswith("cpr %s %s") and "010170-XXXX" in record.getMessage()


def test_the_configured_console_handler_masks_cpr_numbers():
    handlers = [h for h in logging.getLogger().handlers if any(isinstance(f, cpr.CprMaskingFilter) for f in h.filters)]
    assert handlers, "settings.LOGGING must put CprMaskingFilter on the console handler"
