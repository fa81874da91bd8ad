"""Working days of a Danish jobcentre: Monday to Friday, except the public holidays and the
days a jobcentre is generally closed.

The public holidays (helligdage) that can fall on a weekday: New Year's Day, Maundy
Thursday, Good Friday, Easter Monday, Ascension Day, Whit Monday, Christmas Day and Boxing
Day, the movable ones fixed by the date of Easter; and Great Prayer Day (store bededag, the
fourth Friday after Easter) up to 2023: the Folketing abolished it as a holiday from 2024.
Besides those, Constitution Day (grundlovsdag, 5 June), Christmas Eve and New Year's Eve,
which the public sector's agreements give off (wholly or from noon). Counting such a day as
off moves a reminder earlier, never later, which is the safe side.

Pure Python, no clock: the day is always given.
"""

from __future__ import annotations

import datetime
from functools import cache

from dateutil.easter import easter

GREAT_PRAYER_DAY_LAST_YEAR = 2023

# Days after Easter Sunday.
_EASTER_OFFSETS = {
    "maundy_thursday": -3,
    "good_friday": -2,
    "easter_monday": 1,
    "ascension_day": 39,
    "whit_monday": 50,
}
_GREAT_PRAYER_DAY = 26
# (month, day)
_FIXED = {
    "new_years_day": (1, 1),
    "constitution_day": (6, 5),
    "christmas_eve": (12, 24),
    "christmas_day": (12, 25),
    "boxing_day": (12, 26),
    "new_years_eve": (12, 31),
}


@cache
def days_off(year: int) -> frozenset[datetime.date]:
    """The holidays and agreed days off of `year` (some fall on weekends; that is harmless)."""
    sunday = easter(year)
    days = {sunday + datetime.timedelta(days=offset) for offset in _EASTER_OFFSETS.values()}
    if year <= GREAT_PRAYER_DAY_LAST_YEAR:
        days.add(sunday + datetime.timedelta(days=_GREAT_PRAYER_DAY))
    days |= {datetime.date(year, month, day) for month, day in _FIXED.values()}
    return frozenset(days)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in days_off(day.year)


def next_working_day(day: datetime.date) -> datetime.date:
    """The first working day after `day`."""
    following = day + datetime.timedelta(days=1)
    while not is_working_day(following):
        following += datetime.timedelta(days=1)
    return following
