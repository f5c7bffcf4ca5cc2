"""Endurance analysis: latency drift, error-rate trend and memory growth of the service.

Every trend is a regression over the whole post-warm-up series (never first vs last
sample) with a Newey-West 95% CI (see ``trend.py``). Slopes are per hour; ``_ci`` fields
are ``[lo, hi]``. A leak is suspected when the RSS slope's CI excludes zero **and** the
growth is material: at least ``material_percent`` of the post-warm-up baseline and at
least ``material_mb`` over the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from omninode_bridge.analysis.trend import Trend, hac_trend
from omninode_bridge.analysis.windows import dig, duration_s, failures, num, start_s

HOUR_S = 3600.0


def _series(points: Sequence[tuple[float, float | None]]) -> tuple[list[float], list[float]]:
    known = [(x, y) for x, y in points if y is not None]
    return [x / HOUR_S for x, _ in known], [y for _, y in known]


def _fit(points: Sequence[tuple[float, float | None]]) -> Trend | None:
    return hac_trend(*_series(points))


def _ci(trend: Trend | None, scale: float = 1.0) -> list[float] | None:
    return None if trend is None else [trend.lo * scale, trend.hi * scale]


def _latency_points(intervals: Sequence[Mapping[str, Any]]) -> list[tuple[float, float | None]]:
    return [(start_s(i) + duration_s(i) / 2, num(dig(i, "latency_ms", "p95"))) for i in intervals]


def _error_points(intervals: Sequence[Mapping[str, Any]]) -> list[tuple[float, float | None]]:
    points: list[tuple[float, float | None]] = []
    for interval in intervals:
        failed, attempted = failures(interval)
        if attempted:
            points.append((start_s(interval) + duration_s(interval) / 2, failed / attempted))
    return points


def _memory_points(samples: Sequence[Mapping[str, Any]]) -> list[tuple[float, float | None]]:
    return [(num(s.get("t")) or 0.0, num(s.get("rss_mb"))) for s in samples]


def memory_growth(
    samples: Sequence[Mapping[str, Any]],
) -> tuple[Trend | None, float | None, float | None, float]:
    """(MB/h trend, baseline MB, growth %, span s) of ``samples`` (``t`` s, ``rss_mb``)."""
    hours, rss = _series(_memory_points(samples))
    trend = hac_trend(hours, rss)
    if trend is None:
        return None, None, None, 0.0
    base = trend.at(hours[0])
    span_h = hours[-1] - hours[0]
    percent = trend.slope * span_h / base * 100 if base > 0 else None
    return trend, base, percent, span_h * HOUR_S


def growth_from_samples(samples: Sequence[Mapping[str, Any]]) -> float | None:
    """Memory growth in percent over ``samples``, from the regression line."""
    return memory_growth(samples)[2]


def _memory_fields(
    samples: Sequence[Mapping[str, Any]], material_percent: float, material_mb: float
) -> dict[str, Any]:
    trend, base, percent, span_s = memory_growth(samples)
    if trend is None or base is None or base <= 0:
        return {
            "memory_growth_percent": None,
            "memory_growth_percent_ci": None,
            "memory_growth_mb_per_hour": None,
            "memory_growth_mb_per_hour_ci": None,
            "memory_baseline_mb": None,
            "leak_suspected": False,
        }
    to_percent = span_s / HOUR_S / base * 100
    grown_mb = trend.slope * span_s / HOUR_S
    material = (percent or 0.0) >= material_percent and grown_mb >= material_mb
    return {
        "memory_growth_percent": percent,
        "memory_growth_percent_ci": _ci(trend, to_percent),
        "memory_growth_mb_per_hour": trend.slope,
        "memory_growth_mb_per_hour_ci": _ci(trend),
        "memory_baseline_mb": base,
        "leak_suspected": bool(trend.lo > 0 and material),
    }


def analyze_endurance(
    intervals: Sequence[Mapping[str, Any]],
    resource_samples: Sequence[Mapping[str, Any]],
    warmup_s: float,
    material_percent: float = 2.0,
    material_mb: float = 1.0,
) -> dict[str, Any]:
    """``custom_metrics.endurance`` from the intervals and resource samples after warm-up."""
    steady = [i for i in intervals if start_s(i) >= warmup_s]
    samples = [s for s in resource_samples if (num(s.get("t")) or 0.0) >= warmup_s]
    drift = _fit(_latency_points(steady))
    errors = _fit(_error_points(steady))
    return {
        "latency_drift_ms_per_hour": None if drift is None else drift.slope,
        "latency_drift_ms_per_hour_ci": _ci(drift),
        "error_rate_trend_per_hour": None if errors is None else errors.slope,
        "error_rate_trend_per_hour_ci": _ci(errors),
        **_memory_fields(samples, material_percent, material_mb),
        "warmup_s": warmup_s,
        "intervals_used": len(steady),
        "samples_used": len(samples),
    }


__all__ = ["analyze_endurance", "growth_from_samples", "memory_growth"]
