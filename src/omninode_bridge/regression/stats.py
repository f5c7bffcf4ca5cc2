"""Statistics for regression gates: pure functions over arrays, no clock, no I/O.

What this module owns:

- ``Run``: one run's per-interval latency histograms on a shared value grid, plus
  per-interval request, error and duration counts.
- ``common_grid``: put (values, counts) histograms of many intervals on one coarse
  log grid, so bootstrap replicates are cheap matrix products.
- ``block_bootstrap``: moving-block bootstrap over intervals (blocks never cross a run
  boundary), returning replicate log-ratios current/baseline of quantiles, throughput and
  error rate. Resampling whole seconds keeps the autocorrelation inside a run.
- ``auto_block_length``: the Politis-White (2004, corrected 2009) automatic block length
  from a series' autocorrelation (flat-top lag window), for the circular/moving block.
- ``ratio_from_replicates`` / ``mann_whitney_ratio``: a ``RatioEstimate`` (point ratio,
  one-sided confidence bounds, one-sided p-values against the threshold, standard error).

The gate's questions are one-sided ("is it worse by more than the threshold?"), so a
``RatioEstimate`` at confidence ``c`` has ``low`` = the one-sided ``c`` lower bound and
``high`` = the one-sided ``c`` upper bound: ``[low, high]`` is a two-sided ``2c − 1``
interval (90 % for c = 0.95), not a two-sided ``c`` one.
- ``benjamini_hochberg``, ``minimum_detectable_effect``, ``change_points``.

All ratios are handled in log space. "Degradation" ``d = sign * log(current/baseline)``
with ``sign = +1`` when higher is worse (latency, error rate) and ``-1`` for throughput;
a regression needs ``d > log(1 + threshold)`` and an improvement ``d < -log(1 + threshold)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ERROR_RATE_FLOOR = 0.001
"""Added to both error rates before taking their ratio: 0 → 0.05 % is not a 'regression'."""


@dataclass(frozen=True)
class Run:
    """Per-interval data of one run; ``counts`` is (intervals × grid bins)."""

    counts: FloatArray
    requests: FloatArray
    errors: FloatArray
    durations: FloatArray

    @property
    def n_intervals(self) -> int:
        return int(self.counts.shape[0])

    @property
    def n_samples(self) -> int:
        return int(self.counts.sum())


@dataclass(frozen=True)
class RatioEstimate:
    """current/baseline ratio of one metric; ``low`` and ``high`` are each a one-sided
    bound at the requested confidence (together a two-sided ``2c − 1`` interval)."""

    ratio: float
    low: float
    high: float
    p_regression: float
    p_improvement: float
    se_log: float
    method: str


def common_grid(
    hists: Sequence[tuple[FloatArray, FloatArray]], resolution: float = 0.002
) -> tuple[FloatArray, list[FloatArray]]:
    """Map histograms to one log grid of relative width ``resolution``.

    Returns the grid's representative values (count-weighted mean of the raw values in
    each occupied bin) and each histogram's counts on that grid.
    """
    all_values = np.concatenate([np.asarray(v, dtype=np.float64) for v, _ in hists] + [[]])
    all_counts = np.concatenate([np.asarray(c, dtype=np.float64) for _, c in hists] + [[]])
    if all_values.size == 0:
        return np.zeros(0), [np.zeros(0) for _ in hists]
    keys = _bin_keys(all_values, resolution)
    uniq, inverse = np.unique(keys, return_inverse=True)
    weight = np.bincount(inverse, weights=all_counts, minlength=uniq.size)
    total = np.bincount(inverse, weights=all_counts * all_values, minlength=uniq.size)
    grid = np.where(weight > 0, total / np.maximum(weight, 1e-300), 0.0)
    mapped: list[FloatArray] = []
    start = 0
    for values, counts in hists:
        stop = start + len(values)
        row = np.bincount(
            inverse[start:stop], weights=np.asarray(counts, np.float64), minlength=uniq.size
        )
        mapped.append(row.astype(np.float64))
        start = stop
    return grid, mapped


def _bin_keys(values: FloatArray, resolution: float) -> IntArray:
    safe = np.maximum(values, 1e-9)
    return np.floor(np.log(safe) / math.log1p(resolution)).astype(np.int64)


def quantiles_of(counts: FloatArray, grid: FloatArray, qs: Sequence[float]) -> FloatArray:
    """Quantiles of histogram rows (``counts`` 1-D or 2-D) on ``grid``; NaN when empty."""
    rows = np.atleast_2d(counts)
    cum = np.cumsum(rows, axis=1)
    total = cum[:, -1] if cum.shape[1] else np.zeros(rows.shape[0])
    out = np.full((rows.shape[0], len(qs)), np.nan)
    for j, q in enumerate(qs):
        target = np.maximum(q * total, 1e-12)
        idx = np.minimum((cum < target[:, None]).sum(axis=1), max(grid.size - 1, 0))
        values = grid[idx] if grid.size else np.full(rows.shape[0], np.nan)
        out[:, j] = np.where(total > 0, values, np.nan)
    return out if counts.ndim == 2 else out[0]


def default_block_length(n_intervals: int) -> int:
    """Fallback blocks of about ``1.5 · n^(1/3)`` seconds (7 s for a 60 s run), at least 2."""
    return int(max(2, min(n_intervals, round(1.5 * n_intervals ** (1 / 3) + 1))))


def auto_block_length(series: FloatArray) -> float:
    """Politis-White automatic block length (circular/moving block bootstrap), with the
    Patton-Politis-White correction: ``(2 G² / D)^(1/3) · n^(1/3)`` where G and the long-run
    variance come from the autocovariances under a flat-top window whose bandwidth is
    picked where the autocorrelation stops being significant. Capped at
    ``min(3·√n, n/3)``; 1.0 for series too short or constant."""
    x = np.asarray(series, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = x.size
    if n < 8 or np.ptp(x) == 0:
        return 1.0
    max_lag = math.ceil(math.sqrt(n)) + max(5, int(math.log10(n)))
    acv = _autocovariances(x - x.mean(), max_lag)
    m = _flat_top_bandwidth(acv, n)
    lags = np.arange(1, m + 1)
    lam = np.where(lags / m <= 0.5, 1.0, 2 * (1 - lags / m))
    g = float(np.sum(2 * lam * lags * acv[1 : m + 1]))
    long_run = float(acv[0] + np.sum(2 * lam * acv[1 : m + 1]))
    if long_run <= 0 or g == 0:
        return 1.0
    b = (2 * g**2 / (4 / 3 * long_run**2)) ** (1 / 3) * n ** (1 / 3)
    return float(min(max(b, 1.0), 3 * math.sqrt(n), n / 3))


def _autocovariances(eps: FloatArray, max_lag: int) -> FloatArray:
    n = eps.size
    max_lag = min(max_lag, n - 2)
    return np.array([eps[k:] @ eps[: n - k] / n for k in range(max_lag + 1)])


def _flat_top_bandwidth(acv: FloatArray, n: int) -> int:
    """2·m̂, where m̂ is the first lag followed by ``k_n`` insignificant autocorrelations."""
    kn = max(5, int(math.log10(n)))
    rho = np.abs(acv / acv[0])
    crit = 2 * math.sqrt(math.log10(n) / n)
    m_max = acv.size - 1
    for i in range(kn, m_max + 1):
        if np.all(rho[i - kn + 1 : i + 1] < crit):
            return int(min(2 * max(i - kn, 1), m_max))
    return m_max


def block_weights(
    lengths: Sequence[int], n_boot: int, block_len: int, rng: np.random.Generator
) -> FloatArray:
    """(n_boot × total intervals) multiplicities from a moving-block bootstrap per run."""
    total = int(sum(lengths))
    weights = np.zeros((n_boot, total))
    offset = 0
    for n in lengths:
        length = min(block_len, n)
        k = math.ceil(n / length)
        starts = rng.integers(0, n - length + 1, size=(n_boot, k))
        cols = (starts[:, :, None] + np.arange(length)).reshape(n_boot, -1) + offset
        rows = np.repeat(np.arange(n_boot), k * length)
        np.add.at(weights, (rows, cols.ravel()), 1.0)
        offset += n
    return weights


@dataclass(frozen=True)
class SideStats:
    """Replicate statistics of one side: column 0 is the full-data point estimate."""

    quantiles: FloatArray  # (1 + n_boot) × len(qs)
    throughput: FloatArray
    error_rate: FloatArray


def side_stats(
    runs: Sequence[Run],
    grid: FloatArray,
    qs: Sequence[float],
    n_boot: int,
    block_len: int,
    rng: np.random.Generator,
    chunk: int = 250,
) -> SideStats:
    """Point estimate plus ``n_boot`` block-bootstrap replicates of one side's metrics."""
    counts = np.vstack([r.counts for r in runs])
    req = np.concatenate([r.requests for r in runs])
    err = np.concatenate([r.errors for r in runs])
    dur = np.concatenate([r.durations for r in runs])
    boot = block_weights([r.n_intervals for r in runs], n_boot, block_len, rng)
    w = np.vstack([np.ones((1, counts.shape[0])), boot])
    qv = np.vstack(
        [quantiles_of(w[i : i + chunk] @ counts, grid, qs) for i in range(0, w.shape[0], chunk)]
    )
    thr = (w @ req) / np.maximum(w @ dur, 1e-12)
    er = (w @ err) / np.maximum(w @ req, 1.0)
    return SideStats(quantiles=qv, throughput=thr, error_rate=er)


