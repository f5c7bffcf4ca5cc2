"""Verdicts on the seed's ``success_criteria`` keys.

Each criterion becomes ``{name, limit, actual, passed, op}`` (results schema, Criterion).
A figure that could not be measured gives ``actual: None, passed: False``: a criterion
nobody could check has not held. ``max_cpu_usage`` and ``max_memory_growth`` refer to the
**service under test** (``custom_metrics.cpu_stats`` / ``endurance``), never the generator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from omninode_bridge.analysis.endurance import growth_from_samples
from omninode_bridge.analysis.windows import dig, num
from omninode_bridge.errors import UsageError

Metrics = Mapping[str, Any]
Extractor = Callable[[Metrics], float | None]

# Keys in ``success_criteria`` that are not seed criteria and are judged elsewhere.
OTHER_KEYS = frozenset({"thresholds", "abort_on"})


def _latency(key: str, seed_key: str) -> Extractor:
    def extract(metrics: Metrics) -> float | None:
        value = num(dig(metrics, "latency_ms", key))
        if value is None:
            value = num(dig(metrics, "custom_metrics", "response_time_stats", seed_key))
        return value

    return extract


def _memory_growth(metrics: Metrics) -> float | None:
    return num(dig(metrics, "custom_metrics", "endurance", "memory_growth_percent"))


SEED_CRITERIA: dict[str, tuple[str, Extractor]] = {
    "max_response_time_p50": ("<=", _latency("p50", "median")),
    "max_response_time_p95": ("<=", _latency("p95", "p95")),
    "max_response_time_p99": ("<=", _latency("p99", "p99")),
    "min_throughput": (">=", lambda m: num(m.get("throughput"))),
    "max_error_rate": ("<=", lambda m: num(m.get("error_rate"))),
    "max_cpu_usage": ("<=", lambda m: num(dig(m, "custom_metrics", "cpu_stats", "max"))),
    "max_memory_growth": ("<=", _memory_growth),
}

# Seed's intelligence criteria: ``success_criteria.intelligence.<key>`` → custom_metrics key.
INTELLIGENCE_CRITERIA: dict[str, str] = {
    "max_pattern_discovery_time": "avg_pattern_discovery_time",
    "max_event_processing_time": "avg_event_processing_time",
    "max_prediction_time": "avg_prediction_time",
    "max_learning_update_time": "avg_learning_update_time",
}


def verdict(name: str, op: str, limit: float, actual: float | None) -> dict[str, Any]:
    """One Criterion dict; ``passed`` is False when ``actual`` is None."""
    checks: dict[str, Callable[[float, float], bool]] = {
        "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
    }
    passed = actual is not None and checks[op](actual, limit)
    return {"name": name, "limit": limit, "actual": actual, "passed": passed, "op": op}


def evaluate_success_criteria(
    criteria: Mapping[str, object],
    metrics: Metrics,
    memory_samples: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One verdict per set criterion, in the config's order (unset/None keys skipped).

    ``memory_samples`` (resource samples with ``t`` and ``rss_mb``) are the fallback for
    ``max_memory_growth`` when the metrics carry no ``custom_metrics.endurance``.
    """
    out: list[dict[str, Any]] = []
    for name, limit in criteria.items():
        if limit is None or name in OTHER_KEYS:
            continue
        if name == "intelligence" and isinstance(limit, Mapping):
            out += _intelligence(limit, metrics)
            continue
        if name not in SEED_CRITERIA or num(limit) is None:
            raise UsageError(f"success_criteria.{name}: unknown criterion or non-numeric limit")
        op, extract = SEED_CRITERIA[name]
        actual = extract(metrics)
        if actual is None and name == "max_memory_growth" and memory_samples:
            actual = growth_from_samples(memory_samples)
        out.append(verdict(name, op, float(limit), actual))  # type: ignore[arg-type]
    return out


def _intelligence(criteria: Mapping[str, Any], metrics: Metrics) -> list[dict[str, Any]]:
    """The seed's intelligence keys; others (recall, accuracy...) are judged by the
    intelligence runner, which measures them."""
    out = []
    for key, limit in criteria.items():
        if limit is None or key not in INTELLIGENCE_CRITERIA or num(limit) is None:
            continue
        field = INTELLIGENCE_CRITERIA[key]
        actual = num(dig(metrics, "custom_metrics", "intelligence", field))
        out.append(verdict(f"intelligence.{key}", "<=", float(limit), actual))
    return out


__all__ = ["SEED_CRITERIA", "evaluate_success_criteria", "verdict"]
