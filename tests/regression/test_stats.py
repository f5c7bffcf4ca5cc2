"""Statistics: quantiles on the shared grid, block weights, BH, Hodges-Lehmann ranks,
Mann-Whitney ratios, change points and the block bootstrap's calibration under
autocorrelation (seeded, so every check is deterministic)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omninode_bridge.regression import stats
from omninode_bridge.regression.compare import block_length
from tests.regression.synth import ar1


@pytest.mark.parametrize("q", [0.5, 0.9, 0.95, 0.99], ids=lambda q: f"q{q}")
def test_grid_quantile_matches_numpy(q: float) -> None:
    rng = np.random.default_rng(1)
    raw = np.rint(rng.lognormal(np.log(20_000), 0.6, 50_000)).astype(np.int64)
    values, counts = np.unique(raw, return_counts=True)
    grid, (row,) = stats.common_grid([(values.astype(float), counts.astype(float))])
    got = stats.quantiles_of(row, grid, [q])[0]
    want = np.quantile(raw, q, method="inverted_cdf")
    assert abs(got / want - 1) < 0.003


@given(st.lists(st.integers(1, 10**7), min_size=1, max_size=200))
@settings(max_examples=50, deadline=None)
def test_quantiles_monotonic(samples: list[int]) -> None:
    values, counts = np.unique(np.array(samples), return_counts=True)
    grid, (row,) = stats.common_grid([(values.astype(float), counts.astype(float))])
    q = stats.quantiles_of(row, grid, [0.1, 0.5, 0.9, 0.99, 1.0])
    assert np.all(np.diff(q) >= 0)
    assert q[-1] <= max(samples) * 1.002


@pytest.mark.parametrize(
    ("lengths", "block"),
    [([60], 8), ([10, 3], 4), ([5, 5, 5], 5), ([7], 2)],
    ids=["one-run", "short-second-run", "block-equals-run", "small-blocks"],
)
def test_block_weights_stay_inside_runs(lengths: list[int], block: int) -> None:
    w = stats.block_weights(lengths, 300, block, np.random.default_rng(0))
    assert w.shape == (300, sum(lengths))
    start = 0
    for n in lengths:
        part = w[:, start : start + n].sum(axis=1)
        length = min(block, n)
        assert np.all(part == math.ceil(n / length) * length)  # each run gets its own blocks
        start += n
    assert np.all(w.sum(axis=0) > 0)  # every interval is drawn sometimes


@pytest.mark.parametrize(
    ("pvalues", "alpha", "want"),
    [
        ([0.01, 0.03, 0.035, 0.50], 0.05, [True, True, True, False]),
        ([0.01, 0.02, 0.03, 0.04, 0.05], 0.05, [True] * 5),
        ([0.009, 0.5, 0.6], 0.03, [True, False, False]),
        ([0.02, 0.5, 0.6], 0.03, [False, False, False]),
        ([], 0.05, []),
    ],
    ids=["step-up", "all", "first-only", "none", "empty"],
)
def test_benjamini_hochberg(pvalues: list[float], alpha: float, want: list[bool]) -> None:
    rejected, r = stats.benjamini_hochberg(pvalues, alpha)
    assert rejected == want
    assert r == sum(want)


@pytest.mark.parametrize(
    ("m", "n", "alpha", "k"),
    [(5, 5, 0.05, 3), (8, 8, 0.05, 14), (3, 3, 0.05, 0), (4, 4, 0.05, 1), (10, 10, 0.01, 17)],
    ids=["5x5", "8x8", "3x3-no-interval", "4x4", "10x10-99pct"],
)
def test_hodges_lehmann_rank_matches_tables(m: int, n: int, alpha: float, k: int) -> None:
    # k = (two-sided Mann-Whitney critical value) + 1, from published tables.
    assert stats.hodges_lehmann_rank(m, n, alpha) == k


@pytest.mark.parametrize(
    ("shift", "want_reg", "want_imp"),
    [(1.0, False, False), (1.35, True, False), (0.70, False, True)],
    ids=["same", "slower-35pct", "faster-30pct"],
)
def test_mann_whitney_ratio(shift: float, want_reg: bool, want_imp: bool) -> None:
    rng = np.random.default_rng(7)
    base = 20 * np.exp(rng.normal(0, 0.02, 8))
    cur = 20 * shift * np.exp(rng.normal(0, 0.02, 8))
    est = stats.mann_whitney_ratio(base, cur, 1, 0.10, 0.95)
    assert est.low <= shift * 1.05 and est.high >= shift * 0.95
    assert (est.p_regression < 0.05) is want_reg
    assert (est.p_improvement < 0.05) is want_imp


def test_change_points_find_the_step() -> None:
    rng = np.random.default_rng(3)
    series = np.concatenate([rng.normal(20, 0.5, 25), rng.normal(23, 0.5, 15)])
    assert stats.change_points(series) == [25]


def test_change_points_quiet_on_noise() -> None:
    rng = np.random.default_rng(4)
    assert stats.change_points(rng.normal(20, 1.0, 40)) == []


@pytest.mark.parametrize(
    ("se", "want"),
    [(0.0, 0.10), (0.02, 0.1663), (math.nan, math.inf)],
    ids=["exact", "se2pct", "nan"],
)
def test_minimum_detectable_effect(se: float, want: float) -> None:
    got = stats.minimum_detectable_effect(se, 0.10, 0.05, 0.9)
    assert got == pytest.approx(want, rel=1e-3)


def _run(rng: np.random.Generator, rho: float, seconds: int = 60, rate: int = 200) -> stats.Run:
    drift = np.exp(ar1(rng, seconds, rho, 0.08))
    lat = 20_000 * drift[:, None] * np.exp(rng.normal(0, 0.4, (seconds, rate)))
    edges = np.exp(np.arange(np.log(1000), np.log(1e6), 0.002))
    counts = np.stack([np.histogram(row, edges)[0] for row in lat]).astype(float)
    ones = np.ones(seconds)
    return stats.Run(counts, ones * rate, ones * 0, ones), edges[:-1]  # type: ignore[return-value]


def _coverage(rho: float, block: int | None, pairs: int = 40) -> float:
    """Share of A/A pairs whose one-sided 95 % bounds both hold (low ≤ 1 and high ≥ 1
    count separately, so the nominal value is 95 %)."""
    rng = np.random.default_rng(11)
    held = 0
    for _ in range(pairs):
        (a, grid), (b, _) = _run(rng, rho), _run(rng, rho)
        length = block or block_length([a, b], grid, [0.5, 0.95])
        sa = stats.side_stats([a], grid, [0.5], 300, length, rng)
        sb = stats.side_stats([b], grid, [0.5], 300, length, rng)
        logs = np.log(sb.quantiles[:, 0] / sa.quantiles[:, 0])
        est = stats.ratio_from_replicates(logs, 1, 0.1, 0.95)
        held += int(est.low <= 1) + int(est.high >= 1)
    return held / (2 * pairs)


@pytest.mark.parametrize(
    ("rho", "at_least"),
    [(0.0, 0.9), (0.6, 0.85), (0.8, 0.82)],
    ids=["independent", "autocorrelated", "strongly-autocorrelated"],
)
def test_block_bootstrap_bound_coverage(rho: float, at_least: float) -> None:
    """A/A pairs: how often each one-sided 95 % bound of the p50 ratio holds, with the
    automatic block length. Measured (40 pairs): 96 % independent, 91 % at AR(1) rho = 0.6,
    89 % at rho = 0.8 (block bootstraps under-cover with few blocks: docs/regression.md)."""
    assert _coverage(rho, None) >= at_least


def test_blocks_beat_single_seconds_under_autocorrelation() -> None:
    """Resampling single seconds (i.i.d.) ignores the autocorrelation and covers less
    (measured: 74 % against 89 % at rho = 0.8)."""
    assert _coverage(0.8, 1) <= _coverage(0.8, None) - 0.08


@pytest.mark.parametrize(
    ("rho", "low", "high"),
    [(0.0, 1.0, 3.0), (0.5, 2.0, 8.0), (0.9, 5.0, 40.0)],
    ids=["white-noise", "ar1-0.5", "ar1-0.9"],
)
def test_auto_block_length_grows_with_autocorrelation(rho: float, low: float, high: float) -> None:
    rng = np.random.default_rng(5)
    lengths = [stats.auto_block_length(ar1(rng, 120, rho, 1.0)) for _ in range(20)]
    assert low <= float(np.median(lengths)) <= high


@pytest.mark.parametrize("series", [[1.0] * 30, [1.0, 2.0, 3.0]], ids=["constant", "too-short"])
def test_auto_block_length_degenerate(series: list[float]) -> None:
    assert stats.auto_block_length(np.array(series)) == 1.0
