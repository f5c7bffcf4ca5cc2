"""The seed's run entry point end to end: interrupts, bad arguments, embedded services."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine.conftest import REPO, Nginx, run_cli

CONFIG = """
performance_testing:
  base_urls:
    web: "{url}"
  test_suites:
    long:
      tests:
        - name: "first"
          type: "load"
          duration: 30
          target_rps: 200
          recovery_time: 0
          endpoints: [{{service: "web", path: "/"}}]
        - name: "never_reached"
          type: "load"
          duration: 30
          target_rps: 200
          endpoints: [{{service: "web", path: "/"}}]
  reporting:
    generate_charts: false
"""


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_interrupt_writes_partial_results(
    nginx: Nginx, tmp_path: Path, signum: int, code: int
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(CONFIG.format(url=nginx.url))
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "omninode_bridge.testing.performance",
            "--config",
            str(config),
            "--suite",
            "long",
            "--output-dir",
            str(out),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    while "elapsed" not in (line := proc.stdout.readline()):
        assert line, "the run ended before any progress"
    time.sleep(1.5)
    proc.send_signal(signum)
    _stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    [report] = list(out.glob("performance_report_long_*.json"))
    doc = json.loads(report.read_text())
    assert doc["status"] == "aborted"
    [result] = doc["test_results"]
    assert result["aborted"] and "interrupted" in result["abort_reason"]
    assert 2 <= len(result["intervals"]) < 10
    assert result["metrics"]["requests"] > 300
    [stream] = list(out.glob("*.first.intervals.jsonl"))
    assert len(stream.read_text().splitlines()) == len(result["intervals"])


@pytest.mark.parametrize(
    "args",
    [
        ("run", "/nonexistent.yaml"),
        ("run", "examples/performance_test_config.yaml", "--suite", "nope"),
        ("run", "examples/performance_test_config.yaml", "--duration-scale", "-1"),
        ("run", "examples/performance_test_config.yaml", "--recovery-time", "soon"),
        ("run", "examples/performance_test_config.yaml"),
        ("load", "http://127.0.0.1:1/", "--rate", "abc"),
        ("load", "http://127.0.0.1:1/", "-d", "ten seconds"),
        ("load", "http://127.0.0.1:1/", "-H", "no-colon"),
        ("load", "ftp://127.0.0.1/", "--rate", "5"),
        ("load", "http://127.0.0.1:1/", "--body", "@/nonexistent/file"),
        ("load",),
        ("no-such-command",),
    ],
    ids=[
        "missing-config",
        "unknown-suite",
        "negative-scale",
        "bad-recovery",
        "suite-needed",
        "bad-rate",
        "bad-duration",
        "bad-header",
        "bad-scheme",
        "missing-body-file",
        "load-without-url",
        "unknown-command",
    ],
)
def test_bad_usage_is_one_line_exit_2(args: tuple[str, ...]) -> None:
    run = run_cli(*args, timeout=60)
    assert run.code == 2, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, run.stderr


def test_unknown_suite_lists_the_suites() -> None:
    run = run_cli("run", "examples/performance_test_config.yaml", "--suite", "nope")
    for suite in ("basic_load", "stress_test", "intelligence_performance", "endurance_test"):
        assert suite in run.stderr


def test_help_texts() -> None:
    for args in (("--help",), ("run", "--help"), ("load", "--help")):
        run = run_cli(*args)
        assert run.code == 0 and "usage:" in run.stdout


@pytest.mark.slow
def test_seed_config_runs_embedded(tmp_path: Path) -> None:
    """The seed's own example config, shortened, against the embedded reference services."""
    run = run_cli(
        "run",
        "examples/performance_test_config.yaml",
        "--suite",
        "basic_load",
        "--embedded",
        "--duration-scale",
        "0.03",
        "--recovery-time",
        "0",
        "--output-dir",
        str(tmp_path),
        timeout=240,
    )
    assert run.code in (0, 1), run.stderr
    [report] = list(tmp_path.glob("performance_report_basic_load_*.json"))
    doc = json.loads(report.read_text())
    assert [r["test_name"] for r in doc["test_results"]] == [
        "hook_receiver_load",
        "tool_proxy_load",
    ]
    for result in doc["test_results"]:
        assert result["valid"], result["invalid_reasons"]
        assert result["metrics"]["requests"] > 0
        assert result["metrics"]["errors_by_kind"] == {}
        for key in ("test_name", "test_type", "duration", "success", "errors", "recommendations"):
            assert key in result
        for key in ("throughput", "error_rate", "response_time_count", "custom_metrics"):
            assert key in result["metrics"]
    assert set(doc["summary"]) >= {
        "total_tests",
        "successful_tests",
        "failed_tests",
        "success_rate",
        "overall_response_time_p95",
        "average_throughput",
        "total_duration",
    }
    assert (tmp_path / report.name.replace("report", "charts").replace(".json", ".png")).exists()
