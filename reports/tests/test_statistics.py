"""The statistics against published and hand-computed values (no database)."""

import math
import random

import numpy as np
import pytest

from reports.statistics import (
    difference_with_ci,
    kaplan_meier,
    logrank,
    share_with_ci,
    suppress,
    weighted_percentile,
)


def test_wilson_interval_matches_newcombe_1998_table_i():
    # Newcombe, Statistics in Medicine 17 (1998) 857–872, Table I, method 3 (Wilson score).
    assert share_with_ci(successes=81, total=263).low == pytest.approx(0.2553, abs=5e-5)
    assert share_with_ci(successes=81, total=263).high == pytest.approx(0.3662, abs=5e-5)
    assert share_with_ci(successes=15, total=148).low == pytest.approx(0.0624, abs=5e-5)
    assert share_with_ci(successes=15, total=148).high == pytest.approx(0.1605, abs=5e-5)


def test_wilson_interval_by_hand():
    # 8 of 20: centre (p + z²/2n)/(1 + z²/n), half-width z·√(p(1−p)/n + z²/4n²)/(1 + z²/n).
    z, n, p = 1.959963984540054, 20, 0.4
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    share = share_with_ci(successes=8, total=20)
    assert share.share == 0.4
    assert (share.low, share.high) == pytest.approx((centre - half, centre + half))
    assert (share.low, share.high) == pytest.approx((0.2188, 0.6134), abs=5e-5)


def test_share_of_nobody_is_undefined():
    assert share_with_ci(successes=0, total=0).share is None


def test_difference_matches_newcombe_1998_table_ii_and_pooled_z_test_by_hand():
    # Newcombe 1998, Table II example (56/70 vs 48/80), method 10: 0.0524 to 0.3339.
    difference = difference_with_ci(successes=56, total=70, ref_successes=48, ref_total=80)
    assert difference.difference == pytest.approx(0.2)
    assert (difference.low, difference.high) == pytest.approx((0.0524, 0.3339), abs=5e-5)
    # Pooled z: p = 104/150; se = √(p(1−p)(1/70 + 1/80)); z = 0.2/se = 2.6502; two-sided p = 0.00805.
    pooled = 104 / 150
    z = 0.2 / math.sqrt(pooled * (1 - pooled) * (1 / 70 + 1 / 80))
    assert z == pytest.approx(2.6502, abs=1e-4)
    assert difference.p_value == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert difference.p_value == pytest.approx(0.00805, abs=5e-5)


def test_difference_when_both_arms_agree_completely_has_p_value_one():
    assert difference_with_ci(successes=0, total=10, ref_successes=0, ref_total=12).p_value == 1.0
    assert difference_with_ci(successes=10, total=10, ref_successes=12, ref_total=12).p_value == 1.0
    assert difference_with_ci(successes=1, total=0, ref_successes=1, ref_total=3).difference is None


def test_kaplan_meier_by_hand_with_censoring():
    # Exits on days 1, 2, 3; censored (still open) on days 2 and 4.
    # S(1) = 4/5 = 0.8; S(2) = 0.8 · 3/4 = 0.6; S(3) = 0.6 · 1/2 = 0.3.
    survival = kaplan_meier([(1, True, 1), (2, True, 1), (2, False, 1), (3, True, 1), (4, False, 1)], min_at_risk=1)
    assert [(p.day, p.at_risk) for p in survival.points] == [(0, 5), (1, 5), (2, 4), (3, 2)]
    assert [p.survival for p in survival.points] == pytest.approx([1.0, 0.8, 0.6, 0.3])
    assert survival.median_days == 3
    assert (survival.total, survival.events) == (5, 3)
    # Greenwood: Var S(1) = 0.8² · 1/(5·4) = 0.032; log–log interval low = 0.8^exp(1.96·se/(0.8·|ln 0.8|)).
    se = math.sqrt(0.032)
    c = 1.959963984540054 * se / (0.8 * abs(math.log(0.8)))
    assert survival.points[1].low == pytest.approx(0.8 ** math.exp(c))
    assert survival.points[1].high == pytest.approx(0.8 ** math.exp(-c))
    assert survival.points[1].low == pytest.approx(0.2038, abs=1e-4)


def test_kaplan_meier_stops_where_fewer_than_five_remain():
    rows = [(day, True, 1) for day in range(1, 11)]
    survival = kaplan_meier(rows)
    assert [p.at_risk for p in survival.points][-1] == 5
    assert min(p.at_risk for p in survival.points) >= 5
    assert survival.median_days == 5  # S(5) = 5/10


def test_kaplan_meier_of_nobody_and_of_only_open_cases():
    assert kaplan_meier([]).points == ()
    only_open = kaplan_meier([(30, False, 12)])
    assert [p.survival for p in only_open.points] == [1.0]
    assert only_open.median_days is None


def test_logrank_by_hand():
    # A exits on days 1, 2, 3; B on 4 and 6, censored on 5. At each A exit:
    # E_A = 3/6 + 2/5 + 1/4 = 1.15; V = 0.25 + 0.24 + 0.1875 = 0.6775; χ² = (3 − 1.15)²/0.6775.
    chi2, p = logrank([[(1, True, 1), (2, True, 1), (3, True, 1)], [(4, True, 1), (5, False, 1), (6, True, 1)]])
    assert chi2 == pytest.approx(1.85**2 / 0.6775)
    assert p == pytest.approx(math.erfc(math.sqrt(chi2) / math.sqrt(2)))


def test_logrank_needs_two_arms_with_exits():
    assert logrank([[(1, True, 3)]]) is None
    assert logrank([[(1, False, 3)], [(2, False, 3)]]) is None


def test_logrank_without_anybody_to_compare_at_the_exits_is_none_not_an_error():
    # B's six are censored on day 90, before A's exits on days 94 and 125: nobody of B is at
    # risk at any exit, so the variance is zero (statsmodels' matrix is singular)
    assert logrank([[(94, True, 5), (125, True, 5), (150, False, 20)], [(90, False, 6)]]) is None


@pytest.mark.parametrize("q", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_weighted_percentile_equals_linear_interpolation_of_the_expansion(q):
    rng = random.Random(7)
    values = [(rng.choice([10, 25.5, 40, 45, 50, 100 / 0.8]), rng.randint(1, 9)) for _ in range(40)]
    expanded = np.repeat([v for v, _ in values], [n for _, n in values])
    assert weighted_percentile(values, q) == pytest.approx(float(np.percentile(expanded, q * 100)))


def test_weighted_percentile_by_hand():
    assert weighted_percentile([(1, 1), (2, 1), (3, 1), (4, 1)], 0.5) == 2.5
    assert weighted_percentile([(1, 1), (2, 1), (3, 1), (4, 1)], 0.9) == pytest.approx(3.7)
    assert weighted_percentile([(7, 3)], 0.9) == 7
    assert weighted_percentile([], 0.5) is None


def test_small_cells_are_suppressed_but_zero_is_shown():
    assert [suppress(n) for n in (0, 1, 4, 5, 100)] == [0, None, None, 5, 100]
    assert suppress(None) is None
