"""What the pages' and the reports' SVG charts share: a readable scale for an axis."""

from __future__ import annotations

import math
from collections.abc import Sequence


def nice_scale(
    value: float, *, ticks: int = 4, multiples: Sequence[float] = (1, 2, 5, 10), whole: bool = False
) -> tuple[float, float]:
    """A round top at or above `value`, and a step of `multiples` × 10^k that divides it
    into at most about `ticks` parts; `whole` keeps both integers (counts of cases)."""
    value = value if value > 0 else 1
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in multiples if m * magnitude >= raw)
    if whole:
        step = max(1, int(step))
        return int(math.ceil(value / step) * step), step
    return step * math.ceil(value / step), step
