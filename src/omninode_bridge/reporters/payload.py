"""The data the HTML report's script draws, built from results documents.

Owns: a compact, columnar, JSON-ready view of each run (verdicts, per-test series at full
resolution rounded to 4 significant digits, spectra, criteria, endpoints, the stress /
spike / endurance / intelligence figures with their chart annotations) and of the
regression check's comparison. No HTML here; strings pass through unchanged and are
escaped by the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from omninode_bridge.reporters import compare as compare_mod
from omninode_bridge.reporters import series as s
from omninode_bridge.reporters.loading import LoadedReport

Json = dict[str, Any]


def r4(value: Any) -> float | None:
    """A number rounded to 4 significant digits (keeps the page small), or None."""
    x = s.num(value)
    return None if x is None else float(f"{x:.4g}")


def col(values: Sequence[s.Num]) -> list[float | None]:
    return [None if v is None else float(f"{v:.4g}") for v in values]


def verdict(report: Mapping[str, Any]) -> str:
    tests = report.get("test_results") or []
    if report.get("valid") is False or any(t.get("valid") is False for t in tests):
        return "INVALID"
    if report.get("status") == "aborted" or any(t.get("aborted") for t in tests):
        return "ABORTED" if all(t.get("success") for t in tests) else "FAIL"
    return "PASS" if tests and all(t.get("success") for t in tests) else "FAIL"


def test_verdict(test: Mapping[str, Any]) -> str:
    if test.get("valid") is False:
        return "INVALID"
    return "PASS" if test.get("success") else "FAIL"


def build(
    runs: Sequence[LoadedReport],
    compare: Mapping[str, Any] | None = None,
    compare_base: Path | None = None,
) -> Json:
    """Everything the page needs; runs newest first."""
    ordered = list(reversed(runs))
    data: Json = {"runs": [run_payload(run) for run in ordered]}
    if compare is not None:
        data["compare"] = compare_mod.payload(compare, compare_base, ordered)
    return data


def run_payload(run: LoadedReport) -> Json:
    report = run.report
    tests = [t for t in report.get("test_results") or [] if isinstance(t, Mapping)]
    return {
        "id": run.run_id,
        "file": run.path.name,
        "suite": str(report.get("suite_name", "")),
        "timestamp": str(report.get("timestamp", "")),
        "status": str(report.get("status", "completed")),
        "verdict": verdict(report),
        "config_file": report.get("config_file"),
        "base_urls": {str(k): str(v) for k, v in (report.get("base_urls") or {}).items()},
        "generator": report.get("generator") or {},
        "summary": report.get("summary") or {},
        "warnings": run_warnings(report),
        "overall_recommendations": [str(x) for x in report.get("overall_recommendations") or []],
        "tests": [test_payload(t, i) for i, t in enumerate(tests)],
    }


def run_warnings(report: Mapping[str, Any]) -> list[str]:
    out = []
    if report.get("status") == "aborted":
        out.append("The run was aborted; results are partial.")
    for test in report.get("test_results") or []:
        name = str(test.get("test_name", "?"))
        for reason in test.get("invalid_reasons") or []:
            out.append(f"{name}: invalid: {reason}")
        if test.get("valid") is False and not test.get("invalid_reasons"):
            out.append(f"{name}: invalid run")
        if test.get("aborted"):
            out.append(f"{name}: aborted: {test.get('abort_reason') or 'no reason given'}")
    return out


def test_payload(test: Mapping[str, Any], index: int) -> Json:
    metrics = test.get("metrics") or {}
    custom = metrics.get("custom_metrics") or {}
    out: Json = {
        "key": f"t{index}",
        "name": str(test.get("test_name", "")),
        "type": str(test.get("test_type", "")),
        "verdict": test_verdict(test),
        "duration": r4(test.get("duration")),
        "model": test.get("model"),
        "started_at": test.get("started_at"),
        "errors": [str(e) for e in test.get("errors") or []],
        "recommendations": [str(r) for r in test.get("recommendations") or []],
        "invalid_reasons": [str(r) for r in test.get("invalid_reasons") or []],
        "kpis": kpis(metrics),
        "criteria": criteria_rows(test.get("criteria") or []),
        "endpoints": endpoint_rows(metrics.get("endpoints") or []),
        "series": series_payload(test),
        "resources": resources_payload(test),
        "spectrum": spectrum_payload(test),
    }
    for kind in ("stress", "spike", "endurance", "volume", "intelligence"):
        if isinstance(custom.get(kind), Mapping):
            out[kind] = _TYPE_BUILDERS[kind](custom[kind], test)
    return out


def kpis(metrics: Mapping[str, Any]) -> Json:
    lat = metrics.get("latency_ms") or {}
    rts = s.dig(metrics, "custom_metrics", "response_time_stats") or {}
    pick = {
        k: lat.get(k, rts.get("median" if k == "p50" else k)) for k in ("p50", "p95", "p99", "max")
    }
    out = {k: r4(v) for k, v in pick.items()}
    for key in (
        "throughput",
        "error_rate",
        "requests",
        "offered",
        "dropped",
        "achieved_rps",
        "target_rps",
    ):
        out[key] = r4(metrics.get(key))
    return out


def criteria_rows(criteria: Sequence[Any]) -> list[Json]:
    return [
        {
            "name": str(c.get("name", "")),
            "op": str(c.get("op", "")),
            "limit": c.get("limit") if isinstance(c.get("limit"), str) else r4(c.get("limit")),
            "actual": r4(c.get("actual")),
            "passed": bool(c.get("passed")),
        }
        for c in criteria
        if isinstance(c, Mapping)
    ]


def endpoint_rows(endpoints: Sequence[Any]) -> list[Json]:
    rows = []
    for ep in endpoints:
        if not isinstance(ep, Mapping):
            continue
        lat = ep.get("latency_ms") or {}
        requests = s.num(ep.get("requests")) or 0.0
        errors = s.num(ep.get("errors")) or 0.0
        rows.append(
            {
                "name": str(ep.get("name", "")),
                "method": str(ep.get("method", "")),
                "url": str(ep.get("url", "")),
                "requests": r4(requests),
                "errors": r4(errors),
                "error_rate": r4(errors / requests) if requests else None,
                **{k: r4(lat.get(k)) for k in ("p50", "p95", "p99", "max")},
            }
        )
    return rows


def series_payload(test: Mapping[str, Any]) -> Json:
    rows = s.intervals(test)
    kinds = s.error_kinds(test)
    return {
        "t": col(s.times(test)),
        "p50": col(s.column(rows, "latency_ms", "p50")),
        "p95": col(s.column(rows, "latency_ms", "p95")),
        "p99": col(s.column(rows, "latency_ms", "p99")),
        "svc_p99": col(s.column(rows, "service_time_ms", "p99")),
        "offered": col(s.offered_rate(test)),
        "achieved": col(s.achieved_rate(test)),
        "error_kinds": kinds,
        "errors": [col(s.errors_of_kind(test, k)) for k in kinds],
    }


def resources_payload(test: Mapping[str, Any]) -> Json | None:
    samples = s.resource_samples(test)
    if not samples:
        return None
    return {
        "source": s.resource_source(test),
        "t": col(s.column(samples, "t")),
        "cpu": col(s.column(samples, "cpu_percent")),
        "rss": col(s.column(samples, "rss_mb")),
    }


def spectrum_payload(test: Mapping[str, Any]) -> Json | None:
    corrected, exact_c = s.spectrum(test, "latency")
    uncorrected, exact_u = s.spectrum(test, "service_time")
    if all(v is None for v in corrected + uncorrected):
        return None
    keep = [i for i, p in enumerate(s.SPECTRUM_PERCENTILES) if p < 100.0]
    return {
        "x": [r4(1.0 / (1.0 - s.SPECTRUM_PERCENTILES[i] / 100.0)) for i in keep],
        "corrected": col([corrected[i] for i in keep]),
        "uncorrected": col([uncorrected[i] for i in keep]),
        "exact": exact_c and exact_u,
    }


def _plain(obj: Any) -> Any:
    """A JSON-clean copy: floats rounded, NaN/inf dropped, keys as strings."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int | float):
        return r4(obj)
    return str(obj)


