from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from omninode_bridge.analysis.spike import analyze_spike
from tests.analysis._synth import bin_requests

PRE, SPIKE, POST = 6.0, 3.0, 12.0


def spike_run(
    recovery_s: float | None, seed: int = 0, error_rate: float = 0.0, degraded_ms: float = 100.0
) -> list[dict[str, Any]]:
    """Poisson arrivals (50/s, 300/s during the spike); degraded from the spike's start
    until ``recovery_s`` after its end (None = never), then normal (~2 ms, noisy)."""
    rng = np.random.default_rng(seed)
    total = PRE + SPIKE + POST

    def rate(t: float) -> float:
        return 300.0 if PRE <= t < PRE + SPIKE else 50.0

    candidates = np.sort(rng.uniform(0, total, rng.poisson(300 * total)))
    starts = candidates[rng.uniform(0, 300, len(candidates)) < np.vectorize(rate)(candidates)]
    end = np.inf if recovery_s is None else PRE + SPIKE + recovery_s
    degraded = (starts >= PRE) & (starts < end)
    latency = rng.gamma(4.0, 0.5, len(starts))  # ~2 ms with a tail
    latency[degraded] += degraded_ms * rng.uniform(0.8, 1.2, degraded.sum())
    failed = degraded & (rng.uniform(size=len(starts)) < error_rate)
    return bin_requests(starts, latency, failed, int(total), rate)


@pytest.mark.parametrize("truth", [0.0, 0.3, 1.7, 2.5, 4.2, 6.0], ids=lambda t: f"recovers-{t}s")
@pytest.mark.parametrize("seed", [1, 2], ids=lambda s: f"seed{s}")
def test_recovery_time_is_sub_second_accurate(truth: float, seed: int) -> None:
    result = analyze_spike(spike_run(truth, seed), PRE, PRE + SPIKE)
    assert result["recovered"] is True
    assert result["recovery_time_s"] == pytest.approx(truth, abs=0.35)
    assert result["peak_p95"] > 80
    assert result["pre_p95"] < 10


@pytest.mark.parametrize("truth", [1.2, 3.6], ids=lambda t: f"errors-{t}s")
def test_recovery_from_errors_only(truth: float) -> None:
    run = spike_run(truth, seed=4, error_rate=0.5, degraded_ms=0.0)
    result = analyze_spike(run, PRE, PRE + SPIKE)
    assert result["peak_error_rate"] == pytest.approx(0.5, abs=0.15)
    assert result["recovery_time_s"] == pytest.approx(truth, abs=0.35)


def test_never_recovering_is_reported() -> None:
    result = analyze_spike(spike_run(None, seed=5), PRE, PRE + SPIKE)
    assert result["recovered"] is False
    assert result["recovery_time_s"] is None
    assert result["peak_p99"] >= result["peak_p95"] > 80


def test_recovery_right_at_the_end_is_not_confirmed() -> None:
    result = analyze_spike(spike_run(POST - 1.5, seed=6), PRE, PRE + SPIKE)
    assert result["recovered"] is False  # fewer than 3 good intervals left to confirm it


def test_no_pre_spike_data_cannot_recover() -> None:
    result = analyze_spike(spike_run(1.0)[6:], PRE, PRE + SPIKE)
    assert result["pre_p95"] is None and result["recovered"] is False
