"""Geometry of the server-rendered SVG charts: plain numbers in, coordinates out.

Kept apart from the templates so that scales and ticks are tested without a browser, and
so that the page ships no chart library and no inline script (a strict CSP stays possible).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from ui.charts import nice_scale


@dataclass(frozen=True)
class TrendPoint:
    date: datetime.date
    open_cases: int
    capacity: int


@dataclass(frozen=True)
class Tick:
    position: float
    value: object


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    open_line: str
    capacity_line: str
    last_open: tuple[float, float]
    last_capacity: tuple[float, float]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    points: tuple[TrendPoint, ...]


def nice_ceiling(value: float, *, ticks: int = 4) -> tuple[int, int]:
    """A round maximum at or above `value` and a whole step (1, 2 or 5 × 10^k) that divides it."""
    return nice_scale(value, ticks=ticks, whole=True)


def trend_chart(
    *,
    points: Sequence[TrendPoint],
    start: datetime.date,
    end: datetime.date,
    width: int = 720,
    height: int = 240,
) -> TrendChart | None:
    """Open cases and capacity per day between `start` and `end`; None without data."""
    if not points:
        return None
    left, right, top, bottom = 52, width - 16, 14, height - 30
    span_days = max(1, (end - start).days)
    y_max, step = nice_ceiling(max(max(p.open_cases, p.capacity) for p in points))

    def x(day: datetime.date) -> float:
        return round(left + (right - left) * (day - start).days / span_days, 1)

    def y(value: int) -> float:
        return round(bottom - (bottom - top) * value / y_max, 1)

    open_coords = [(x(p.date), y(p.open_cases)) for p in points]
    capacity_coords = [(x(p.date), y(p.capacity)) for p in points]
    middle = start + datetime.timedelta(days=span_days // 2)
    return TrendChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        open_line=" ".join(f"{a},{b}" for a, b in open_coords),
        capacity_line=" ".join(f"{a},{b}" for a, b in capacity_coords),
        last_open=open_coords[-1],
        last_capacity=capacity_coords[-1],
        y_ticks=tuple(Tick(position=y(v), value=v) for v in range(0, y_max + 1, step)),
        x_ticks=tuple(Tick(position=x(d), value=d) for d in (start, middle, end)),
        points=tuple(points),
    )
