"""CSV export: the per-interval time series and a per-test summary.

Owns: ``write_csv(report, out_dir_or_prefix)`` which writes two files,
``<prefix>_intervals.csv`` (one row per test per interval) and ``<prefix>_summary.csv``
(one row per test). A directory argument gets the run's own stem as prefix
(``performance_report_<suite>_<ts>``). Cells that would start a spreadsheet formula
(``= + - @``, tab, CR) are quoted with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from omninode_bridge.reporters import series as s
from omninode_bridge.results.writer import safe_name
from omninode_bridge.util.atomic import atomic_write_text

Report = Mapping[str, Any]

INTERVAL_COLUMNS = (
    "test_name",
    "t",
    "duration_s",
    "target_rps",
    "offered",
    "requests",
    "ok",
    "errors",
    "dropped",
    "achieved_rps",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "latency_max_ms",
    "service_time_p50_ms",
    "service_time_p99_ms",
    "send_lag_p99_us",
    "bytes_in",
    "bytes_out",
    "cpu_percent",
    "rss_mb",
)
SUMMARY_COLUMNS = (
    "test_name",
    "test_type",
    "success",
    "valid",
    "aborted",
    "duration_s",
    "requests",
    "offered",
    "dropped",
    "throughput",
    "achieved_rps",
    "target_rps",
    "error_rate",
    "p50_ms",
    "p90_ms",
    "p95_ms",
    "p99_ms",
    "p999_ms",
    "max_ms",
    "mean_ms",
    "cpu_max_percent",
    "memory_max_percent",
    "failed_criteria",
    "errors",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def interval_rows(report: Report) -> Iterable[dict[str, Any]]:
    for test in report.get("test_results") or []:
        by_t = {sample.get("t"): sample for sample in s.resource_samples(test)}
        for row in s.intervals(test):
            res = by_t.get(row.get("t")) or {}
            yield {
                "test_name": test.get("test_name"),
                **{k: row.get(k) for k in INTERVAL_COLUMNS[1:10]},
                "target_rps": row.get("target_rps"),
                **{
                    f"latency_{p}_ms": s.dig(row, "latency_ms", p)
                    for p in ("p50", "p90", "p95", "p99", "max")
                },
                "service_time_p50_ms": s.dig(row, "service_time_ms", "p50"),
                "service_time_p99_ms": s.dig(row, "service_time_ms", "p99"),
                "send_lag_p99_us": s.dig(row, "send_lag_us", "p99"),
                "bytes_in": row.get("bytes_in"),
                "bytes_out": row.get("bytes_out"),
                "cpu_percent": res.get("cpu_percent"),
                "rss_mb": res.get("rss_mb"),
            }


def summary_rows(report: Report) -> Iterable[dict[str, Any]]:
    for test in report.get("test_results") or []:
        metrics = test.get("metrics") or {}
        lat = metrics.get("latency_ms") or {}
        custom = metrics.get("custom_metrics") or {}
        failed = [str(c.get("name")) for c in test.get("criteria") or [] if not c.get("passed")]
        yield {
            "test_name": test.get("test_name"),
            "test_type": test.get("test_type"),
            "success": test.get("success"),
            "valid": test.get("valid", True),
            "aborted": test.get("aborted", False),
            "duration_s": test.get("duration"),
            **{k: metrics.get(k) for k in ("requests", "offered", "dropped", "throughput")},
            **{k: metrics.get(k) for k in ("achieved_rps", "target_rps", "error_rate")},
            **{f"{p}_ms": lat.get(p) for p in ("p50", "p90", "p95", "p99", "p999", "max", "mean")},
            "cpu_max_percent": s.dig(custom, "cpu_stats", "max"),
            "memory_max_percent": s.dig(custom, "memory_stats", "max"),
            "failed_criteria": ";".join(failed),
            "errors": "; ".join(str(e) for e in test.get("errors") or []),
        }


def default_prefix(report: Report) -> str:
    stamp = str(report.get("timestamp", ""))
    try:
        when = datetime.fromisoformat(stamp).strftime("%Y%m%d_%H%M%S")
    except ValueError:
        when = "unknown"
    return f"performance_report_{safe_name(str(report.get('suite_name', 'suite')))}_{when}"


def write_csv(report: Report, out_dir_or_prefix: str | Path) -> list[Path]:
    """Write the intervals and summary CSVs; returns their paths."""
    target = Path(out_dir_or_prefix)
    prefix = target / default_prefix(report) if target.is_dir() else target
    intervals_path = prefix.with_name(prefix.name + "_intervals.csv")
    summary_path = prefix.with_name(prefix.name + "_summary.csv")
    atomic_write_text(intervals_path, _csv(INTERVAL_COLUMNS, interval_rows(report)))
    atomic_write_text(summary_path, _csv(SUMMARY_COLUMNS, summary_rows(report)))
    return [intervals_path, summary_path]
