"""The closed model with think time, abort rules, and thresholds, end to end on nginx."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.engine.conftest import Nginx, run_cli

CONFIG = """
performance_testing:
  base_urls: {{web: "{url}"}}
  test_suites:
    s:
      tests:
        - name: "t"
          type: "load"
          recovery_time: 0
          endpoints: [{{service: "web", path: "/"}}]
{extra}
  reporting: {{generate_charts: false}}
"""


def run_suite(nginx: Nginx, tmp_path: Path, extra: str) -> tuple[int, str, dict[str, Any]]:
    config = tmp_path / "c.yaml"
    config.write_text(CONFIG.format(url=nginx.url, extra=extra))
    run = run_cli("run", str(config), "--output-dir", str(tmp_path / "out"))
    reports = list((tmp_path / "out").glob("performance_report_s_*.json"))
    doc = json.loads(reports[0].read_text())["test_results"][0] if reports else {}
    return run.code, run.stderr, doc


def test_closed_model_with_think_time(nginx: Nginx, tmp_path: Path) -> None:
    """10 users, 100 ms think time, 3 s: about 10 / 0.1 = 100 req/s, never more."""
    extra = """          model: "closed"
          concurrency: 10
          think_time: "100ms"
          duration: 3"""
    code, stderr, result = run_suite(nginx, tmp_path, extra)
    assert code == 0, stderr
    assert result["model"] == "closed"
    requests = result["metrics"]["requests"]
    assert 200 <= requests <= 310
    assert result["metrics"]["target_rps"] is None


def test_abort_rule_stops_the_test_and_says_why(nginx: Nginx, tmp_path: Path) -> None:
    extra = """          duration: 20
          target_rps: 100
          abort_on: ["throughput<1000 for 2s"]"""
    code, stderr, result = run_suite(nginx, tmp_path, extra)
    assert code == 1, stderr
    assert result["aborted"] and "abort rule" in result["abort_reason"]
    assert "throughput<1000" in result["abort_reason"]
    assert result["duration"] < 6
    assert not result["success"]


def test_thresholds_are_judged(nginx: Nginx, tmp_path: Path) -> None:
    extra = """          duration: 2
          target_rps: 100
          thresholds:
            latency: ["p(99)<5000", "avg<0.001"]
            error_rate: ["rate<0.01"]"""
    code, stderr, result = run_suite(nginx, tmp_path, extra)
    assert code == 1, stderr
    verdicts = {c["name"]: c["passed"] for c in result["criteria"]}
    assert verdicts == {
        "thresholds.latency[0]": True,
        "thresholds.latency[1]": False,
        "thresholds.error_rate[0]": True,
    }


def test_bad_expressions_are_all_reported_before_anything_runs(
    nginx: Nginx, tmp_path: Path
) -> None:
    extra = """          duration: 2
          target_rps: 10
          thresholds:
            latency: ["p(99)<<300", "avg<"]
          abort_on: ["p95>1000ms for"]"""
    code, stderr, result = run_suite(nginx, tmp_path, extra)
    assert code == 2
    assert not result  # nothing ran
    lines = stderr.strip().splitlines()
    assert len(lines) == 3, stderr
    assert "c.yaml:" in lines[0] and "thresholds.latency[0]" in lines[0]
    assert "position 6" in lines[0]
    assert "abort_on[0]" in lines[2]
    assert "Traceback" not in stderr