def _stress(stress: Mapping[str, Any], test: Mapping[str, Any]) -> Json:
    return {
        "figures": _plain({k: v for k, v in stress.items() if k != "steps"}),
        "steps": _plain([x for x in stress.get("steps") or [] if isinstance(x, Mapping)]),
    }


def _spike(spike: Mapping[str, Any], test: Mapping[str, Any]) -> Json:
    start, end = s.num(spike.get("spike_start_s")), s.num(spike.get("spike_end_s"))
    if start is None or end is None:
        start, end = _spike_window(test)
    recovery = s.num(spike.get("recovery_time_s"))
    return {
        "figures": _plain(spike),
        "start": start,
        "end": end,
        "recovered_at": None if recovery is None or end is None else end + recovery,
    }


def _spike_window(test: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """Where the offered rate was well above its median: the spike, when not stated."""
    t, offered = s.times(test), s.offered_rate(test)
    pairs = [(a, b) for a, b in zip(t, offered, strict=True) if a is not None and b is not None]
    if not pairs:
        return None, None
    base = float(np.median([b for _, b in pairs]))
    high = [a for a, b in pairs if b > 1.5 * base]
    return (min(high), max(high) + 1.0) if high else (None, None)


def _trend(xs: Sequence[s.Num], ys: Sequence[s.Num]) -> list[float | None]:
    pts = [(x, y) for x, y in zip(xs, ys, strict=True) if x is not None and y is not None]
    if len(pts) < 2:
        return [None] * len(xs)
    slope, icept = np.polyfit([p[0] for p in pts], [p[1] for p in pts], 1)
    return [None if x is None else r4(slope * x + icept) for x in xs]


def _endurance(endurance: Mapping[str, Any], test: Mapping[str, Any]) -> Json:
    rows = s.intervals(test)
    t, p95 = s.times(test), s.column(rows, "latency_ms", "p95")
    res = s.resource_samples(test)
    rt, rss = s.column(res, "t"), s.column(res, "rss_mb")
    return {
        "figures": _plain(endurance),
        "p95_trend": _trend(t, p95),
        "rss_trend": _trend(rt, rss),
    }


def _volume(volume: Mapping[str, Any], test: Mapping[str, Any]) -> Json:
    return {"figures": _plain(volume)}


def _intelligence(intel: Mapping[str, Any], test: Mapping[str, Any]) -> Json:
    patterns = intel.get("patterns") or intel.get("per_pattern") or []
    curve = intel.get("learning_curve") or []
    return {
        "figures": _plain({k: v for k, v in intel.items() if not isinstance(v, list | dict)}),
        "patterns": _plain([p for p in patterns if isinstance(p, Mapping)]),
        "curve": _plain([_curve_point(p) for p in curve if _curve_point(p) is not None]),
        "event_processing": _plain(intel.get("event_processing") or {}),
        "prediction": _plain(intel.get("prediction") or {}),
    }


def _curve_point(point: Any) -> list[Any] | None:
    if isinstance(point, Mapping):
        return [point.get("events"), point.get("accuracy")]
    if isinstance(point, list | tuple) and len(point) >= 2:
        return [point[0], point[1]]
    return None


_TYPE_BUILDERS = {
    "stress": _stress,
    "spike": _spike,
    "endurance": _endurance,
    "volume": _volume,
    "intelligence": _intelligence,
}
