"""The README's main job: `omninode-perf demo` runs end to end and exits 0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.conftest import run_cli


@pytest.mark.slow
def test_demo_runs_every_test_type_and_writes_every_report(tmp_path: Path) -> None:
    run = run_cli("demo", "--duration-scale", "0.5", "--output-dir", str(tmp_path), timeout=300)
    assert run.code == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    [report] = list(tmp_path.glob("performance_report_demo_*.json"))
    doc = json.loads(report.read_text())
    types = [r["test_type"] for r in doc["test_results"]]
    assert types == ["load", "stress", "spike", "intelligence"]
    for suffix in (".html", ".junit.xml", ".md"):
        assert report.with_suffix(suffix).exists(), suffix
    assert list(tmp_path.glob("performance_charts_demo_*.png"))
    assert list(tmp_path.glob("*_intervals.csv"))
    stress = doc["test_results"][1]["metrics"]["custom_metrics"]["stress"]
    assert stress["steps"]
    intel = doc["test_results"][3]["metrics"]["custom_metrics"]["intelligence"]
    assert intel["avg_pattern_discovery_time"] and intel["avg_pattern_discovery_time"] > 0
    for line in ("Reports:", "json", "html"):
        assert line in run.stdout
