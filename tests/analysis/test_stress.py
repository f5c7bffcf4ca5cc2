from __future__ import annotations

import heapq
from typing import Any

import numpy as np
import pytest

from omninode_bridge.analysis.stress import analyze_stress
from tests.analysis._synth import interval


def ramp_arrivals(start: float, end: float, seconds: float, poisson: bool, seed: int) -> np.ndarray:
    """Arrival times of a linear ramp, exact integral (deterministic) or Poisson-thinned."""
    slope = (end - start) / seconds
    if not poisson:
        total = int(start * seconds + slope * seconds**2 / 2)
        n = np.arange(total) + 0.5  # invert the integral of the rate
        return (-start + np.sqrt(start**2 + 2 * slope * n)) / slope
    rng = np.random.default_rng(seed)
    candidates = np.sort(rng.uniform(0, seconds, rng.poisson(end * seconds)))
    keep = rng.uniform(0, end, len(candidates)) < start + slope * candidates
    return candidates[keep]


def serve(arrivals: np.ndarray, servers: int, service_s: float) -> np.ndarray:
    """Completion times of a FIFO queue in front of ``servers`` fixed-time servers."""
    free = [0.0] * servers
    done = np.empty_like(arrivals)
    for k, t in enumerate(arrivals):
        begin = max(t, heapq.heappop(free))
        done[k] = begin + service_s
        heapq.heappush(free, done[k])
    return done


def stress_intervals(
    capacity_servers: int, service_s: float, start: float, end: float, seconds: int,
    poisson: bool = False, seed: int = 0,
) -> list[dict[str, Any]]:  # fmt: skip
    arrivals = ramp_arrivals(start, end, seconds, poisson, seed)
    done = serve(arrivals, capacity_servers, service_s)
    latency = (done - arrivals) * 1000
    out = []
    for t in range(seconds):
        sel = (arrivals >= t) & (arrivals < t + 1)
        completed = int(((done >= t) & (done < t + 1)).sum())
        target = start + (end - start) * (t + 0.5) / seconds
        out.append(interval(t, latency[sel], target_rps=target, achieved_rps=completed))
    return out


CASES = [
    ("deterministic-p95-100ms", False, 100.0),
    ("poisson-p95-100ms", True, 100.0),
    ("deterministic-p95-250ms", False, 250.0),
    ("poisson-p99-250ms", True, 250.0),
]


@pytest.mark.parametrize(
    ("poisson", "p95_limit"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_breaking_point_near_known_capacity(poisson: bool, p95_limit: float) -> None:
    capacity = 4 / 0.020  # 4 slots x 20 ms = 200 req/s
    intervals = stress_intervals(4, 0.020, 50, 350, 45, poisson=poisson, seed=3)
    criteria = {"max_response_time_p95": p95_limit, "max_error_rate": 0.05, "min_throughput": 80}
    result = analyze_stress(intervals, criteria, window_s=5)
    assert result["breaking_point_rps"] == pytest.approx(capacity, rel=0.10)
    assert result["first_failing_criterion"] == "max_response_time_p95"
    assert result["broke"] is True
    assert result["knee_rps"] == pytest.approx(capacity / 0.9, rel=0.12)
    assert result["max_achieved_rps"] == pytest.approx(capacity, rel=0.05)


def test_steps_table_and_no_break_below_capacity() -> None:
    intervals = stress_intervals(4, 0.020, 20, 150, 30)
    result = analyze_stress(intervals, {"max_response_time_p95": 100}, window_s=5)
    assert result["broke"] is False and result["first_failing_criterion"] is None
    assert result["knee_rps"] is None
    assert result["breaking_point_rps"] == pytest.approx(139, abs=3)  # highest window mean
    assert len(result["steps"]) == 6
    assert all(step["passed"] for step in result["steps"])
    offered = [step["offered_rps"] for step in result["steps"]]
    assert offered == sorted(offered)
    assert all(step["p95"] == pytest.approx(20.0, abs=0.5) for step in result["steps"])


def test_error_criterion_breaks_and_transient_failure_is_not_the_break() -> None:
    base = stress_intervals(4, 0.010, 50, 300, 40)  # capacity 400: latency never breaks
    for k, iv in enumerate(base):
        if k == 5:  # a transient blip early on
            iv["errors"] = iv["requests"]
        if iv["target_rps"] > 250:
            iv["errors"] = iv["requests"] // 5
    result = analyze_stress(base, {"max_error_rate": 0.05}, window_s=5)
    assert result["first_failing_criterion"] == "max_error_rate"
    assert result["breaking_point_rps"] == pytest.approx(235, abs=10)


def test_cpu_of_service_is_a_window_criterion() -> None:
    intervals = stress_intervals(4, 0.010, 50, 300, 40)
    for iv in intervals:
        iv["resources"] = {"cpu_percent": iv["target_rps"] / 3}
    result = analyze_stress(intervals, {"max_cpu_usage": 80}, window_s=5)
    assert result["first_failing_criterion"] == "max_cpu_usage"
    assert result["breaking_point_rps"] == pytest.approx(230, abs=12)
