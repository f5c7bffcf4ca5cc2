"""Recommendations: the seed's rules (exact strings and thresholds), rules driven by the
data (each citing the number it rests on), and the suite-wide top 10 by frequency."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from omninode_bridge.analysis.windows import dig, num

Metrics = Mapping[str, Any]

GENERATOR_BUSY_PERCENT = 85.0


def _p95(metrics: Metrics) -> float:
    value = num(dig(metrics, "custom_metrics", "response_time_stats", "p95"))
    return value if value is not None else num(dig(metrics, "latency_ms", "p95")) or 0.0


def _custom(metrics: Metrics, *path: str) -> float:
    return num(dig(metrics, "custom_metrics", *path)) or 0.0


def seed_recommendations(target_rps: float | None, metrics: Metrics) -> list[str]:
    """The seed's ``_generate_recommendations`` rules, in its order and wording."""
    out: list[str] = []
    p95 = _p95(metrics)
    if p95 > 1000:
        out += [
            "Consider implementing caching to reduce response times",
            "Review database query performance and add indexes",
        ]
    if p95 > 500:
        out += [
            "Optimize API endpoint performance",
            "Consider connection pooling for external services",
        ]
    if (num(metrics.get("error_rate")) or 0.0) > 0.01:
        out += [
            "Investigate and fix errors to improve reliability",
            "Implement circuit breakers for external dependencies",
        ]
    if _custom(metrics, "cpu_stats", "max") > 80:
        out += [
            "High CPU usage detected - consider scaling horizontally",
            "Profile application for CPU bottlenecks",
        ]
    if _custom(metrics, "memory_stats", "max") > 80:
        out += [
            "High memory usage detected - check for memory leaks",
            "Consider implementing memory-efficient algorithms",
        ]
    if (num(metrics.get("throughput")) or 0.0) < (target_rps or 0) * 0.8:
        out += [
            "Throughput below target - investigate bottlenecks",
            "Consider async processing for non-critical operations",
        ]
    return out + _intelligence(metrics)


def _intelligence(metrics: Metrics) -> list[str]:
    out: list[str] = []
    if _custom(metrics, "intelligence", "avg_pattern_discovery_time") > 5000:
        out += [
            "Pattern discovery is slow - optimize algorithms",
            "Consider preprocessing and caching of patterns",
        ]
    if _custom(metrics, "intelligence", "avg_event_processing_time") > 100:
        out += [
            "Event processing latency is high - optimize pipeline",
            "Consider batch processing for non-critical events",
        ]
    return out


# --- data-driven rules -------------------------------------------------------------------


def _stress(metrics: Metrics) -> list[str]:
    stress = dig(metrics, "custom_metrics", "stress")
    if not isinstance(stress, Mapping):
        return []
    out = []
    knee, breaking = num(stress.get("knee_rps")), num(stress.get("breaking_point_rps"))
    limits = stress.get("limits") or {}
    p95_limit = num(limits.get("max_response_time_p95")) if isinstance(limits, Mapping) else None
    at = f" at p95 < {p95_limit:g} ms" if p95_limit is not None else ""
    if knee is not None and breaking is not None:
        out.append(
            f"latency rises steeply above {knee:.0f} req/s; "
            f"capacity is about {breaking:.0f} req/s{at}"
        )
    elif breaking is not None and stress.get("broke"):
        out.append(f"capacity is about {breaking:.0f} req/s{at}")
    elif breaking is not None:
        out.append(f"no breaking point up to {breaking:.0f} req/s: raise max_rps to find it")
    if stress.get("first_failing_criterion"):
        out.append(
            f"first criterion to fail under rising load: {stress['first_failing_criterion']}"
        )
    return out


def _spike(metrics: Metrics) -> list[str]:
    spike = dig(metrics, "custom_metrics", "spike")
    if not isinstance(spike, Mapping):
        return []
    peak, pre = num(spike.get("peak_p95")), num(spike.get("pre_p95"))
    if spike.get("recovered") is False and pre is not None:
        post = num(spike.get("post_duration_s")) or 0.0
        return [
            f"service did not recover within {post:.0f} s after the spike "
            f"(peak p95 {peak or 0:.0f} ms vs {pre:.0f} ms before): check overload handling"
        ]
    recovery = num(spike.get("recovery_time_s"))
    if recovery is not None and recovery > 5:
        return [f"recovery after the spike took {recovery:.1f} s: shed load or scale faster"]
    return []


