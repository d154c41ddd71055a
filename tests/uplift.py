"""A second, plain-Python implementation of the campaign uplift model (DECISIONLOG.md).

The warehouse computes uplift in SQL (int_campaigns__uplift); tests hold it to this one, which
fits the same quasi-Poisson model the long way round (fitted values per weekday level, Pearson
dispersion) and takes the t quantile from scipy.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from scipy import stats


@dataclass(frozen=True)
class Uplift:
    pair_days: int
    campaign_total: float
    baseline_total: float
    relative_uplift: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: str


def uplift(pairs: Sequence[tuple[date, float, float]], min_days: int = 7) -> Uplift:
    """Uplift of (campaign day, campaign value, baseline value on the matched weekday) pairs."""
    n = len(pairs)
    campaign_total = float(sum(c for _, c, _ in pairs))
    baseline_total = float(sum(b for _, _, b in pairs))
    levels: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for day, c, b in pairs:
        levels[day.weekday()].append((c, b))
    df = 2 * n - len(levels) - 1
    if n < min_days or campaign_total <= 0 or baseline_total <= 0 or df < 4:
        return Uplift(n, campaign_total, baseline_total, None, None, None, "not enough data")
    share = campaign_total / (campaign_total + baseline_total)
    chi_square = 0.0
    for values in levels.values():
        level_mean = sum(c + b for c, b in values) / len(values)
        for c, b in values:
            for value, fitted in ((c, level_mean * share), (b, level_mean * (1 - share))):
                if fitted > 0:
                    chi_square += (value - fitted) ** 2 / fitted
    dispersion = chi_square / df
    log_ratio = math.log(campaign_total / baseline_total)
    half = stats.t.ppf(0.975, df) * math.sqrt(dispersion * (1 / campaign_total + 1 / baseline_total))
    low, high = log_ratio - half, log_ratio + half
    verdict = "better" if low > 0 else "worse" if high < 0 else "no detectable change"
    return Uplift(
        n,
        campaign_total,
        baseline_total,
        math.exp(log_ratio) - 1,
        math.exp(low) - 1,
        math.exp(high) - 1,
        verdict,
    )
