"""Intelligence criteria verdicts and recommendations."""

from __future__ import annotations

from typing import Any

import pytest

from omninode_bridge.config.model import IntelligenceCriteria
from omninode_bridge.scenarios.intel_criteria import CRITERIA, evaluate, recommendations


@pytest.mark.parametrize(
    ("key", "limit", "figure", "actual", "passed"),
    [
        pytest.param(
            "max_pattern_discovery_time",
            5000,
            "avg_pattern_discovery_time",
            1200.0,
            True,
            id="discovery-fast",
        ),
        pytest.param(
            "max_pattern_discovery_time",
            5000,
            "avg_pattern_discovery_time",
            6000.0,
            False,
            id="discovery-slow",
        ),
        pytest.param(
            "max_event_processing_time",
            100,
            "avg_event_processing_time",
            100.0,
            True,
            id="processing-at-limit",
        ),
        pytest.param("min_pattern_recall", 0.8, "recall", 0.0, False, id="recall-zero"),
        pytest.param("min_pattern_recall", 0.8, "recall", 1.0, True, id="recall-full"),
        pytest.param(
            "min_pattern_precision", 0.9, "precision", None, False, id="precision-unmeasured-fails"
        ),
        pytest.param(
            "max_prediction_time_p95", 50, "p95_prediction_time", 12.0, True, id="prediction-p95"
        ),
        pytest.param(
            "min_prediction_accuracy", 0.7, "top1_accuracy", 0.69, False, id="accuracy-low"
        ),
        pytest.param(
            "max_events_to_accuracy",
            500,
            "events_to_target_accuracy",
            None,
            False,
            id="never-reached-fails",
        ),
        pytest.param(
            "max_events_to_accuracy",
            500,
            "events_to_target_accuracy",
            300,
            True,
            id="reached-early",
        ),
    ],
)
def test_each_criterion(key: str, limit: float, figure: str, actual: Any, passed: bool) -> None:
    criteria = IntelligenceCriteria(**{key: limit})
    verdicts = evaluate(criteria, {figure: actual})
    assert verdicts == [
        {
            "name": f"intelligence.{key}",
            "limit": float(limit),
            "actual": actual,
            "passed": passed,
            "op": next(op for k, _, op in CRITERIA if k == key),
        }
    ]


def test_no_criteria_no_verdicts() -> None:
    assert evaluate(None, {"recall": 1.0}) == []
    assert evaluate(IntelligenceCriteria(), {"recall": 1.0}) == []


def test_mapping_criteria_accepted() -> None:
    verdicts = evaluate({"min_pattern_recall": 0.5}, {"recall": 0.4})
    assert [v["passed"] for v in verdicts] == [False]


def test_every_config_field_has_a_criterion() -> None:
    assert {k for k, _, _ in CRITERIA} == set(IntelligenceCriteria.model_fields)


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        pytest.param(
            {"avg_pattern_discovery_time": 6000.0},
            ["Pattern discovery is slow"],
            id="seed-slow-discovery",
        ),
        pytest.param(
            {"avg_event_processing_time": 150.0},
            ["Event processing latency is high"],
            id="seed-slow-processing",
        ),
        pytest.param({"recall": 0.5}, ["never discovered"], id="recall"),
        pytest.param(
            {"avg_pattern_discovery_time": 10.0, "recall": 1.0, "avg_event_processing_time": None},
            [],
            id="healthy",
        ),
    ],
)
def test_recommendations(figures: dict[str, Any], expected: list[str]) -> None:
    got = recommendations(figures)
    assert all(any(e in g for g in got) for e in expected)
    if not expected:
        assert got == []
