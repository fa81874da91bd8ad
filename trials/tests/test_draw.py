"""The draw: pure functions, no database."""

import datetime
import hashlib
import hmac

import pytest

from trials.draw import age_on, arm_for_draw, draw_value


def test_draw_is_the_keyed_hash_of_trial_and_citizen():
    expected = int.from_bytes(hmac.new(b"s", b"3:42", hashlib.sha256).digest()[:8], "big") / 2**64
    assert draw_value(seed="s", trial_id=3, citizen_id=42) == expected
    assert draw_value(seed="s", trial_id=3, citizen_id=42) == draw_value(seed="s", trial_id=3, citizen_id=42)
    assert draw_value(seed="t", trial_id=3, citizen_id=42) != expected


def test_arm_boundaries_follow_the_ratios():
    assert arm_for_draw(draw=0.0, ratios=[(1, 1), (2, 1)]) == 1
    assert arm_for_draw(draw=0.4999, ratios=[(1, 1), (2, 1)]) == 1
    assert arm_for_draw(draw=0.5, ratios=[(1, 1), (2, 1)]) == 2
    assert arm_for_draw(draw=0.24, ratios=[(1, 1), (2, 3)]) == 1
    assert arm_for_draw(draw=0.25, ratios=[(1, 1), (2, 3)]) == 2
    assert arm_for_draw(draw=0.999999, ratios=[(1, 1), (2, 3)]) == 2
    with pytest.raises(ValueError):
        arm_for_draw(draw=0.5, ratios=[])


def test_draws_are_uniform_enough_to_honour_a_two_to_one_ratio():
    arms = [
        arm_for_draw(draw=draw_value(seed="demo", trial_id=1, citizen_id=c), ratios=[(1, 2), (2, 1)])
        for c in range(6000)
    ]
    assert arms.count(1) / len(arms) == pytest.approx(2 / 3, abs=0.02)


def test_age_on_counts_birthdays():
    assert age_on(birth_date=datetime.date(1990, 3, 2), day=datetime.date(2026, 3, 1)) == 35
    assert age_on(birth_date=datetime.date(1990, 3, 2), day=datetime.date(2026, 3, 2)) == 36
