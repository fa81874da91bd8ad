"""The statistics behind the reports: plain numbers in, figures out; no Django.

Proportions use statsmodels (Wilson interval for one share; Newcombe's hybrid score
interval and the pooled two-proportion z-test for a difference); time to exit uses its
Kaplan–Meier estimator and log-rank test. The inputs arrive as counts per value (the
database aggregates; nothing here sees a citizen), so the estimators take frequency weights.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from statsmodels.duration.survfunc import SurvfuncRight, survdiff
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

SMALL_CELL = 5  # counts below this are suppressed so that no one can be recognised


def suppress(count: int | None) -> int | None:
    """None for a count between 1 and 4: zero is safe to show, a handful is not."""
    if count is None:
        return None
    return None if 0 < count < SMALL_CELL else count


@dataclass(frozen=True)
class Share:
    successes: int
    total: int
    share: float | None
    low: float | None
    high: float | None


def share_with_ci(*, successes: int, total: int, alpha: float = 0.05) -> Share:
    """The share with a Wilson score interval (good coverage also near 0 and 1)."""
    if total <= 0:
        return Share(successes, total, None, None, None)
    low, high = proportion_confint(successes, total, alpha=alpha, method="wilson")
    return Share(successes, total, successes / total, float(low), float(high))


@dataclass(frozen=True)
class Difference:
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None


def difference_with_ci(
    *, successes: int, total: int, ref_successes: int, ref_total: int, alpha: float = 0.05
) -> Difference:
    """Share minus the reference arm's share: Newcombe interval, two-sided pooled z-test."""
    if total <= 0 or ref_total <= 0:
        return Difference(None, None, None, None)
    diff = successes / total - ref_successes / ref_total
    low, high = confint_proportions_2indep(
        successes, total, ref_successes, ref_total, method="newcomb", compare="diff", alpha=alpha
    )
    pooled = (successes + ref_successes) / (total + ref_total)
    if pooled in (0.0, 1.0):
        # Everyone or no one in both arms: no evidence of any difference.
        p_value = 1.0
    else:
        _, p = proportions_ztest([successes, ref_successes], [total, ref_total])
        p_value = float(p)
    return Difference(diff, float(low), float(high), p_value)


@dataclass(frozen=True)
class SurvivalPoint:
    day: int
    survival: float
    low: float | None
    high: float | None
    at_risk: int


@dataclass(frozen=True)
class Survival:
    points: tuple[SurvivalPoint, ...]
    median_days: float | None
    total: int
    events: int


def kaplan_meier(rows: Iterable[tuple[int, bool, int]], *, min_at_risk: int = SMALL_CELL) -> Survival:
    """Kaplan–Meier estimate of still being in the programme after each day.

    `rows` are (days, exited, count): exited cases are events, open cases censored on
    the day of the report. The curve stops where fewer than `min_at_risk` remain, because
    its last steps would describe single people.
    """
    times, events, weights = _arrays(rows)
    if weights.sum() == 0:
        return Survival((), None, 0, 0)
    total, n_events = int(weights.sum()), int((weights * events).sum())
    points = [SurvivalPoint(0, 1.0, 1.0, 1.0, total)]
    median = None
    if n_events:
        # Expanded rather than weighted: statsmodels' standard errors under freq_weights
        # are not Greenwood's, and a trial's few thousand rows cost nothing to expand.
        fit = SurvfuncRight(np.repeat(times, weights), np.repeat(events, weights))
        low, high = _greenwood_band(fit)
        for i, day in enumerate(fit.surv_times):
            at_risk = int(round(fit.n_risk[i]))
            if at_risk < min_at_risk:
                break
            points.append(SurvivalPoint(int(day), float(fit.surv_prob[i]), low[i], high[i], at_risk))
        below = np.nonzero(fit.surv_prob <= 0.5)[0]
        if below.size and fit.n_risk[below[0]] >= min_at_risk:
            median = float(fit.surv_times[below[0]])
    return Survival(tuple(points), median, total, n_events)


def _greenwood_band(fit: SurvfuncRight) -> tuple[list[float | None], list[float | None]]:
    """Pointwise 95 % interval on the log–log scale (statsmodels' standard errors are Greenwood's)."""
    low, high = [], []
    for prob, se in zip(fit.surv_prob, fit.surv_prob_se, strict=True):
        if prob <= 0 or prob >= 1 or not np.isfinite(se) or se == 0:
            low.append(None)
            high.append(None)
            continue
        log_log_se = se / (prob * abs(math.log(prob)))
        c = 1.959963984540054 * log_log_se
        low.append(float(prob ** math.exp(c)))
        high.append(float(prob ** math.exp(-c)))
    return low, high


def logrank(groups: Sequence[Iterable[tuple[int, bool, int]]]) -> tuple[float, float] | None:
    """Log-rank test of equal time to exit across arms: (chi-squared, p-value)."""
    times, events, labels = [], [], []
    for label, rows in enumerate(groups):
        t, e, w = _arrays(rows)
        times.append(np.repeat(t, w))
        events.append(np.repeat(e, w))
        labels.append(np.full(int(w.sum()), label))
    used = [i for i, t in enumerate(times) if t.size]
    if len(used) < 2 or sum(int(events[i].sum()) for i in used) == 0:
        return None
    try:
        chi2, p = survdiff(np.concatenate(times), np.concatenate(events), np.concatenate(labels))
    except np.linalg.LinAlgError:
        # No variance to test against: no arm but one had anybody at risk when exits happened
        # (one arm's follow-up ends before the other's first exit).
        return None
    return float(chi2), float(p)


def _arrays(rows: Iterable[tuple[int, bool, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = [(max(int(d), 0), 1 if e else 0, int(n)) for d, e, n in rows if n]
    if not rows:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=int)
    days, events, counts = zip(*rows, strict=True)
    return np.array(days, dtype=float), np.array(events, dtype=float), np.array(counts, dtype=int)


def weighted_percentile(values: Iterable[tuple[float, int]], q: float) -> float | None:
    """PostgreSQL's percentile_cont over a histogram: linear between the closest ranks.

    `values` are (value, count); position q × (n − 1) in the sorted expansion.
    """
    pairs = sorted((float(v), int(n)) for v, n in values if n > 0)
    n = sum(count for _, count in pairs)
    if n == 0:
        return None
    position = q * (n - 1)
    lower_rank, fraction = int(math.floor(position)), position - math.floor(position)
    lower = _value_at(pairs, lower_rank)
    if fraction == 0:
        return lower
    upper = _value_at(pairs, lower_rank + 1)
    return lower + (upper - lower) * fraction


def _value_at(pairs: list[tuple[float, int]], rank: int) -> float:
    seen = 0
    for value, count in pairs:
        seen += count
        if rank < seen:
            return value
    return pairs[-1][0]