def ratio_from_replicates(
    log_ratios: FloatArray, sign: int, threshold: float, confidence: float
) -> RatioEstimate:
    """Percentile-bootstrap one-sided bounds at ``confidence`` (the ``1 − c`` and ``c``
    quantiles of the replicates) and one-sided p-values (index 0 = the point estimate)."""
    point, reps = float(log_ratios[0]), log_ratios[1:]
    reps = reps[np.isfinite(reps)]
    if not math.isfinite(point) or reps.size == 0:
        return RatioEstimate(math.nan, math.nan, math.nan, 1.0, 1.0, math.nan, "block-bootstrap")
    alpha = 1 - confidence
    lo, hi = np.quantile(reps, [alpha, 1 - alpha])
    bound = math.log1p(threshold)
    degr = sign * reps
    p_reg = (1 + np.count_nonzero(degr <= bound)) / (reps.size + 1)
    p_imp = (1 + np.count_nonzero(degr >= -bound)) / (reps.size + 1)
    return RatioEstimate(
        ratio=math.exp(point),
        low=math.exp(float(lo)),
        high=math.exp(float(hi)),
        p_regression=float(p_reg),
        p_improvement=float(p_imp),
        se_log=float(np.std(reps, ddof=1)) if reps.size > 1 else math.nan,
        method="block-bootstrap",
    )