def _endurance(metrics: Metrics) -> list[str]:
    end = dig(metrics, "custom_metrics", "endurance")
    if not isinstance(end, Mapping):
        return []
    out = []
    mbh, mbh_ci = num(end.get("memory_growth_mb_per_hour")), end.get("memory_growth_mb_per_hour_ci")
    if end.get("leak_suspected") and mbh is not None and mbh_ci:
        out.append(
            f"service RSS grows {mbh:.0f} MB/h (CI {mbh_ci[0]:.0f}-{mbh_ci[1]:.0f}): likely leak"
        )
    drift, ci = num(end.get("latency_drift_ms_per_hour")), end.get("latency_drift_ms_per_hour_ci")
    if drift is not None and ci and ci[0] > 0 and drift > 1:
        out.append(
            f"p95 latency drifts up {drift:.1f} ms/h (CI {ci[0]:.1f}-{ci[1]:.1f}): "
            "look for growing queues, caches or tables"
        )
    return out


def _generator(metrics: Metrics, invalid_reasons: Sequence[str]) -> list[str]:
    cpu = num(metrics.get("generator_cpu_percent"))
    if cpu is not None and cpu > GENERATOR_BUSY_PERCENT:
        return [
            f"the generator was the bottleneck: add --workers (generator CPU {cpu:.0f}% of a core)"
        ]
    lag = num(dig(metrics, "send_lag_us", "p99"))
    if lag is not None and any("schedule" in r or "send lag" in r for r in invalid_reasons):
        return [
            f"the generator fell behind its schedule (send lag p99 {lag / 1000:.1f} ms): "
            "add --workers or run it on a less busy machine"
        ]
    if any("generator" in r for r in invalid_reasons):
        return ["the generator was the bottleneck: add --workers"]
    return []


def _dropped(metrics: Metrics) -> list[str]:
    dropped, offered = num(metrics.get("dropped")) or 0.0, num(metrics.get("offered")) or 0.0
    if dropped > 0 and offered:
        return [
            f"{dropped:.0f} of {offered:.0f} scheduled requests ({dropped / offered:.1%}) "
            "got no connection slot in time: raise --connections"
        ]
    return []


def _errors(metrics: Metrics) -> list[str]:
    kinds = metrics.get("errors_by_kind")
    requests = num(metrics.get("requests")) or 0.0
    if not isinstance(kinds, Mapping) or not requests:
        return []
    out = []
    for kind in ("timeout", "connect", "reset"):
        count = num(kinds.get(kind)) or 0.0
        if count / requests > 0.01:
            out.append(f"{count:.0f} {kind} errors ({count / requests:.1%} of requests)")
    return out


def _cpu(metrics: Metrics) -> list[str]:
    cpu, rps = _custom(metrics, "cpu_stats", "max"), num(metrics.get("throughput"))
    if cpu >= 95 and rps:
        return [f"service CPU peaked at {cpu:.0f}% of a core at {rps:.0f} req/s: it is CPU-bound"]
    return []


RULES: tuple[Callable[[Metrics], list[str]], ...] = (
    _stress,
    _spike,
    _endurance,
    _dropped,
    _errors,
    _cpu,
)


def data_recommendations(
    test_type: str, metrics: Metrics, invalid_reasons: Sequence[str]
) -> list[str]:
    """Rules driven by the measured data; each message cites the figure it rests on.

    ``test_type`` is accepted for rules specific to a type; today each rule keys on the
    ``custom_metrics`` section its type writes, so it applies whatever the type.
    """
    del test_type
    out = _generator(metrics, invalid_reasons)
    for rule in RULES:
        out += rule(metrics)
    return out


def overall_recommendations(per_test: Sequence[Sequence[str]], top: int = 10) -> list[str]:
    """The seed's rule: the ``top`` most frequent recommendations (first seen wins ties)."""
    counts = Counter(rec for recs in per_test for rec in recs)
    return [rec for rec, _ in sorted(counts.items(), key=lambda kv: kv[1], reverse=True)[:top]]


__all__ = ["data_recommendations", "overall_recommendations", "seed_recommendations"]
