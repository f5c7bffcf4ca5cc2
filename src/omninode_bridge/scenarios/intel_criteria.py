"""Verdicts and recommendations of intelligence tests.

Owns the mapping from ``success_criteria.intelligence`` keys to the figures of
``custom_metrics.intelligence`` and the comparison each one makes. Pure: the criteria object
is read by attribute (any object with the config model's field names, or a mapping).

A figure that could not be measured (null) fails its criterion, as the results schema says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# (config key, figure key in custom_metrics.intelligence, op)
CRITERIA: tuple[tuple[str, str, str], ...] = (
    ("max_pattern_discovery_time", "avg_pattern_discovery_time", "<="),
    ("max_event_processing_time", "avg_event_processing_time", "<="),
    ("min_pattern_recall", "recall", ">="),
    ("min_pattern_precision", "precision", ">="),
    ("max_prediction_time_p95", "p95_prediction_time", "<="),
    ("min_prediction_accuracy", "top1_accuracy", ">="),
    ("max_events_to_accuracy", "events_to_target_accuracy", "<="),
)

_OPS = {
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def _limit(criteria: object, key: str) -> float | None:
    value = criteria.get(key) if isinstance(criteria, Mapping) else getattr(criteria, key, None)
    return None if value is None else float(value)


def evaluate(criteria: object | None, figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One ``{name, limit, actual, passed, op}`` per criterion that has a limit set."""
    if criteria is None:
        return []
    verdicts: list[dict[str, Any]] = []
    for key, figure, op in CRITERIA:
        limit = _limit(criteria, key)
        if limit is None:
            continue
        actual = figures.get(figure)
        passed = actual is not None and bool(_OPS[op](float(actual), limit))
        verdicts.append(
            {
                "name": f"intelligence.{key}",
                "limit": limit,
                "actual": actual,
                "passed": passed,
                "op": op,
            }
        )
    return verdicts


# (figure, op, threshold, recommendations): the seed's two rules first, then ours.
RULES: tuple[tuple[str, str, float, tuple[str, ...]], ...] = (
    (
        "avg_pattern_discovery_time",
        ">",
        5000.0,
        (
            "Pattern discovery is slow - optimize algorithms",
            "Consider preprocessing and caching of patterns",
        ),
    ),
    (
        "avg_event_processing_time",
        ">",
        100.0,
        (
            "Event processing latency is high - optimize pipeline",
            "Consider batch processing for non-critical events",
        ),
    ),
    (
        "recall",
        "<",
        1.0,
        ("Some injected patterns were never discovered - check discovery support thresholds",),
    ),
    (
        "top1_accuracy",
        "<",
        0.5,
        ("Prediction accuracy is low - check that ingested events reach the prediction model",),
    ),
)


def recommendations(figures: Mapping[str, Any]) -> list[str]:
    """The seed's intelligence recommendations (plus recall/accuracy ones) for these figures."""
    out: list[str] = []
    for figure, op, threshold, texts in RULES:
        value = figures.get(figure)
        if value is None:
            continue
        if (op == ">" and value > threshold) or (op == "<" and value < threshold):
            out.extend(texts)
    return out
