from __future__ import annotations

from typing import Any

import pytest

from omninode_bridge.analysis.criteria import evaluate_success_criteria
from omninode_bridge.errors import UsageError

METRICS: dict[str, Any] = {
    "throughput": 95.0,
    "error_rate": 0.02,
    "latency_ms": {"p50": 12.0, "p95": 180.0, "p99": 450.0},
    "custom_metrics": {
        "cpu_stats": {"mean": 40.0, "max": 91.0, "p95": 80.0},
        "endurance": {"memory_growth_percent": 4.0},
        "intelligence": {"avg_pattern_discovery_time": 1200.0},
    },
}

CASES = [
    ("p95-holds", "max_response_time_p95", 200, "<=", 180.0, True),
    ("p95-fails", "max_response_time_p95", 150, "<=", 180.0, False),
    ("p95-equal-holds", "max_response_time_p95", 180, "<=", 180.0, True),
    ("p99-fails", "max_response_time_p99", 400, "<=", 450.0, False),
    ("p50-holds", "max_response_time_p50", 20, "<=", 12.0, True),
    ("throughput-holds", "min_throughput", 80, ">=", 95.0, True),
    ("throughput-fails", "min_throughput", 100, ">=", 95.0, False),
    ("error-rate-fails", "max_error_rate", 0.01, "<=", 0.02, False),
    ("cpu-of-service-fails", "max_cpu_usage", 90, "<=", 91.0, False),
    ("memory-growth-holds", "max_memory_growth", 10, "<=", 4.0, True),
]


@pytest.mark.parametrize(
    ("name", "limit", "op", "actual", "passed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_seed_criterion(name: str, limit: float, op: str, actual: float, passed: bool) -> None:
    [verdict] = evaluate_success_criteria({name: limit}, METRICS)
    assert verdict == {"name": name, "limit": limit, "actual": actual, "passed": passed, "op": op}


def test_unmeasurable_criterion_fails_with_null_actual() -> None:
    [verdict] = evaluate_success_criteria({"max_cpu_usage": 90}, {"throughput": 1.0})
    assert verdict["actual"] is None
    assert verdict["passed"] is False


def test_seed_response_time_stats_is_a_fallback() -> None:
    metrics = {"custom_metrics": {"response_time_stats": {"p95": 300.0, "median": 5.0}}}
    verdicts = evaluate_success_criteria(
        {"max_response_time_p95": 200, "max_response_time_p50": 10}, metrics
    )
    assert [(v["actual"], v["passed"]) for v in verdicts] == [(300.0, False), (5.0, True)]


def test_memory_growth_falls_back_to_samples() -> None:
    samples = [{"t": t, "rss_mb": 100.0 + 0.5 * t} for t in range(21)]  # 100 → 110 MB
    [verdict] = evaluate_success_criteria({"max_memory_growth": 5}, {}, memory_samples=samples)
    assert verdict["actual"] == pytest.approx(10.0)
    assert verdict["passed"] is False


def test_none_limits_are_skipped_and_order_is_kept() -> None:
    verdicts = evaluate_success_criteria(
        {"max_error_rate": 0.05, "max_cpu_usage": None, "min_throughput": 80}, METRICS
    )
    assert [v["name"] for v in verdicts] == ["max_error_rate", "min_throughput"]


def test_intelligence_criteria_are_nested() -> None:
    criteria = {"intelligence": {"max_pattern_discovery_time": 1000}}
    [verdict] = evaluate_success_criteria(criteria, METRICS)
    assert verdict["name"] == "intelligence.max_pattern_discovery_time"
    assert (verdict["actual"], verdict["passed"]) == (1200.0, False)


def test_unknown_criterion_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"success_criteria\.max_latency"):
        evaluate_success_criteria({"max_latency": 3}, METRICS)
