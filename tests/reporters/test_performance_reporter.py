"""The entry points: python -m ...performance_reporter and omninode-perf report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from junitparser import JUnitXml

from omninode_bridge.reporters import synthetic
from omninode_bridge.testing import performance_reporter

MODULE = [sys.executable, "-m", "omninode_bridge.testing.performance_reporter"]


def _run(
    args: list[str], cwd: Path, command: list[str] = MODULE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_seed_command_line_writes_html(results_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "performance_report.html"
    done = _run(
        ["--results-dir", str(results_dir), "--format", "html", "--output", str(out)], tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    assert out.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("fmt", "expect"),
    [
        pytest.param("junit", ["performance_junit.xml"], id="junit"),
        pytest.param("markdown", ["performance_summary.md"], id="markdown"),
        pytest.param("html", ["performance_report.html"], id="html"),
        pytest.param(
            "csv",
            [
                "performance_report_synthetic_20240501_120000_intervals.csv",
                "performance_report_synthetic_20240501_120000_summary.csv",
            ],
            id="csv",
        ),
        pytest.param("png", ["performance_charts_synthetic_20240501_120000.png"], id="png"),
    ],
)
def test_default_outputs_in_the_current_directory(
    results_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    fmt: str,
    expect: list[str],
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert performance_reporter.main(["--results-dir", str(results_dir), "--format", fmt]) == 0
    assert sorted(p.name for p in work.iterdir()) == sorted(expect)
    printed = capsys.readouterr().out.split()
    assert [Path(p).name for p in printed] == expect


def test_omninode_perf_report_subcommand(results_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "j.xml"
    done = _run(
        [
            "report",
            "--results",
            str(next(results_dir.glob("*.json"))),
            "--format",
            "junit",
            "--output",
            str(out),
        ],
        tmp_path,
        [sys.executable, "-m", "omninode_bridge.cli.main"],
    )
    assert done.returncode == 0, done.stderr
    assert len(list(JUnitXml.fromfile(str(out)))) == 1


def test_markdown_to_stdout_and_appended_step_summary(results_dir: Path, tmp_path: Path) -> None:
    done = _run(
        ["--results-dir", str(results_dir), "--format", "markdown", "--output", "-"], tmp_path
    )
    assert done.returncode == 0
    assert done.stdout.startswith("# Performance report")
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n")
    args = [
        "--results-dir",
        str(results_dir),
        "--format",
        "markdown",
        "--output",
        str(summary),
        "--append",
    ]
    assert _run(args, tmp_path).returncode == 0
    assert summary.read_text().startswith("earlier step\n# Performance report")


def test_png_and_csv_for_several_runs_go_to_a_directory(
    tmp_path: Path, small_report: dict[str, Any]
) -> None:
    results = tmp_path / "results"
    synthetic.write_report(results, small_report)
    synthetic.write_report(results, {**small_report, "timestamp": "2024-05-02T09:30:00+00:00"})
    out = tmp_path / "charts"
    assert (
        _run(
            ["--results-dir", str(results), "--format", "png", "--output", str(out)], tmp_path
        ).returncode
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "performance_charts_synthetic_20240501_120000.png",
        "performance_charts_synthetic_20240502_093000.png",
    ]
    latest = _run(
        [
            "--results-dir",
            str(results),
            "--format",
            "csv",
            "--latest",
            "--output",
            str(tmp_path / "csv") + os.sep,
        ],
        tmp_path,
    )
    assert latest.returncode == 0
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "performance_report_synthetic_20240502_093000_intervals.csv",
        "performance_report_synthetic_20240502_093000_summary.csv",
    ]


def test_compare_adds_a_section(results_dir: Path, tmp_path: Path) -> None:
    compare = tmp_path / "regression.json"
    compare.write_text(
        json.dumps(
            {
                "comparisons": [
                    {
                        "test": "hook_receiver_load",
                        "metric": "p99",
                        "ratio": 1.5,
                        "verdict": "REGRESSION",
                    }
                ]
            }
        )
    )
    out = tmp_path / "r.md"
    args = [
        "--results-dir",
        str(results_dir),
        "--format",
        "markdown",
        "--compare",
        str(compare),
        "--output",
        str(out),
    ]
    assert _run(args, tmp_path).returncode == 0
    assert "### Baseline comparison: REGRESSION" in out.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--results-dir", "/nonexistent"], "not a directory", id="missing-dir"),
        pytest.param(["--results", "/nonexistent.json"], "no such file", id="missing-file"),
        pytest.param(["--results-dir", "."], "no performance_report_", id="empty-dir"),
        pytest.param(["--results", "BAD"], ":1: invalid JSON", id="bad-json"),
        pytest.param(
            ["--results", "GOOD", "--compare", "BAD"], ":1: invalid JSON", id="bad-compare"
        ),
        pytest.param(
            ["--results", "GOOD", "--compare", "LIST"],
            "expected a JSON object",
            id="compare-not-object",
        ),
        pytest.param(["--results", "GOOD", "--format", "pdf"], "invalid choice", id="bad-format"),
        pytest.param([], "one of the arguments", id="no-source"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    tmp_path: Path, small_report: dict[str, Any], args: list[str], message: str
) -> None:
    good = synthetic.write_report(tmp_path / "good", small_report)
    (tmp_path / "bad.json").write_text("{nope")
    (tmp_path / "list.json").write_text("[]")
    names = {
        "GOOD": str(good),
        "BAD": str(tmp_path / "bad.json"),
        "LIST": str(tmp_path / "list.json"),
    }
    done = _run([names.get(a, a) for a in args], tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
