"""CPR rules (docs/domain.md): real dates under the century rule, no modulus 11, masking."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from cases import cpr

FAR_FUTURE = datetime.date(2100, 1, 1)  # so that every year the rule can produce is "past"

serials = st.integers(min_value=0, max_value=9999).map(lambda n: f"{n:04d}")


def expected_year(yy: int, seventh: int) -> int:
    """The century table of docs/domain.md, written out independently of the code under test."""
    if seventh in (0, 1, 2, 3):
        return 1900 + yy
    if seventh in (4, 9):
        return 2000 + yy if yy <= 36 else 1900 + yy
    return 2000 + yy if yy <= 57 else 1800 + yy


@given(day=st.dates(min_value=datetime.date(1858, 1, 1), max_value=datetime.date(2057, 12, 31)), serial=serials)
@example(day=datetime.date(2000, 2, 29), serial="4000")
@example(day=datetime.date(1900, 2, 28), serial="0000")
def test_every_real_date_with_every_serial_the_century_allows_is_accepted(day, serial):
    yy = day.year % 100
    if expected_year(yy, int(serial[0])) != day.year:
        # this serial's 7th digit puts DDMMYY in another century; it is checked there
        return
    for raw in (f"{day:%d%m%y}-{serial}", f"{day:%d%m%y}{serial}", f"  {day:%d%m%y}{serial} "):
        parsed = cpr.parse(raw, today=FAR_FUTURE)
        assert parsed.number == f"{day:%d%m%y}-{serial}"
        assert parsed.birth_date == day


@given(day=st.dates(min_value=datetime.date(1858, 1, 1), max_value=datetime.date(2057, 12, 31)), serial=serials)
def test_the_birth_date_round_trips_through_the_century_rule(day, serial):
    number = f"{day:%d%m%y}-{serial}"
    try:
        parsed = cpr.parse(number, today=FAR_FUTURE)
    except ValidationError:
        pytest.fail(f"{number} has a real date and must be accepted")
    assert parsed.birth_date.strftime("%d%m%y") == number[:6]
    assert parsed.birth_date.year == expected_year(day.year % 100, int(serial[0]))


@given(dd=st.integers(0, 99), mm=st.integers(0, 99), yy=st.integers(0, 99), serial=serials)
def test_impossible_dates_are_rejected(dd, mm, yy, serial):
    year = expected_year(yy, int(serial[0]))
    try:
        datetime.date(year, mm, dd)
    except ValueError:
        with pytest.raises(ValidationError) as error:
            cpr.parse(f"{dd:02d}{mm:02d}{yy:02d}-{serial}", today=FAR_FUTURE)
        assert error.value.code == "date"
    else:
        assert cpr.parse(f"{dd:02d}{mm:02d}{yy:02d}-{serial}", today=FAR_FUTURE).birth_date == datetime.date(
            year, mm, dd
        )


@pytest.mark.parametrize(
    "number",
    [
        "290201-1234",
        "290200-0000",
        "290200-3000",
        "310400-1234",
        "000190-1234",
        "320190-1234",
        "011390-1234",
        "150000-1234",
    ],
)
def test_known_impossible_dates(number):
    # 1901 and 1900 are not leap years (7th digit 0–3 → 1900s); April has 30 days
    with pytest.raises(ValidationError):
        cpr.parse(number, today=FAR_FUTURE)


def test_29_february_2000_exists_with_a_2000s_digit():
    assert cpr.parse("290200-4000", today=FAR_FUTURE).birth_date == datetime.date(2000, 2, 29)


@pytest.mark.parametrize(
    ("yy", "seventh", "year"),
    [
        # 0–3: always the 1900s
        *[(yy, d, 1900 + yy) for d in (0, 1, 2, 3) for yy in (0, 36, 37, 57, 58, 99)],
        # 4 and 9: 2000–2036 for YY 00–36, else 1937–1999 (boundary 36/37)
        *[(yy, d, 2000 + yy) for d in (4, 9) for yy in (0, 1, 35, 36)],
        *[(yy, d, 1900 + yy) for d in (4, 9) for yy in (37, 38, 57, 58, 99)],
        # 5–8: 2000–2057 for YY 00–57, else 1858–1899 (boundary 57/58)
        *[(yy, d, 2000 + yy) for d in (5, 6, 7, 8) for yy in (0, 36, 37, 56, 57)],
        *[(yy, d, 1800 + yy) for d in (5, 6, 7, 8) for yy in (58, 59, 98, 99)],
    ],
)
def test_century_table(yy, seventh, year):
    assert cpr.century_year(yy, seventh) == year
    parsed = cpr.parse(f"0101{yy:02d}-{seventh}123", today=FAR_FUTURE)
    assert parsed.birth_date == datetime.date(year, 1, 1)


@given(yy=st.integers(0, 99), seventh=st.integers(0, 9))
def test_century_rule_matches_the_table_everywhere(yy, seventh):
    assert cpr.century_year(yy, seventh) == expected_year(yy, seventh)


def _modulus_11_ok(digits: str) -> bool:
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 == 0


@given(serial=serials)
def test_modulus_11_failures_are_accepted(serial):
    number = f"010190{serial}"
    parsed = cpr.parse(number, today=FAR_FUTURE)
    assert parsed.number == f"010190-{serial}"


def test_a_known_modulus_11_failure_is_valid():
    # numbers without the check have been issued since 2007
    assert not _modulus_11_ok("0101701235")
    assert cpr.parse("010170-1235").birth_date == datetime.date(1970, 1, 1)


@pytest.mark.parametrize(
    "raw", ["", "   ", "0101701234x", "010170-123", "01017012345", "01-01-70-1234", "0101701-234", "abcdefghij", None]
)
def test_wrong_shapes_are_rejected_with_the_format_code(raw):
    with pytest.raises(ValidationError) as error:
        cpr.parse(raw)
    assert error.value.code == "format"


def test_both_input_formats_normalise_to_the_dashed_form():
    assert cpr.parse("0101701234").number == "010170-1234"
    assert cpr.parse("010170-1234").number == "010170-1234"
    assert cpr.digest("0101701234") == cpr.digest("010170-1234")


def test_a_birth_date_in_the_future_is_rejected():
    today = datetime.date(2026, 6, 15)
    with pytest.raises(ValidationError) as error:
        cpr.parse("160626-4000", today=today)  # 16 June 2026, tomorrow
    assert error.value.code == "future"
    assert cpr.parse("150626-4000", today=today).birth_date == today
    with pytest.raises(ValidationError):
        cpr.parse("010150-5000", today=today)  # 2050 under the 5–8 rule


@given(day=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(1999, 12, 31)), serial=serials)
def test_masking_keeps_the_date_and_hides_the_serial(day, serial):
    number = f"{day:%d%m%y}-{serial}"
    assert cpr.mask(number) == f"{day:%d%m%y}-XXXX"
    assert cpr.mask(number.replace("-", "")) == f"{day:%d%m%y}-XXXX"
    assert cpr.parse(number, today=FAR_FUTURE).masked == f"{day:%d%m%y}-XXXX"


@pytest.mark.parametrize("value", ["", None, "12345", "abc"])
def test_masking_something_that_is_not_a_cpr_number_shows_nothing(value):
    assert cpr.mask(value) == "XXXXXX-XXXX"


def test_mask_text_masks_numbers_in_free_text_only():
    text = "Borger 010170-1234 og 0202801235 ringede; sag 12345 og tlf. 12345678"
    assert cpr.mask_text(text) == "Borger 010170-XXXX og 020280-XXXX ringede; sag 12345 og tlf. 12345678"


@pytest.mark.parametrize(
    "line",
    [
        "GET /?q=061085%2D3512 HTTP/1.1",
        "GET /?q=061085%2d3512 HTTP/1.1",
        "GET /?q=061085+3512 HTTP/1.1",
        "GET /?q=061085%203512 HTTP/1.1",
        "GET /?q=061085%2B3512 HTTP/1.1",
        "GET /?q=%30%36%31%30%38%35-%33%35%31%32 HTTP/1.1",  # every digit percent-encoded
        "GET /?q=061085%E2%80%933512 HTTP/1.1",  # an en dash
        "GET /?q=%EF%BC%90%EF%BC%96%EF%BC%91%EF%BC%90%EF%BC%98%EF%BC%95-%EF%BC%93%EF%BC%95%EF%BC%91%EF%BC%92 HTTP/1.1",
        "søgning efter ０６１０８５-３５１２ i admin",  # full-width digits, as typed
        "061085–3512",
    ],
)
def test_mask_text_masks_every_form_a_cpr_number_takes_in_a_request_line(line):
    masked = cpr.mask_text(line)
    assert "3512" not in masked and "%33%35%31%32" not in masked and "３５１２" not in masked
    assert "XXXX" in masked


@pytest.mark.parametrize("value", ["０６１０８５-３５１２", "٠٦١٠٨٥-٣٥١٢", "۰۶۱۰۸۵-۳۵۱۲", "06１085-3512"])
def test_only_ascii_digits_make_a_cpr_number(value):
    # \d would take these, and one person could be registered once per script
    with pytest.raises(ValidationError) as error:
        cpr.parse(value)
    assert error.value.code == "format"
