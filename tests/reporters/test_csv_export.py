"""CSV export: one row per test per interval, and one row per test."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.reporters import csv_export, synthetic


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_interval_rows_match_the_report(tmp_path: Path, small_report: dict[str, Any]) -> None:
    intervals_path, summary_path = csv_export.write_csv(small_report, tmp_path)
    assert intervals_path.name == "performance_report_synthetic_20240501_120000_intervals.csv"
    rows = _read(intervals_path)
    tests = small_report["test_results"]
    assert len(rows) == sum(len(t["intervals"]) for t in tests)
    first = tests[1]["intervals"][7]
    row = next(r for r in rows if r["test_name"] == tests[1]["test_name"] and r["t"] == "7")
    assert float(row["latency_p95_ms"]) == pytest.approx(first["latency_ms"]["p95"])
    assert int(row["errors"]) == first["errors"]
    assert float(row["cpu_percent"]) == pytest.approx(first["resources"]["cpu_percent"])
    summary = _read(summary_path)
    assert [r["test_name"] for r in summary] == [t["test_name"] for t in tests]
    stress = summary[1]
    assert stress["success"] == "false"
    assert stress["failed_criteria"] == ";".join(
        c["name"] for c in tests[1]["criteria"] if not c["passed"]
    )
    assert float(stress["p99_ms"]) == pytest.approx(tests[1]["metrics"]["latency_ms"]["p99"])


def test_prefix_argument(tmp_path: Path, small_report: dict[str, Any]) -> None:
    paths = csv_export.write_csv(small_report, tmp_path / "out" / "run1")
    assert [p.name for p in paths] == ["run1_intervals.csv", "run1_summary.csv"]


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        pytest.param('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")', id="formula"),
        pytest.param("+1+1", "'+1+1", id="plus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param('plain, "quoted"\nname', 'plain, "quoted"\nname', id="quotes-and-newline"),
    ],
)
def test_cells_cannot_become_formulas(tmp_path: Path, name: str, cell: str) -> None:
    report = synthetic.make_report(synthetic.default_specs(3)[:1])
    report["test_results"][0]["test_name"] = name
    _, summary_path = csv_export.write_csv(report, tmp_path)
    assert _read(summary_path)[0]["test_name"] == cell
