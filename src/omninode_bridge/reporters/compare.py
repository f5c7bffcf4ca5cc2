"""Reading the regression check's JSON output for the reports' baseline-comparison section.

Owns: flattening that output into rows ``{test, endpoint, metric, baseline, current, ratio,
ci_low, ci_high, verdict}`` and finding the baseline results document it names, so the HTML
report can overlay baseline and current series. The regression check is built in parallel;
this module accepts these shapes (see ``rows``), and tolerates unknown keys:

- top level: ``comparisons`` | ``results`` | ``rows`` | ``metrics``: a list of rows, or
  ``tests``: a list of ``{test_name, endpoint?, metrics: [row...] | {metric: row}}``
- a row: ``test`` | ``test_name``, ``endpoint``, ``metric``, ``baseline``, ``current``,
  ``ratio``, ``ci`` | ``ratio_ci`` ([low, high]) or ``ci_low`` / ``ci_high``, ``verdict``
- the baseline: ``baseline_file`` | ``baseline_path`` | ``baseline`` (str) |
  ``baseline_results`` | ``baseline_files`` (a file, a directory, or a list of files)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omninode_bridge.errors import UsageError
from omninode_bridge.reporters import series as s
from omninode_bridge.reporters.loading import LoadedReport, find_result_files, load_report

Row = dict[str, Any]
_ROW_LISTS = ("comparisons", "results", "rows", "metrics")
_BASELINE_KEYS = (
    "baseline_file",
    "baseline_path",
    "baseline",
    "baseline_results",
    "baseline_files",
)


def rows(doc: Mapping[str, Any]) -> list[Row]:
    """Every compared metric as a flat row."""
    out: list[Row] = []
    for key in _ROW_LISTS:
        if isinstance(doc.get(key), list):
            out += [_row(r, {}) for r in doc[key] if isinstance(r, Mapping)]
    for test in doc.get("tests") or []:
        if isinstance(test, Mapping):
            out += _test_rows(test)
    return out


def _test_rows(test: Mapping[str, Any]) -> list[Row]:
    context = {"test": test.get("test_name") or test.get("test"), "endpoint": test.get("endpoint")}
    metrics = test.get("metrics") or test.get("comparisons") or []
    if isinstance(metrics, Mapping):
        metrics = [{"metric": k, **v} for k, v in metrics.items() if isinstance(v, Mapping)]
    return [_row(m, context) for m in metrics if isinstance(m, Mapping)]


def _row(raw: Mapping[str, Any], context: Mapping[str, Any]) -> Row:
    ci = raw.get("ci") or raw.get("ratio_ci") or [raw.get("ci_low"), raw.get("ci_high")]
    ci = list(ci) if isinstance(ci, list | tuple) and len(ci) == 2 else [None, None]
    return {
        "test": str(raw.get("test") or raw.get("test_name") or context.get("test") or ""),
        "endpoint": _opt_str(raw.get("endpoint") or context.get("endpoint")),
        "metric": str(raw.get("metric") or raw.get("name") or ""),
        "baseline": s.num(raw.get("baseline")),
        "current": s.num(raw.get("current")),
        "ratio": s.num(raw.get("ratio")),
        "ci_low": s.num(ci[0]),
        "ci_high": s.num(ci[1]),
        "verdict": str(raw.get("verdict") or "").upper(),
    }


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def overall(doc: Mapping[str, Any], flat: Sequence[Row]) -> str:
    stated = doc.get("verdict") or doc.get("overall") or doc.get("status")
    if isinstance(stated, str) and stated:
        return stated.upper()
    verdicts = {r["verdict"] for r in flat}
    for word in ("INVALID", "REGRESSION", "INCONCLUSIVE"):
        if word in verdicts:
            return word
    return "PASS" if flat else "NO DATA"


def baseline_paths(doc: Mapping[str, Any], base: Path | None) -> list[Path]:
    """Results documents the comparison names as its baseline, resolved against ``base``."""
    for key in _BASELINE_KEYS:
        value = doc.get(key)
        names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        paths = [_resolve(str(n), base) for n in names if isinstance(n, str)]
        if paths:
            return paths
    return []


def _resolve(name: str, base: Path | None) -> Path:
    path = Path(name)
    if not path.is_absolute() and base is not None and not path.exists():
        path = base / path
    return path


def load_baseline(doc: Mapping[str, Any], base: Path | None, suite: str) -> LoadedReport | None:
    """The newest baseline document for ``suite``, if the comparison names a readable one."""
    found: list[Path] = []
    for path in baseline_paths(doc, base):
        if path.is_dir():
            try:
                found += find_result_files(path)
            except UsageError:
                continue
        elif path.is_file():
            found.append(path)
    for path in reversed(found):
        try:
            loaded = load_report(path)
        except UsageError:
            continue
        if loaded.report.get("suite_name") == suite or len(found) == 1:
            return loaded
    return None


def payload(
    doc: Mapping[str, Any], base: Path | None, runs_newest_first: Sequence[LoadedReport]
) -> dict[str, Any]:
    """The comparison section's data: rows, the overall verdict, baseline overlays."""
    flat = rows(doc)
    out: dict[str, Any] = {"verdict": overall(doc, flat), "rows": flat, "overlays": []}
    if runs_newest_first:
        current = runs_newest_first[0]
        baseline = load_baseline(doc, base, str(current.report.get("suite_name", "")))
        if baseline is not None:
            out["baseline_file"] = baseline.path.name
            out["overlays"] = overlays(baseline.report, current.report)
    return out


def overlays(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per test present in both: p95 over time, before and after, on a shared time axis."""
    before = {t.get("test_name"): t for t in baseline.get("test_results") or []}
    out = []
    for test in current.get("test_results") or []:
        old = before.get(test.get("test_name"))
        if old is None:
            continue
        a = _by_time(old, "p95")
        b = _by_time(test, "p95")
        axis = sorted(set(a) | set(b))
        out.append(
            {
                "test": str(test.get("test_name")),
                "t": axis,
                "baseline": [_round(a.get(t)) for t in axis],
                "current": [_round(b.get(t)) for t in axis],
            }
        )
    return out


def _by_time(test: Mapping[str, Any], pct: str) -> dict[float, float | None]:
    rows_ = s.intervals(test)
    return {
        t: v
        for t, v in zip(s.times(test), s.column(rows_, "latency_ms", pct), strict=True)
        if t is not None
    }


def _round(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.4g}")
