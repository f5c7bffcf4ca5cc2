"""Seeded synthetic results documents for the regression tests and benchmark.

Latency per request is lognormal around ``median_ms``; each one-second interval gets a
multiplicative AR(1) factor (within-run autocorrelation) and each run a factor of its own
(between-run variance). Histograms are built with the real ``Histogram`` and encoded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from omninode_bridge.metrics.histogram import Histogram


def ar1(rng: np.random.Generator, n: int, rho: float, sd: float) -> np.ndarray:
    """Stationary AR(1) series with marginal standard deviation ``sd``."""
    out = np.empty(n)
    out[0] = rng.normal(0, sd)
    innov = sd * np.sqrt(1 - rho**2)
    for i in range(1, n):
        out[i] = rho * out[i - 1] + rng.normal(0, innov)
    return out


def make_result(
    seed: int,
    *,
    name: str = "api_load",
    seconds: int = 60,
    rate: int = 200,
    median_ms: float = 20.0,
    sigma: float = 0.5,
    slowdown: float = 1.0,
    rho: float = 0.6,
    interval_sd: float = 0.05,
    run_sd: float = 0.02,
    error_rate: float = 0.0,
    endpoints: tuple[str, ...] = (),
    valid: bool = True,
) -> dict[str, Any]:
    """One TestResult dict with ``seconds`` intervals of ``rate`` requests each."""
    rng = np.random.default_rng(seed)
    run_factor = np.exp(rng.normal(0, run_sd))
    drift = np.exp(ar1(rng, seconds, rho, interval_sd))
    intervals = []
    whole = Histogram()
    for t in range(seconds):
        lat_ms = median_ms * slowdown * run_factor * drift[t] * np.exp(rng.normal(0, sigma, rate))
        errors = int(rng.binomial(rate, error_rate)) if error_rate else 0
        intervals.append(_interval(t, lat_ms, errors, endpoints, rng))
        whole.record_many(np.maximum(1, np.rint(lat_ms * 1000)).astype(np.int64))
    return {
        "test_name": name,
        "test_type": "load",
        "duration": float(seconds),
        "success": True,
        "errors": [],
        "recommendations": [],
        "valid": valid,
        "invalid_reasons": [] if valid else ["generator could not keep its schedule"],
        "aborted": False,
        "model": "open",
        "started_at": "2024-01-01T00:00:00Z",
        "metrics": {
            "throughput": float(rate),
            "error_rate": 0.0,
            "response_time_count": rate * seconds,
            "hdr": {"latency": whole.encode()},
        },
        "intervals": intervals,
    }


def _interval(
    t: int, lat_ms: np.ndarray, errors: int, endpoints: tuple[str, ...], rng: np.random.Generator
) -> dict[str, Any]:
    us = np.maximum(1, np.rint(lat_ms * 1000)).astype(np.int64)
    h = Histogram()
    h.record_many(us)
    iv: dict[str, Any] = {
        "t": t, "duration_s": 1.0, "requests": int(us.size), "errors": errors,
        "hdr": {"latency": h.encode()},
    }  # fmt: skip
    if endpoints:
        which = rng.integers(0, len(endpoints), us.size)
        iv["endpoints"] = {}
        for k, ep in enumerate(endpoints):
            he = Histogram()
            he.record_many(us[which == k])
            iv["endpoints"][ep] = {"requests": int((which == k).sum()), "errors": 0,
                                   "hdr": he.encode()}  # fmt: skip
    return iv


def suite(
    tests: list[dict[str, Any]], name: str = "basic_load", ts: str = "20240101_000000"
) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "suite_name": name,
        "timestamp": f"{ts[:4]}-{ts[4:6]}-{ts[6:8]}T{ts[9:11]}:{ts[11:13]}:{ts[13:15]}Z",
        "status": "completed",
        "valid": all(t.get("valid", True) for t in tests),
        "summary": {"total_tests": len(tests)},
        "test_results": tests,
        "overall_recommendations": [],
    }
