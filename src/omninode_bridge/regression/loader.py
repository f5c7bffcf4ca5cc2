"""Reading results documents for comparison.

Owns: finding result files (a file, or every ``*.json`` under a directory, recursively),
parsing them with one-line errors that name the file, accepting both shapes (a suite
document with ``test_results[]``, or a bare ``TestResult`` as written by
``omninode-perf load --json``), and turning a test's ``intervals[]`` into the
per-interval arrays that :mod:`omninode_bridge.regression.stats` works on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from omninode_bridge.errors import UsageError
from omninode_bridge.metrics.histogram import Histogram, HistogramDecodeError
from omninode_bridge.results.shape import check_suite_report, check_test_result

Hist = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class IntervalData:
    """One scope (whole test or one endpoint) of one run, interval by interval."""

    hists: list[Hist]
    requests: list[float]
    errors: list[float]
    durations: list[float]


@dataclass(frozen=True)
class TestRun:
    """One test's result from one document."""

    __test__ = False  # not a pytest test class

    suite: str | None
    test_name: str
    source: str
    valid: bool
    invalid_reasons: tuple[str, ...]
    timestamp: str | None
    result: dict[str, Any] = field(repr=False)

    @property
    def key(self) -> str:
        return f"{self.suite}/{self.test_name}" if self.suite else self.test_name


def result_files(path: str | Path) -> list[Path]:
    """The JSON files to read: ``path`` itself, or every ``*.json`` below it."""
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{p}: no such file or directory")
    files = [p] if p.is_file() else sorted(q for q in p.rglob("*.json") if q.is_file())
    if not files:
        raise UsageError(f"{p}: no result files (*.json) found")
    return files


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from exc


def is_suite(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("test_results"), list)


def is_test_result(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("test_name"), str) and "metrics" in doc


def load_documents(path: str | Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every results document under ``path``; other JSON files are ignored."""
    docs = [(f, d) for f in result_files(path) if (d := read_json(f)) is not None]
    found = [(f, d) for f, d in docs if is_suite(d) or is_test_result(d)]
    if not found:
        raise UsageError(f"{path}: no results documents (no test_results / test_name found)")
    for file, doc in found:
        if is_suite(doc):
            check_suite_report(file, doc)
        else:
            check_test_result(file, doc)
    return found


def test_runs(path: Path, doc: dict[str, Any]) -> list[TestRun]:
    """The tests of one document, whichever of the two shapes it has."""
    if is_test_result(doc) and not is_suite(doc):
        return [_test_run(path, None, doc, doc.get("valid", True), doc.get("started_at"))]
    suite = doc.get("suite_name")
    suite_valid = bool(doc.get("valid", True))
    return [
        _test_run(path, suite, t, suite_valid, doc.get("timestamp"))
        for t in doc["test_results"]
        if isinstance(t, dict) and isinstance(t.get("test_name"), str)
    ]


def _test_run(path: Path, suite: Any, t: dict[str, Any], doc_valid: Any, ts: Any) -> TestRun:
    valid = bool(t.get("valid", True)) and (bool(doc_valid) or "valid" in t)
    reasons = tuple(str(r) for r in t.get("invalid_reasons") or [])
    if t.get("aborted"):
        valid, reasons = False, (*reasons, f"aborted: {t.get('abort_reason') or 'unknown'}")
    return TestRun(
        suite=str(suite) if suite else None,
        test_name=str(t["test_name"]),
        source=str(path),
        valid=valid,
        invalid_reasons=reasons,
        timestamp=str(ts) if ts else None,
        result=t,
    )


def load_runs(path: str | Path) -> list[TestRun]:
    return [run for f, doc in load_documents(path) for run in test_runs(f, doc)]


def decode_hist(text: Any, where: str) -> Hist:
    """(values µs, counts) of an encoded histogram; a bad one is a usage error."""
    if not isinstance(text, str) or not text:
        return np.zeros(0), np.zeros(0)
    try:
        values, counts = Histogram.decode(text).nonzero()
    except (HistogramDecodeError, ValueError) as exc:
        raise UsageError(f"{where}: cannot decode histogram: {exc}") from exc
    return values.astype(np.float64), counts.astype(np.float64)


def endpoint_names(run: TestRun) -> list[str]:
    names: set[str] = set()
    for iv in _intervals(run):
        eps = iv.get("endpoints")
        if isinstance(eps, dict):
            names.update(str(k) for k in eps)
    return sorted(names)


def interval_data(run: TestRun, endpoint: str | None = None) -> IntervalData:
    """Per-interval histograms and counts of the whole test, or of one endpoint."""
    out = IntervalData([], [], [], [])
    for i, iv in enumerate(_intervals(run)):
        where = f"{run.source}: {run.test_name}: intervals[{i}]"
        src = iv if endpoint is None else (iv.get("endpoints") or {}).get(endpoint)
        if not isinstance(src, dict):
            continue
        hdr = src.get("hdr")
        text = hdr.get("latency") if isinstance(hdr, dict) else hdr
        out.hists.append(decode_hist(text, where))
        out.requests.append(float(src.get("requests") or 0))
        out.errors.append(float(src.get("errors") or 0))
        out.durations.append(float(iv.get("duration_s") or 1.0))
    return out


def _intervals(run: TestRun) -> list[dict[str, Any]]:
    ivs = run.result.get("intervals")
    return [iv for iv in ivs if isinstance(iv, dict)] if isinstance(ivs, list) else []
