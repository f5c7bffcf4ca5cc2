"""Analysis layer: pure functions over Metrics / Interval dicts (docs/results-schema.md).

Criteria verdicts (seed keys, k6 thresholds, abort rules), recommendations, and the
stress / spike / endurance analyses. No clock, no I/O, no engine imports.
"""

from __future__ import annotations

from omninode_bridge.analysis.criteria import evaluate_success_criteria
from omninode_bridge.analysis.endurance import analyze_endurance
from omninode_bridge.analysis.recommendations import (
    data_recommendations,
    overall_recommendations,
    seed_recommendations,
)
from omninode_bridge.analysis.spike import analyze_spike
from omninode_bridge.analysis.stress import analyze_stress
from omninode_bridge.analysis.thresholds import (
    AbortMonitor,
    AbortRule,
    Threshold,
    ThresholdSyntaxError,
    evaluate_thresholds,
    parse_abort_rule,
    parse_threshold,
    parse_thresholds,
)

__all__ = [
    "AbortMonitor",
    "AbortRule",
    "Threshold",
    "ThresholdSyntaxError",
    "analyze_endurance",
    "analyze_spike",
    "analyze_stress",
    "data_recommendations",
    "evaluate_success_criteria",
    "evaluate_thresholds",
    "overall_recommendations",
    "parse_abort_rule",
    "parse_threshold",
    "parse_thresholds",
    "seed_recommendations",
]
