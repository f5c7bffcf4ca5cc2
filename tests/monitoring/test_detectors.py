"""Seed rules and the day-over-day regression test, as pure functions."""

from __future__ import annotations

import numpy as np
import pytest

from omninode_bridge.monitoring.detectors import (
    Limit,
    check_above,
    check_p95_baseline,
    detect_regression,
    endpoint_key,
    improved,
    intelligence_limits,
)

EP = "hook_receiver POST /hooks"

P95 = [
    ("above-1.5x", 16.0, 10.0, True),
    ("exactly-1.5x", 15.0, 10.0, False),
    ("below", 12.0, 10.0, False),
    ("no-baseline", 500.0, 0.0, False),
    ("nan-no-traffic", float("nan"), 10.0, False),
]


@pytest.mark.parametrize(("p95", "base", "fires"), [c[1:] for c in P95], ids=[c[0] for c in P95])
def test_p95_against_baseline(p95: float, base: float, fires: bool) -> None:
    found = check_p95_baseline({EP: p95}, {EP: base}, 1.5)
    assert bool(found) is fires
    if fires:
        labels = found[0].labels()
        assert labels | {"endpoint": EP} == labels
        assert (labels["severity"], labels["service"], labels["metric"]) == (
            "warning", "hook_receiver", "p95_response_time",
        )  # fmt: skip


DISCOVERY, PROCESSING = intelligence_limits(10.0, 1.0)
SEED = [
    ("discovery-11s-warning", DISCOVERY, 11, "warning"),
    ("discovery-9s-ok", DISCOVERY, 9, None),
    ("processing-1.2s-critical", PROCESSING, 1.2, "critical"),
    ("processing-1s-ok", PROCESSING, 1.0, None),
]


@pytest.mark.parametrize(("rule", "value", "sev"), [c[1:] for c in SEED], ids=[c[0] for c in SEED])
def test_seed_intelligence_rules(rule: Limit, value: float, sev: str | None) -> None:
    found = check_above({"hook_receiver": value}, rule)
    assert [f.severity for f in found] == ([sev] if sev else [])


def _samples(seed: int, scale: float, n: int = 288) -> list[float]:
    return list(np.random.default_rng(seed).lognormal(np.log(50), 0.3, n) * scale)


REG = [
    ("20pct-slower", 1.2, True, True),
    ("unchanged", 1.0, True, False),
    ("5pct-slower-below-threshold", 1.05, True, False),
    ("20pct-faster", 0.8, True, False),
    ("throughput-20pct-lower", 0.8, False, True),
    ("throughput-20pct-higher", 1.2, False, False),
]


@pytest.mark.parametrize(
    ("scale", "higher_is_worse", "found"), [c[1:] for c in REG], ids=[c[0] for c in REG]
)
def test_regression(scale: float, higher_is_worse: bool, found: bool) -> None:
    result = detect_regression(
        EP, "m", _samples(1, 1.0), _samples(2, scale), higher_is_worse=higher_is_worse
    )
    assert (result is not None) is found
    if result is not None:
        assert 10 < result.degradation_percent < 30
        assert result.p_value < 0.05


def test_regression_needs_enough_samples() -> None:
    assert detect_regression(EP, "m", [1.0] * 5, [9.0] * 5) is None


@pytest.mark.parametrize(
    ("current", "baseline", "lower", "expected"),
    [(5, 10, True, True), (15, 10, True, False), (5, None, True, True),
     (15, 10, False, True), (float("nan"), 10, True, False)],
    ids=["faster", "slower", "missing", "more-throughput", "nan"],
)  # fmt: skip
def test_improved(current: float, baseline: float | None, lower: bool, expected: bool) -> None:
    assert improved(current, baseline, lower) is expected


def test_endpoint_key() -> None:
    labels = (("method", "POST"), ("route", "/hooks"), ("service", "hook_receiver"))
    assert endpoint_key(labels) == EP
    assert endpoint_key((("job", "hook_receiver"),)) == "hook_receiver"
