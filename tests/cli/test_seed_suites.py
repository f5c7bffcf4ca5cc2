"""Every suite of the seed's example config runs against the embedded reference services
and writes its type's figures into the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.conftest import run_cli

SUITES = {
    # suite: (duration scale, the custom_metrics section its tests must fill)
    "basic_load": (0.03, "response_time_stats"),
    "stress_test": (0.03, "stress"),
    "intelligence_performance": (1.0, "intelligence"),
    "endurance_test": (0.005, "endurance"),
}


@pytest.mark.slow
@pytest.mark.parametrize("suite", list(SUITES))
def test_seed_suite_runs_embedded(tmp_path: Path, suite: str) -> None:
    scale, section = SUITES[suite]
    run = run_cli(
        "run",
        "examples/performance_test_config.yaml",
        "--suite",
        suite,
        "--embedded",
        "--duration-scale",
        str(scale),
        "--recovery-time",
        "0",
        "--output-dir",
        str(tmp_path),
        timeout=280,
    )
    assert run.code in (0, 1, 3), run.stderr
    assert "Traceback" not in run.stderr
    [report] = list(tmp_path.glob(f"performance_report_{suite}_*.json"))
    doc = json.loads(report.read_text())
    assert doc["test_results"], doc
    for result in doc["test_results"]:
        custom = result["metrics"]["custom_metrics"]
        assert custom.get(section), (suite, sorted(custom))
        if result["test_type"] != "intelligence":
            assert result["metrics"]["requests"] > 0
            assert result["intervals"], "per-second intervals are in the report"
            # the service under test (found by its port) was sampled, not the generator
            assert result["resources"] and result["resources"]["source"].startswith("port:")
            assert custom.get("cpu_stats") and custom.get("memory_stats")