def mann_whitney_ratio(
    baseline: Sequence[float],
    current: Sequence[float],
    sign: int,
    threshold: float,
    confidence: float,
) -> RatioEstimate:
    """Runs as the unit: Hodges-Lehmann shift of log values with distribution-free
    one-sided bounds at ``confidence``, and one-sided Mann-Whitney U p-values against
    ``±log(1 + threshold)``."""
    b = np.log(np.asarray(baseline, dtype=np.float64))
    c = np.log(np.asarray(current, dtype=np.float64))
    if b.size == 0 or c.size == 0 or not (np.isfinite(b).all() and np.isfinite(c).all()):
        return RatioEstimate(math.nan, math.nan, math.nan, 1.0, 1.0, math.nan, "mann-whitney")
    diffs = np.sort((c[:, None] - b[None, :]).ravel())
    k = hodges_lehmann_rank(c.size, b.size, 2 * (1 - confidence))  # α in each tail
    lo, hi = (diffs[k - 1], diffs[diffs.size - k]) if k >= 1 else (-math.inf, math.inf)
    bound = math.log1p(threshold)
    worse, better = ("greater", "less") if sign > 0 else ("less", "greater")
    p_reg = _mwu(c - sign * bound, b, worse)
    p_imp = _mwu(c + sign * bound, b, better)
    z = sps.norm.ppf(confidence)
    se = (hi - lo) / (2 * z) if math.isfinite(hi - lo) else math.nan
    return RatioEstimate(
        ratio=math.exp(float(np.median(diffs))),
        low=math.exp(float(lo)),
        high=math.exp(float(hi)),
        p_regression=p_reg,
        p_improvement=p_imp,
        se_log=float(se),
        method="mann-whitney",
    )


