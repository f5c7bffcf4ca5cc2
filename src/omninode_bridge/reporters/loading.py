"""Finding and reading results documents for the reporters.

Owns: locating ``performance_report_*.json`` in a directory (or taking one file), parsing it
with a one-line error naming the file and line on bad JSON, checking the fields the
reporters rely on (:mod:`omninode_bridge.results.shape`), and filling each test's
``intervals`` from the streamed ``<stem>.<test_name>.intervals.jsonl`` beside the
document when the document has none (e.g. a run that was killed before its final write).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omninode_bridge.errors import UsageError
from omninode_bridge.results.shape import check_interval, check_suite_report

REPORT_GLOB = "performance_report_*.json"
SUPPORTED_SCHEMA_VERSIONS = frozenset({1})

Report = dict[str, Any]


@dataclass(frozen=True)
class LoadedReport:
    """One results document and where it came from."""

    path: Path
    report: Report

    @property
    def run_id(self) -> str:
        return self.path.stem


def find_result_files(results_dir: str | Path) -> list[Path]:
    """Every results document in ``results_dir``, oldest first (by name, then mtime)."""
    directory = Path(results_dir)
    if not directory.is_dir():
        raise UsageError(f"{directory}: --results-dir is not a directory")
    files = [p for p in directory.glob(REPORT_GLOB) if p.is_file()]
    if not files:
        raise UsageError(f"{directory}: no {REPORT_GLOB} files found")
    return sorted(files, key=lambda p: (_timestamp_key(p), p.stat().st_mtime, p.name))


def _timestamp_key(path: Path) -> str:
    # performance_report_<suite>_<YYYYmmdd>_<HHMMSS>: the last two parts sort by time.
    parts = path.stem.rsplit("_", 2)
    return "_".join(parts[-2:]) if len(parts) == 3 else path.stem


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; bad input becomes a one-line ``UsageError`` naming file and line."""
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{target}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{target}: cannot read: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{target}:{exc.lineno}: invalid JSON: {exc.msg}") from None


def load_report(path: str | Path) -> LoadedReport:
    """Read and check one results document; fill missing intervals from its jsonl files."""
    target = Path(path)
    report = read_json(target)
    _check_report(target, report)
    for test in report["test_results"]:
        if not test.get("intervals"):
            test["intervals"] = read_intervals(interval_file(target, str(test["test_name"])))
    return LoadedReport(target, report)


def _check_report(path: Path, report: Any) -> None:
    if not isinstance(report, dict):
        raise UsageError(f"{path}: not a results document (top level is not an object)")
    version = report.get("schema_version", 1)
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise UsageError(f"{path}: schema_version: unsupported value {version!r} (expected 1)")
    check_suite_report(path, report)


def interval_file(report_path: Path, test_name: str) -> Path:
    return report_path.with_name(f"{report_path.stem}.{test_name}.intervals.jsonl")


def read_intervals(path: Path) -> list[dict[str, Any]]:
    """Interval lines from a jsonl stream; a torn last line (crash mid-write) is skipped."""
    if not path.is_file():
        return []
    rows: list[dict[str, Any]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(lines):
                break
            raise UsageError(f"{path}:{number}: invalid JSON: {exc.msg}") from None
        check_interval(f"{path}:{number}", row)
        rows.append(row)
    return rows


def load_results(
    results_dir: str | Path | None = None,
    results_file: str | Path | None = None,
    latest: bool = False,
) -> list[LoadedReport]:
    """The documents a reporter should render: one file, or all (or the newest) in a dir."""
    if (results_dir is None) == (results_file is None):
        raise UsageError("give exactly one of --results-dir DIR or --results FILE")
    if results_file is not None:
        return [load_report(results_file)]
    assert results_dir is not None
    files = find_result_files(results_dir)
    if latest:
        files = files[-1:]
    return [load_report(p) for p in files]
