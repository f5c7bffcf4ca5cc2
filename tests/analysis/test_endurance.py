from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from omninode_bridge.analysis.endurance import analyze_endurance
from omninode_bridge.analysis.trend import hac_trend


def ar1(n: int, phi: float, sigma: float, rng: np.random.Generator) -> np.ndarray:
    noise = np.empty(n)
    noise[0] = rng.normal(0, sigma)
    for k in range(1, n):
        noise[k] = phi * noise[k - 1] + rng.normal(0, sigma)
    return noise


def run(
    seconds: int, p95_drift_ms_per_h: float, mb_per_h: float, seed: int, warm_mb: float = 20.0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Autocorrelated p95 and RSS series; RSS also climbs ``warm_mb`` during warm-up."""
    rng = np.random.default_rng(seed)
    t = np.arange(seconds, dtype=float)
    p95 = 20 + p95_drift_ms_per_h * t / 3600 + ar1(seconds, 0.8, 1.0, rng)
    warm = warm_mb * np.minimum(t / 30, 1.0)
    rss = 80 + warm + mb_per_h * t / 3600 + ar1(seconds, 0.9, 0.15, rng)
    intervals = [
        {"t": s, "duration_s": 1.0, "requests": 50, "errors": 0, "latency_ms": {"p95": p}}
        for s, p in zip(t, p95, strict=True)
    ]
    samples = [{"t": s, "rss_mb": r} for s, r in zip(t, rss, strict=True)]
    return intervals, samples


@pytest.mark.parametrize("seed", range(4), ids=lambda s: f"seed{s}")
def test_leak_rate_is_estimated_and_flagged(seed: int) -> None:
    intervals, samples = run(300, 0.0, 3600.0, seed)  # 1 MB/s
    result = analyze_endurance(intervals, samples, warmup_s=40)
    assert result["memory_growth_mb_per_hour"] == pytest.approx(3600, rel=0.05)
    lo, hi = result["memory_growth_mb_per_hour_ci"]
    assert lo <= 3600 <= hi
    assert result["leak_suspected"] is True
    # baseline at 40 s: 80 + 20 (warm-up) + 40 MB; then 259 MB more over the last 259 s
    assert result["memory_growth_percent"] == pytest.approx(259 / 140 * 100, rel=0.05)


@pytest.mark.parametrize("seed", range(6), ids=lambda s: f"seed{s}")
def test_flat_memory_is_not_flagged_despite_warmup_growth(seed: int) -> None:
    intervals, samples = run(300, 0.0, 0.0, seed)
    result = analyze_endurance(intervals, samples, warmup_s=40)
    assert result["leak_suspected"] is False
    assert abs(result["memory_growth_percent"]) < 2.0


def test_without_warmup_exclusion_the_warmup_ramp_would_mislead() -> None:
    intervals, samples = run(120, 0.0, 0.0, seed=1, warm_mb=20)
    assert analyze_endurance(intervals, samples, warmup_s=0)["memory_growth_mb_per_hour"] > 0
    assert analyze_endurance(intervals, samples, warmup_s=40)["leak_suspected"] is False


def test_latency_drift_ci_covers_truth_and_error_trend() -> None:
    intervals, samples = run(1800, 60.0, 0.0, seed=7)
    for k, iv in enumerate(intervals):
        iv["errors"] = 1 if k % max(2, 50 - k // 40) == 0 else 0
    result = analyze_endurance(intervals, samples, warmup_s=60)
    lo, hi = result["latency_drift_ms_per_hour_ci"]
    assert lo <= 60.0 <= hi and lo > 0
    assert result["error_rate_trend_per_hour"] > 0


def test_newey_west_ci_is_wider_than_naive_on_autocorrelated_noise() -> None:
    rng = np.random.default_rng(0)
    y = ar1(400, 0.9, 1.0, rng)
    x = np.arange(400.0)
    hac = hac_trend(x, y)
    naive = hac_trend(x, y, lags=0)
    assert hac is not None and naive is not None
    assert (hac.hi - hac.lo) > 1.5 * (naive.hi - naive.lo)


def test_too_few_points_gives_nulls() -> None:
    result = analyze_endurance([], [{"t": 0, "rss_mb": 1.0}], warmup_s=0)
    assert result["memory_growth_mb_per_hour"] is None
    assert result["latency_drift_ms_per_hour"] is None
    assert result["leak_suspected"] is False
