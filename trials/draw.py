"""The draw, as pure functions: no Django, no clock, no randomness but the keyed hash.

Anyone holding a trial's seed can recompute every draw (the demo history does, and so can
an auditor); nobody can steer one.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac


def draw_value(*, seed: str, trial_id: int, citizen_id: int) -> float:
    """Uniform in [0, 1): the first 64 bits of HMAC-SHA256(seed, "trial:citizen")."""
    digest = hmac.new(seed.encode(), f"{trial_id}:{citizen_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def arm_for_draw(*, draw: float, ratios: list[tuple[int, int]]) -> int:
    """The arm whose share of [0, 1) holds the draw; `ratios` is [(arm id, weight)] in arm order."""
    total = sum(weight for _, weight in ratios)
    if not ratios or total <= 0:
        raise ValueError("a trial needs at least one arm with a positive ratio")
    point, cumulative = draw * total, 0
    for arm_id, weight in ratios:
        cumulative += weight
        if point < cumulative:
            return arm_id
    return ratios[-1][0]


def age_on(*, birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