def _mwu(x: FloatArray, y: FloatArray, alternative: str) -> float:
    res = sps.mannwhitneyu(x, y, alternative=alternative, method="auto")
    return float(res.pvalue)


def hodges_lehmann_rank(m: int, n: int, alpha: float) -> int:
    """Rank k such that [d_(k), d_(mn+1-k)] of the sorted pairwise differences is a
    ≥ (1 − alpha) interval; 0 when no finite interval reaches that level."""
    dist = _u_null_distribution(m, n)
    cdf = np.cumsum(dist)
    # P(U <= k-1) <= alpha/2  →  largest such k.
    ok = np.nonzero(cdf <= alpha / 2 + 1e-12)[0]
    return int(ok[-1] + 1) if ok.size else 0


def _u_null_distribution(m: int, n: int) -> FloatArray:
    """Exact null distribution of Mann-Whitney U for small samples, normal otherwise."""
    if m * n > 2500:
        u = np.arange(m * n + 1)
        mu, sd = m * n / 2, math.sqrt(m * n * (m + n + 1) / 12)
        cdf = sps.norm.cdf((u + 0.5 - mu) / sd)
        return np.diff(np.concatenate([[0.0], cdf]))
    # ways[i][j][u]: arrangements of i x's and j y's with U = u (recursion on the last item).
    ways = np.zeros((m + 1, n + 1, m * n + 1))
    ways[:, 0, 0] = 1
    ways[0, :, 0] = 1
    for i in range(1, m + 1):
        for j in range(1, n + 1):
            ways[i, j, j:] += ways[i - 1, j, : m * n + 1 - j]
            ways[i, j] += ways[i, j - 1]
    row = ways[m, n]
    return np.asarray(row / row.sum(), dtype=np.float64)


def benjamini_hochberg(pvalues: Sequence[float], alpha: float) -> tuple[list[bool], int]:
    """Step-up BH: which hypotheses are rejected at FDR ``alpha``, and how many."""
    p = np.asarray(pvalues, dtype=np.float64)
    m = p.size
    if m == 0:
        return [], 0
    order = np.argsort(p)
    passed = p[order] <= alpha * np.arange(1, m + 1) / m
    r = int(np.nonzero(passed)[0][-1] + 1) if passed.any() else 0
    rejected = np.zeros(m, dtype=bool)
    rejected[order[:r]] = True
    return [bool(x) for x in rejected], r


def minimum_detectable_effect(
    se_log: float, threshold: float, alpha: float, power: float = 0.9
) -> float:
    """Smallest true change (fraction, e.g. 0.18 = +18 %) flagged as a regression with
    probability ``power`` when the one-sided test runs at level ``alpha``."""
    if not math.isfinite(se_log):
        return math.inf
    z = sps.norm.ppf(1 - alpha) + sps.norm.ppf(power)
    return math.expm1(math.log1p(threshold) + z * se_log)


def change_points(values: Sequence[float], alpha: float = 0.01, min_size: int = 3) -> list[int]:
    """Indices where the mean shifts: binary segmentation, each split chosen by the largest
    Student t statistic (pooled variance) and kept only if its Bonferroni-corrected
    p-value is below ``alpha`` (the t-test flavour of E-divisive used by Otava/Hunter)."""
    x = np.asarray(values, dtype=np.float64)
    found: list[int] = []
    _segment(x, 0, alpha, min_size, found)
    return sorted(found)


def _segment(x: FloatArray, offset: int, alpha: float, min_size: int, found: list[int]) -> None:
    n = x.size
    if n < 2 * min_size:
        return
    best_p, best_k = 1.0, -1
    for k in range(min_size, n - min_size + 1):
        p = _t_p(x[:k], x[k:])
        if p < best_p:
            best_p, best_k = p, k
    if best_k < 0 or best_p * (n - 2 * min_size + 1) >= alpha:
        return
    found.append(offset + best_k)
    _segment(x[:best_k], offset, alpha, min_size, found)
    _segment(x[best_k:], offset + best_k, alpha, min_size, found)


def _t_p(a: FloatArray, b: FloatArray) -> float:
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return 0.0 if a[0] != b[0] else 1.0
    res = sps.ttest_ind(a, b, equal_var=True)
    p = float(res.pvalue)
    return p if math.isfinite(p) else 1.0
