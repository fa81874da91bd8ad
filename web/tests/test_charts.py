"""The chart geometry and the load levels, without a database or a browser."""

import datetime

import pytest
from django.utils import translation

from web.charts import TrendPoint, nice_ceiling, trend_chart
from web.templatetags.web_tags import Load


@pytest.mark.parametrize(
    "value,expected", [(0, (1, 1)), (3, (3, 1)), (45, (60, 20)), (47, (60, 20)), (90, (100, 50)), (101, (150, 50))]
)
def test_nice_ceiling_is_round_and_covers_the_value(value, expected):
    top, step = nice_ceiling(value)
    assert (top, step) == expected
    assert top >= value and top % step == 0


def test_trend_chart_places_points_by_date_and_value():
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)
    points = [TrendPoint(start, 0, 100), TrendPoint(end, 50, 100)]
    chart = trend_chart(points=points, start=start, end=end, width=720, height=240)
    first_open, last_open = chart.open_line.split()
    assert first_open == f"{chart.left}.0,{chart.bottom}.0"  # day 0, value 0: the bottom left corner
    x, y = map(float, last_open.split(","))
    assert x == chart.right and y == pytest.approx((chart.top + chart.bottom) / 2, abs=0.1)
    assert chart.capacity_line.split()[0].endswith(f",{chart.top}.0")  # 100 is the top of the scale
    assert [t.value for t in chart.y_ticks] == [0, 50, 100]
    assert [t.value for t in chart.x_ticks] == [start, datetime.date(2026, 2, 14), end]


def test_trend_chart_without_points_is_none():
    assert trend_chart(points=[], start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 31)) is None


@pytest.mark.parametrize(
    "open_cases,cap,level,label",
    [
        (0, 0, "ok", "Within cap"),
        (1, 0, "over", "Over cap"),
        (41, 45, "near", "Near cap"),
        (40, 45, "ok", "Within cap"),
        (45, 45, "near", "At cap"),
        (46, 45, "over", "Over cap"),
    ],
)
def test_load_levels(open_cases, cap, level, label):
    load = Load(open_cases, cap)
    assert load.level == level
    with translation.override("en"):
        assert str(load.label) == label
    assert 0 <= load.fill_width <= 100 and 0 <= load.cap_position <= 100
