"""Server-rendered SVG charts: numbers in, coordinates out; the templates only draw them.

No chart library and no script, so the pages work under a strict CSP and print well.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from ui.charts import nice_scale

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 24, 12, 28
PALETTE = ["#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#17a589", "#7f8c8d", "#a04000"]


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    path: str
    dashed: bool = False


@dataclass(frozen=True)
class Band:
    label: str
    y_top: float
    y_bottom: float

    @property
    def height(self) -> float:
        return round(self.y_bottom - self.y_top, 1)


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM
    lines: list[Line] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    bars: list[dict] = field(default_factory=list)
    title: str = ""

    @property
    def plot_width(self) -> int:
        return self.plot_right - self.left

    @property
    def tick_x(self) -> int:
        return self.left - 6

    @property
    def tick_y(self) -> int:
        return self.plot_bottom + 16

    @property
    def empty(self) -> bool:
        return not self.lines and not self.bars


def nice_max(value: float) -> tuple[float, float]:
    """A round top at or above `value` and a step of 1, 2, 2.5 or 5 × 10^k dividing it in ≤ 5."""
    return nice_scale(value, multiples=(1, 2, 2.5, 5, 10))


def _y_axis(chart: Chart, top_value: float, *, percent: bool = False) -> tuple[float, callable]:
    top, step = nice_max(top_value)
    height = chart.plot_bottom - chart.top

    def y(value: float) -> float:
        return round(chart.plot_bottom - height * value / top, 1)

    ticks, v = [], 0.0
    while v <= top + 1e-9:
        ticks.append(Tick(y(v), f"{v * 100:.0f} %" if percent else f"{v:g}"))
        v += step
    chart.y_ticks = ticks
    return top, y


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[datetime.date, float | None]]]],
    *,
    references: Sequence[tuple[str, float]] = (),
    band: tuple[str, float, float] | None = None,
    title: str = "",
) -> Chart:
    """Lines over dates, with horizontal reference lines (caps) and a shaded band (40–55)."""
    chart = Chart(title=title)
    days = sorted({d for _, points in series for d, v in points if v is not None})
    if not days:
        return chart
    values = [v for _, points in series for _, v in points if v is not None]
    values += [value for _, value in references] + ([band[2]] if band else [])
    _, y = _y_axis(chart, max(values) * 1.05)
    first, span = days[0], max((days[-1] - days[0]).days, 1)
    width = chart.plot_right - chart.left

    def x(day: datetime.date) -> float:
        return round(chart.left + width * (day - first).days / span, 1)

    for i, (label, points) in enumerate(series):
        kept = [(x(d), y(v)) for d, v in points if v is not None]
        if kept:
            path = "M" + " L".join(f"{px},{py}" for px, py in kept)
            chart.lines.append(Line(label, PALETTE[i % len(PALETTE)], path))
    for label, value in references:
        chart.lines.append(
            Line(
                label,
                "#555555",
                f"M{chart.left},{y(value)} L{chart.plot_right},{y(value)}",
                dashed=True,
            )
        )
    if band:
        chart.bands.append(Band(band[0], y(band[2]), y(band[1])))
    for i in range(0, 5):
        day = first + datetime.timedelta(days=round(span * i / 4))
        chart.x_ticks.append(Tick(x(day), day.isoformat()))
    return chart


def step_chart(
    series: Sequence[tuple[str, Sequence[tuple[int, float]]]], *, max_day: int | None = None, title: str = ""
) -> Chart:
    """Kaplan–Meier curves: share still in the programme (y, 0–100 %) after x days."""
    chart = Chart(title=title)
    longest = max([day for _, points in series for day, _ in points] + [max_day or 0])
    if longest <= 0:
        return chart
    _, y = _y_axis(chart, 1.0, percent=True)
    x_top, x_step = nice_max(longest)
    width = chart.plot_right - chart.left

    def x(day: float) -> float:
        return round(chart.left + width * day / x_top, 1)

    for i, (label, points) in enumerate(series):
        if not points:
            continue
        path, previous = f"M{x(0)},{y(points[0][1])}", points[0][1]
        for day, value in points[1:]:
            path += f" L{x(day)},{y(previous)} L{x(day)},{y(value)}"
            previous = value
        path += f" L{x(points[-1][0])},{y(previous)}"
        chart.lines.append(Line(label, PALETTE[i % len(PALETTE)], path))
    day = 0.0
    while day <= x_top + 1e-9:
        chart.x_ticks.append(Tick(x(day), f"{day:g}"))
        day += x_step
    return chart


def stacked_bars(columns: Sequence[tuple[str, Sequence[tuple[str, float | None]]]], *, title: str = "") -> Chart:
    """One bar per column (a quarter), stacked shares (0–1) per category (an outcome)."""
    chart = Chart(title=title)
    if not columns:
        return chart
    _, y = _y_axis(chart, 1.0, percent=True)
    slot = (chart.plot_right - chart.left) / len(columns)
    bar_width = round(slot * 0.7, 1)
    for i, (label, parts) in enumerate(columns):
        bottom = 0.0
        left = round(chart.left + slot * i + slot * 0.15, 1)
        for j, (category, value) in enumerate(parts):
            if not value:
                continue
            chart.bars.append(
                {
                    "x": left,
                    "y": y(bottom + value),
                    "width": bar_width,
                    "height": round(y(bottom) - y(bottom + value), 1),
                    "colour": PALETTE[j % len(PALETTE)],
                    "title": f"{label} {category}: {value * 100:.0f} %",
                }
            )
            bottom += value
        chart.x_ticks.append(Tick(round(left + bar_width / 2, 1), label))
    return chart
