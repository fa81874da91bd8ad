"""Working days: weekends, the Danish public holidays (Easter's from the date of Easter),
Great Prayer Day until 2023, and the days jobcentres close."""

import datetime

import pytest

from casework.working_days import days_off, is_working_day, next_working_day

D = datetime.date.fromisoformat


@pytest.mark.parametrize(
    "day",
    [
        "2025-01-01",  # New Year's Day
        "2025-04-17",  # Maundy Thursday (Easter Sunday 20 April)
        "2025-04-18",  # Good Friday
        "2025-04-21",  # Easter Monday
        "2025-05-29",  # Ascension Day
        "2025-06-05",  # Constitution Day
        "2025-06-09",  # Whit Monday
        "2025-12-24",  # Christmas Eve
        "2025-12-25",
        "2025-12-26",
        "2025-12-31",  # New Year's Eve
        "2023-05-05",  # Great Prayer Day, the last one
        "2027-03-25",  # Maundy Thursday (Easter Sunday 28 March)
    ],
)
def test_holidays_are_not_working_days(day):
    assert D(day).weekday() < 5
    assert not is_working_day(D(day))


@pytest.mark.parametrize("day", ["2024-04-26", "2025-05-16", "2025-05-01", "2025-04-16", "2025-06-04"])
def test_ordinary_weekdays_are_working_days(day):
    # Great Prayer Day is abolished from 2024 (26 April 2024, 16 May 2025); 1 May is no holiday
    assert is_working_day(D(day))


def test_weekends_are_not_working_days():
    assert not is_working_day(D("2027-01-09")) and not is_working_day(D("2027-01-10"))


@pytest.mark.parametrize(
    ("day", "following"),
    [
        ("2027-01-07", "2027-01-08"),  # Thursday → Friday
        ("2027-01-08", "2027-01-11"),  # Friday → Monday
        ("2027-01-09", "2027-01-11"),  # Saturday → Monday
        ("2027-03-24", "2027-03-30"),  # the Wednesday before Easter → the Tuesday after
        ("2025-12-23", "2025-12-29"),  # before Christmas → the Monday after
        ("2025-12-30", "2026-01-02"),  # before New Year → the Friday after
        ("2025-06-04", "2025-06-06"),  # before Constitution Day
    ],
)
def test_next_working_day(day, following):
    assert next_working_day(D(day)) == D(following)


def test_every_year_has_its_fixed_days_off():
    for year in range(2020, 2040):
        assert {D(f"{year}-{day}") for day in ("01-01", "06-05", "12-24", "12-25", "12-26", "12-31")} <= days_off(year)
