"""The contact plan's rule (kontaktforløb), in plain Python: when the next conversation
is due, and how that date reads today.

`selectors.with_contact_plan` renders the same rule in SQL for lists; the tests run both on
the same random cases (`tests/test_contact_plan.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DUE_SOON_DAYS = 7

OVERDUE, DUE_SOON, ON_TRACK, NONE = "overdue", "due_soon", "on_track", "none"
STATUSES = (OVERDUE, DUE_SOON, ON_TRACK, NONE)


@dataclass(frozen=True)
class Rule:
    first_within_days: int = 7
    first_period_days: int = 183
    first_period_meetings: int = 4
    then_every_days: int | None = 91

    @property
    def between_days(self) -> int:
        """The spacing of the first period's conversations, in whole days."""
        return self.first_period_days // self.first_period_meetings


DEFAULT_RULE = Rule()


def next_due(*, rule: Rule, opened_on: date, held: int, last_held_on: date | None, closed: bool) -> date | None:
    if closed:
        return None
    if held == 0 or last_held_on is None:
        return opened_on + timedelta(days=rule.first_within_days)
    if held < rule.first_period_meetings:
        return last_held_on + timedelta(days=rule.between_days)
    if rule.then_every_days is None:
        return None
    return last_held_on + timedelta(days=rule.then_every_days)


def status(*, due: date | None, today: date) -> str:
    if due is None:
        return NONE
    if today > due:
        return OVERDUE
    if due <= today + timedelta(days=DUE_SOON_DAYS):
        return DUE_SOON
    return ON_TRACK
