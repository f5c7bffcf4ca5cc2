"""Synthetic intervals built from simulated per-request data (exact numpy percentiles)."""

from __future__ import annotations

from typing import Any

import numpy as np


def pct(samples: np.ndarray) -> dict[str, float] | None:
    if len(samples) == 0:
        return None
    q = np.percentile(samples, [50, 90, 95, 99, 99.9])
    return {
        "p50": float(q[0]), "p90": float(q[1]), "p95": float(q[2]), "p99": float(q[3]),
        "p999": float(q[4]), "max": float(samples.max()), "min": float(samples.min()),
        "mean": float(samples.mean()), "std": float(samples.std()),
    }  # fmt: skip


def interval(
    t: float, latencies: np.ndarray, errors: int = 0, target_rps: float | None = None,
    achieved_rps: float | None = None, dropped: int = 0, duration_s: float = 1.0,
    **extra: Any,
) -> dict[str, Any]:  # fmt: skip
    requests = len(latencies)
    return {
        "t": t, "duration_s": duration_s, "target_rps": target_rps,
        "offered": requests + dropped, "requests": requests, "ok": requests - errors,
        "errors": errors, "dropped": dropped,
        "achieved_rps": requests / duration_s if achieved_rps is None else achieved_rps,
        "latency_ms": pct(latencies), **extra,
    }  # fmt: skip


def bin_requests(
    starts: np.ndarray, latencies: np.ndarray, failed: np.ndarray, seconds: int,
    rate_of: Any = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """One interval per second, requests binned by their intended start."""
    out = []
    for t in range(seconds):
        sel = (starts >= t) & (starts < t + 1)
        target = None if rate_of is None else float(rate_of(t + 0.5))
        out.append(interval(t, latencies[sel], int(failed[sel].sum()), target))
    return out
