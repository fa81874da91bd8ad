"""The axis scale that the pages' and the reports' charts share: pure, no Django."""

import pytest

from ui.charts import nice_scale


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, (1, 1)), (1, (1, 1)), (7, (8, 2)), (45, (60, 20)), (180, (200, 50)), (1001, (1500, 500))],
)
def test_whole_scales_are_round_integers_in_about_four_steps(value, expected):
    top, step = nice_scale(value, whole=True)
    assert (top, step) == expected
    assert isinstance(top, int) and isinstance(step, int)
    assert top >= value and top % step == 0 and top / step <= 5


def test_fractional_scales_use_the_multiples_given():
    top, step = nice_scale(0.37, multiples=(1, 2, 2.5, 5, 10))
    assert step == pytest.approx(0.1) and top == pytest.approx(0.4)
    top, step = nice_scale(0.9, multiples=(1, 2, 2.5, 5, 10))
    assert step == pytest.approx(0.25) and top == pytest.approx(1.0)
