"""Linear trends with autocorrelation-robust confidence intervals.

Per-interval series (p95 per second, RSS per sample) are strongly autocorrelated, so the
naive OLS standard error is far too small. ``hac_trend`` fits OLS and takes the slope's
standard error from the Newey-West (Bartlett kernel) HAC covariance, with the usual
``floor(4 (n/100)^(2/9))`` lags, and a Student-t interval on n - 2 degrees of freedom.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Trend:
    slope: float
    lo: float
    hi: float
    intercept: float
    n: int

    def at(self, x: float) -> float:
        return self.intercept + self.slope * x


def newey_west_lags(n: int) -> int:
    return int(4 * (n / 100) ** (2 / 9))  # floor: the value is positive


def _hac_slope_se(x: np.ndarray, resid: np.ndarray, lags: int) -> float:
    design = np.column_stack([np.ones_like(x), x])
    scores = design * resid[:, None]
    meat = scores.T @ scores
    for lag in range(1, min(lags, len(x) - 1) + 1):
        weight = 1 - lag / (lags + 1)
        cross = scores[lag:].T @ scores[:-lag]
        meat += weight * (cross + cross.T)
    bread = np.linalg.inv(design.T @ design)
    cov = bread @ meat @ bread
    return float(math.sqrt(max(cov[1, 1], 0.0)))


def hac_trend(
    x: Sequence[float], y: Sequence[float], level: float = 0.95, lags: int | None = None
) -> Trend | None:
    """OLS slope of ``y`` on ``x`` with a Newey-West CI; None with < 3 points or no spread."""
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    n = len(xs)
    if n < 3 or float(np.ptp(xs)) == 0.0:
        return None
    slope, intercept = np.polyfit(xs, ys, 1)
    resid = ys - (intercept + slope * xs)
    se = _hac_slope_se(xs, resid, newey_west_lags(n) if lags is None else lags)
    from scipy import stats  # lazily: scipy.stats costs 0.3 s to import on every command

    half = float(stats.t.ppf(0.5 + level / 2, n - 2)) * se
    return Trend(float(slope), float(slope - half), float(slope + half), float(intercept), n)


__all__ = ["Trend", "hac_trend", "newey_west_lags"]
