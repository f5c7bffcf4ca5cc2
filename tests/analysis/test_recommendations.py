from __future__ import annotations

from typing import Any

import pytest

from omninode_bridge.analysis.recommendations import (
    data_recommendations,
    overall_recommendations,
    seed_recommendations,
)

SLOW = "Optimize API endpoint performance"
CACHE = "Consider implementing caching to reduce response times"
ERRORS = "Investigate and fix errors to improve reliability"
CPU = "High CPU usage detected - consider scaling horizontally"
MEMORY = "High memory usage detected - check for memory leaks"
THROUGHPUT = "Throughput below target - investigate bottlenecks"
DISCOVERY = "Pattern discovery is slow - optimize algorithms"
PROCESSING = "Event processing latency is high - optimize pipeline"


def cm(**sections: Any) -> dict[str, Any]:
    return {"custom_metrics": sections}


SEED_CASES = [
    ("all-good", None, {"throughput": 100.0, **cm(response_time_stats={"p95": 100.0})}, []),
    ("p95-600", None, cm(response_time_stats={"p95": 600.0}), [SLOW]),
    ("p95-1500-both", None, cm(response_time_stats={"p95": 1500.0}), [CACHE, SLOW]),
    ("p95-exactly-500-no", None, cm(response_time_stats={"p95": 500.0}), []),
    ("latency-ms-fallback", None, {"latency_ms": {"p95": 700.0}}, [SLOW]),
    ("errors", None, {"error_rate": 0.02}, [ERRORS]),
    ("errors-exactly-1pct-no", None, {"error_rate": 0.01}, []),
    ("cpu", None, cm(cpu_stats={"max": 81.0}), [CPU]),
    ("memory", None, cm(memory_stats={"max": 90.0}), [MEMORY]),
    ("throughput-below-80pct", 100.0, {"throughput": 79.0}, [THROUGHPUT]),
    ("throughput-at-80pct", 100.0, {"throughput": 80.0}, []),
    ("discovery", None, cm(intelligence={"avg_pattern_discovery_time": 6000.0}), [DISCOVERY]),
    ("processing", None, cm(intelligence={"avg_event_processing_time": 150.0}), [PROCESSING]),
]


@pytest.mark.parametrize(
    ("target", "metrics", "firsts"), [c[1:] for c in SEED_CASES], ids=[c[0] for c in SEED_CASES]
)
def test_seed_rules(target: float | None, metrics: dict[str, Any], firsts: list[str]) -> None:
    recs = seed_recommendations(target, metrics)
    assert len(recs) == 2 * len(firsts)  # each seed rule adds two lines
    assert recs[::2] == firsts


DATA_CASES = [
    (
        "stress-capacity",
        "stress",
        cm(
            stress={
                "knee_rps": 780.4,
                "breaking_point_rps": 750.2,
                "broke": True,
                "limits": {"max_response_time_p95": 200},
            }
        ),
        [],
        "latency rises steeply above 780 req/s; capacity is about 750 req/s at p95 < 200 ms",
    ),
    (
        "leak",
        "endurance",
        cm(
            endurance={
                "leak_suspected": True,
                "memory_growth_mb_per_hour": 38.2,
                "memory_growth_mb_per_hour_ci": [30.1, 46.4],
            }
        ),
        [],
        "service RSS grows 38 MB/h (CI 30-46): likely leak",
    ),
    (
        "generator-invalid",
        "load",
        {"generator_cpu_percent": 97.0},
        ["generator CPU 97% of a core exceeds 85%"],
        "the generator was the bottleneck: add --workers (generator CPU 97% of a core)",
    ),
    (
        "no-recovery",
        "spike",
        cm(spike={"recovered": False, "peak_p95": 900.0, "pre_p95": 3.0, "post_duration_s": 20}),
        [],
        "service did not recover within 20 s after the spike (peak p95 900 ms vs 3 ms before)",
    ),
    (
        "dropped",
        "load",
        {"dropped": 50, "offered": 1000},
        [],
        "50 of 1000 scheduled requests (5.0%) got no connection slot in time",
    ),
    (
        "generator-lagging",
        "load",
        {"generator_cpu_percent": 3.0, "send_lag_us": {"p99": 29200}},
        ["the generator could not keep its schedule: send lag p99 29.2 ms (limit 10 ms)"],
        "the generator fell behind its schedule (send lag p99 29.2 ms)",
    ),
    ("timeouts", "load", {"requests": 100, "errors_by_kind": {"timeout": 7}}, [], "7 timeout"),
]


@pytest.mark.parametrize(
    ("test_type", "metrics", "invalid", "expected"),
    [c[1:] for c in DATA_CASES],
    ids=[c[0] for c in DATA_CASES],
)
def test_data_rules_cite_their_numbers(
    test_type: str, metrics: dict[str, Any], invalid: list[str], expected: str
) -> None:
    recs = data_recommendations(test_type, metrics, invalid)
    assert any(rec.startswith(expected) for rec in recs), recs


def test_quiet_data_gives_no_data_recommendations() -> None:
    metrics = {"requests": 100, "dropped": 0, "offered": 100, "generator_cpu_percent": 20.0}
    leak_free = cm(endurance={"leak_suspected": False, "memory_growth_mb_per_hour": 0.3})
    assert data_recommendations("load", {**metrics, **leak_free}, []) == []


def test_overall_is_top_ten_by_frequency_first_seen_wins_ties() -> None:
    per_test = [["a", "b"], ["b", "c"], ["c", "b"], [f"x{i}" for i in range(12)]]
    top = overall_recommendations(per_test)
    assert top[:3] == ["b", "c", "a"]
    assert len(top) == 10
