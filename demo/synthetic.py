"""Synthetic people for the demo: Danish names and valid CPR numbers, reproducible from a seed.

Nothing here touches the database; the builders ask for names and numbers and decide
where they go.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from cases import cpr as cpr_rules
from cases.models import Outcome
from staff.models import UnitType

FIRST_NAMES_F = [
    "Anne", "Kirsten", "Mette", "Hanne", "Helle", "Susanne", "Lene", "Maria", "Camilla", "Louise",
    "Sofie", "Ida", "Emma", "Julie", "Signe", "Fatima", "Amina", "Sara", "Laura", "Nanna",
]  # fmt: skip
FIRST_NAMES_M = [
    "Peter", "Jens", "Lars", "Michael", "Henrik", "Søren", "Thomas", "Jan", "Niels", "Rasmus",
    "Mads", "Frederik", "Mikkel", "Jonas", "Ali", "Mohammed", "Emil", "Kasper", "Anders", "Bo",
]  # fmt: skip
LAST_NAMES = [
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
    "Poulsen", "Johansen", "Møller", "Mortensen", "Yilmaz", "Hussein", "Holm", "Dam", "Lund",
]  # fmt: skip

# How citizens of each programme leave the jobcenter. The low-caseload trial measured
# a better exit pattern; the demo's figures lean the same way so that the statistics
# pages have a difference to show.
OUTCOME_WEIGHTS: dict[str, dict[str, int]] = {
    UnitType.STANDARD: {
        Outcome.JOB: 25, Outcome.EDUCATION: 15, Outcome.EARLY_RETIREMENT: 8, Outcome.RESOURCE_COURSE: 15,
        Outcome.FLEX_JOB: 10, Outcome.MOVED: 12, Outcome.OTHER: 15,
    },
    UnitType.FLERE_SKAL_MED: {
        Outcome.JOB: 15, Outcome.EDUCATION: 5, Outcome.EARLY_RETIREMENT: 20, Outcome.RESOURCE_COURSE: 30,
        Outcome.FLEX_JOB: 15, Outcome.MOVED: 5, Outcome.OTHER: 10,
    },
    UnitType.PSYCHIATRIC: {
        Outcome.JOB: 5, Outcome.EDUCATION: 5, Outcome.EARLY_RETIREMENT: 40, Outcome.RESOURCE_COURSE: 30,
        Outcome.FLEX_JOB: 10, Outcome.MOVED: 5, Outcome.OTHER: 5,
    },
    UnitType.TRIAL: {
        Outcome.JOB: 35, Outcome.EDUCATION: 10, Outcome.EARLY_RETIREMENT: 10, Outcome.RESOURCE_COURSE: 20,
        Outcome.FLEX_JOB: 10, Outcome.MOVED: 5, Outcome.OTHER: 10,
    },
}  # fmt: skip

_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def ascii_slug(text: str) -> str:
    return text.lower().translate(_ASCII).replace(" ", "-")


def username_for(full_name: str, n: int) -> str:
    first, _, last = full_name.partition(" ")
    return ascii_slug(f"{first}.{last}.{n}")


def person_name(rng: random.Random, *, female: bool | None = None) -> str:
    if female is None:
        female = rng.random() < 0.5
    first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
    return f"{first} {rng.choice(LAST_NAMES)}"


def seventh_digits_for(year: int) -> list[int]:
    """Every 7th digit that, with the year's last two digits, gives back this year (docs/domain.md)."""
    yy = year % 100
    return [d for d in range(10) if cpr_rules.century_year(yy, d) == year]


class CprSource:
    """Unique, valid synthetic CPR numbers for citizens aged `min_age`–`max_age`.

    The seventh digit varies over every value the century rule allows for the birth year,
    the last digit follows the person's sex (odd for men), and no number is handed out
    twice or collides with a digest in `taken_digests`.
    """

    def __init__(self, rng: random.Random, *, today: date, taken_digests: set[str] | None = None):
        self.rng = rng
        self.today = today
        self.used: set[str] = set()
        self.taken_digests = taken_digests or set()

    def next(self, *, female: bool, min_age: int = 18, max_age: int = 66) -> cpr_rules.Cpr:
        while True:
            years_back = self.rng.uniform(min_age, max_age)
            birth = self.today - timedelta(days=int(years_back * 365.25))
            digits = seventh_digits_for(birth.year)
            serial = f"{self.rng.choice(digits)}{self.rng.randrange(100):02d}"
            last = self.rng.choice((0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))
            number = f"{birth:%d%m%y}-{serial}{last}"
            if number in self.used:
                continue
            parsed = cpr_rules.parse(number, today=self.today)
            assert parsed.birth_date == birth, number  # the century rule gave the year back
            if self.taken_digests and cpr_rules.digest(parsed.number) in self.taken_digests:
                continue
            self.used.add(number)
            return parsed


def outcome_for(rng: random.Random, programme: str) -> str:
    weights = OUTCOME_WEIGHTS[programme]
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def age_range_for(programme: str) -> tuple[int, int]:
    # The Lærkevej trial took activity-ready citizens over 30; Flere skal med takes
    # citizens with more than five years on benefits, so rarely the very young.
    return {UnitType.TRIAL: (31, 64), UnitType.FLERE_SKAL_MED: (25, 64)}.get(programme, (18, 66))


def target_group_for(rng: random.Random, programme: str) -> str:
    if programme == UnitType.STANDARD and rng.random() < 0.45:
        return "jobparat"
    return "aktivitetsparat"


def timeline(rng: random.Random, *, now: datetime, status: str, via_queue: bool) -> dict[str, datetime | None]:
    """Plausible dates for a case: opened within two years, queued ones within four days.

    Queued cases spread over 1–96 hours so that some of them are past the queue alert's
    48 hours; closed cases closed after 3 weeks to 18 months, always before `now`.
    """
    if status == "queued":
        opened = now - timedelta(hours=rng.uniform(1, 96))
        return {"opened_at": opened, "queued_at": opened, "assigned_at": None, "closed_at": None}
    opened = now - timedelta(days=rng.uniform(2, 730))
    assigned = opened + timedelta(days=rng.uniform(0.5, 10)) if via_queue else opened
    assigned = min(assigned, now - timedelta(hours=1))
    closed = None
    if status == "closed":
        closed = min(assigned + timedelta(days=rng.uniform(21, 540)), now - timedelta(hours=rng.uniform(1, 24)))
        closed = max(closed, assigned)
    return {"opened_at": opened, "queued_at": None, "assigned_at": assigned, "closed_at": closed}
