"""Synthetic, schema-conformant results documents (docs/results-schema.md, version 1).

Owns: building realistic fake runs for reporter tests and benchmarks without the engine:
per-second intervals whose latency follows a log-normal law shaped by each test type
(a stress ramp past capacity, a spike and its recovery, endurance drift and a leak),
errors by kind, resources of the service under test, whole-test HdrHistograms (when an
encoder is available), and the stress/spike/endurance/volume/intelligence custom metrics.
``hostile`` puts an attacker-chosen string in every text field, for escaping tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from omninode_bridge.util.atomic import atomic_write_json, atomic_write_text

Z = {"p50": 0.0, "p90": 1.2816, "p95": 1.6449, "p99": 2.3263, "p999": 3.0902}
TEST_TYPES = ("load", "stress", "spike", "volume", "endurance", "intelligence")


@dataclass(frozen=True)
class TestSpec:
    """What to fake: a test's name, type, length in seconds and nominal rate."""

    name: str
    test_type: str
    duration_s: int = 60
    target_rps: float = 100.0
    base_ms: float = 20.0
    capacity_rps: float = 400.0
    endpoints: tuple[str, ...] = ("POST /hooks", "GET /health")
    resources: bool = True
    invalid_reason: str | None = None


@dataclass
class _Shape:
    """Per-interval parameters of a test, as numpy columns."""

    offered: np.ndarray
    achieved: np.ndarray
    median: np.ndarray
    sigma: np.ndarray
    service_median: np.ndarray
    error_rate: np.ndarray
    rss: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)


def default_specs(duration_s: int = 60) -> list[TestSpec]:
    return [
        TestSpec("hook_receiver_load", "load", duration_s, 100.0),
        TestSpec("hook_receiver_stress", "stress", duration_s, 500.0, capacity_rps=300.0),
        TestSpec("hook_receiver_spike", "spike", duration_s, 50.0, capacity_rps=150.0),
        TestSpec("system_endurance", "endurance", duration_s, 20.0),
        TestSpec("bulk_volume", "volume", duration_s, 30.0, base_ms=60.0),
        TestSpec("pattern_discovery_performance", "intelligence", min(duration_s, 60), 20.0),
    ]


def one_hour_specs() -> list[TestSpec]:
    """A suite whose HTTP tests each have 3,600 intervals."""
    return [
        TestSpec("hook_receiver_load", "load", 3600, 100.0),
        TestSpec("hook_receiver_stress", "stress", 3600, 500.0, capacity_rps=300.0),
        TestSpec("hook_receiver_spike", "spike", 3600, 50.0, capacity_rps=150.0),
        TestSpec("system_endurance", "endurance", 3600, 20.0),
        TestSpec("pattern_discovery_performance", "intelligence", 300, 20.0),
    ]


def make_report(
    specs: Sequence[TestSpec] | None = None,
    suite: str = "synthetic",
    seed: int = 0,
    started: datetime | None = None,
    hostile: str | None = None,
    interval_hdr: bool = False,
) -> dict[str, Any]:
    """A complete results document for ``specs`` (default: one test of every type)."""
    rng = np.random.default_rng(seed)
    start = started or datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    tests, clock = [], start
    for spec in specs if specs is not None else default_specs():
        tests.append(_test_result(spec, rng, clock, hostile, interval_hdr))
        clock += timedelta(seconds=spec.duration_s + 30)
    return _document(suite, start, tests, hostile)


def write_report(
    out_dir: str | Path, report: dict[str, Any], stream_intervals: bool = False
) -> Path:
    """Write ``report`` as the engine would; with ``stream_intervals`` the intervals go to
    the per-test jsonl files only, as after a crash before the final write."""
    stamp = datetime.fromisoformat(report["timestamp"]).strftime("%Y%m%d_%H%M%S")
    path = Path(out_dir) / f"performance_report_{report['suite_name']}_{stamp}.json"
    if not stream_intervals:
        return atomic_write_json(path, report, indent=None)
    import json

    doc = {**report, "test_results": []}
    for test in report["test_results"]:
        lines = "".join(json.dumps(row) + "\n" for row in test["intervals"])
        atomic_write_text(path.with_name(f"{path.stem}.{test['test_name']}.intervals.jsonl"), lines)
        doc["test_results"].append({**test, "intervals": []})
    return atomic_write_json(path, doc, indent=None)


# ---------------------------------------------------------------- shapes per test type


def _shape(spec: TestSpec, rng: np.random.Generator) -> _Shape:
    n = spec.duration_s
    t = np.arange(n, dtype=float)
    noise = rng.normal(0.0, 0.04, n)
    builder = {"stress": _stress, "spike": _spike, "endurance": _endurance}.get(spec.test_type)
    if builder is not None:
        return builder(spec, t, noise, rng)
    offered = np.full(n, spec.target_rps)
    median = spec.base_ms * np.exp(noise)
    err = np.clip(rng.normal(0.002, 0.001, n), 0.0, 1.0)
    rss = 120.0 + rng.normal(0.0, 0.3, n)
    achieved = offered * (1.0 - err)
    return _Shape(offered, achieved, median, np.full(n, 0.35), median * 0.9, err, rss)


def _stress(spec: TestSpec, t: np.ndarray, noise: np.ndarray, rng: np.random.Generator) -> _Shape:
    n, cap = len(t), spec.capacity_rps
    ramp_end = max(1, int(n * 0.8))
    start_rps = spec.target_rps * 0.02
    offered = np.where(
        t < ramp_end, start_rps + (spec.target_rps - start_rps) * t / ramp_end, spec.target_rps
    )
    load = offered / cap
    median = spec.base_ms * np.exp(noise) * (1.0 + 30.0 * np.clip(load - 0.9, 0.0, None) ** 1.5)
    achieved = np.minimum(offered, cap * (1.0 + noise * 0.2))
    err = np.clip(0.001 + 0.4 * np.clip(load - 1.0, 0.0, None), 0.0, 1.0)
    steps = _stress_steps(offered, achieved, median, err)
    extra = {
        "stress": {
            "breaking_point_rps": round(cap * 0.93, 1),
            "knee_rps": round(cap, 1),
            "first_failing_criterion": "max_response_time_p95",
            "window_s": 5,
            "steps": steps,
        }
    }
    rss = 120.0 + 40.0 * np.clip(load, 0.0, 2.0) + rng.normal(0.0, 0.3, n)
    return _Shape(offered, achieved, median, np.full(n, 0.4), median * 0.6, err, rss, extra)


def _stress_steps(
    offered: np.ndarray, achieved: np.ndarray, median: np.ndarray, err: np.ndarray
) -> list[dict[str, Any]]:
    steps = []
    for chunk in np.array_split(np.arange(len(offered)), min(10, len(offered))):
        p95 = float(np.mean(median[chunk]) * math.exp(0.4 * Z["p95"]))
        steps.append(
            {
                "offered_rps": round(float(np.mean(offered[chunk])), 1),
                "achieved_rps": round(float(np.mean(achieved[chunk])), 1),
                "p95": round(p95, 2),
                "p99": round(p95 * 1.4, 2),
                "error_rate": round(float(np.mean(err[chunk])), 4),
                "passed": bool(p95 <= 1000 and float(np.mean(err[chunk])) <= 0.05),
            }
        )
    return steps


def _spike(spec: TestSpec, t: np.ndarray, noise: np.ndarray, rng: np.random.Generator) -> _Shape:
    n = len(t)
    s0, s1 = int(n * 0.4), max(int(n * 0.4) + 1, int(n * 0.5))
    recovery = max(2, int(n * 0.05))
    offered = np.where((t >= s0) & (t < s1), spec.target_rps * 6.0, spec.target_rps)
    after = np.clip(1.0 - (t - s1) / recovery, 0.0, 1.0) * (t >= s1)
    during = (t >= s0) & (t < s1)
    factor = 1.0 + 12.0 * during + 12.0 * after
    median = spec.base_ms * np.exp(noise) * factor
    achieved = np.minimum(offered, spec.capacity_rps)
    err = np.clip(0.001 + 0.08 * during + 0.08 * after, 0.0, 1.0)
    pre_p95 = spec.base_ms * math.exp(0.35 * Z["p95"])
    extra = {
        "spike": {
            "recovery_time_s": float(recovery),
            "recovered": True,
            "peak_p95": round(float(np.max(median)) * math.exp(0.35 * Z["p95"]), 2),
            "peak_p99": round(float(np.max(median)) * math.exp(0.35 * Z["p99"]), 2),
            "peak_error_rate": round(float(np.max(err)), 4),
            "pre_p95": round(pre_p95, 2),
            "pre_error_rate": 0.001,
            "spike_start_s": float(s0),
            "spike_end_s": float(s1),
        }
    }
    rss = 110.0 + 15.0 * (during + after) + rng.normal(0.0, 0.3, n)
    return _Shape(offered, achieved, median, np.full(n, 0.35), median * 0.5, err, rss, extra)


def _endurance(
    spec: TestSpec, t: np.ndarray, noise: np.ndarray, rng: np.random.Generator
) -> _Shape:
    n = len(t)
    drift_per_h, leak_mb_h = 6.0, 30.0
    offered = np.full(n, spec.target_rps)
    median = (spec.base_ms + drift_per_h * t / 3600.0) * np.exp(noise)
    err = np.clip(rng.normal(0.0005, 0.0003, n), 0.0, 1.0)
    rss = 100.0 + leak_mb_h * t / 3600.0 + rng.normal(0.0, 0.5, n)
    growth = 100.0 * (rss[-1] - rss[min(60, n - 1)]) / rss[min(60, n - 1)]
    extra = {
        "endurance": {
            "latency_drift_ms_per_hour": drift_per_h * math.exp(0.35 * Z["p95"]),
            "latency_drift_ms_per_hour_ci": [7.9, 9.8],
            "error_rate_trend_per_hour": 0.00001,
            "error_rate_trend_per_hour_ci": [-0.00002, 0.00004],
            "memory_growth_percent": round(float(growth), 2),
            "memory_growth_percent_ci": [
                round(float(growth) * 0.9, 2),
                round(float(growth) * 1.1, 2),
            ],
            "memory_growth_mb_per_hour": leak_mb_h,
            "memory_growth_mb_per_hour_ci": [27.5, 32.5],
            "leak_suspected": True,
        }
    }
    achieved = offered * (1.0 - err)
    return _Shape(offered, achieved, median, np.full(n, 0.3), median * 0.9, err, rss, extra)


# ---------------------------------------------------------------- test result assembly


def _pct(median: float, sigma: float) -> dict[str, float]:
    out = {k: round(median * math.exp(sigma * z), 3) for k, z in Z.items()}
    mean = median * math.exp(sigma * sigma / 2.0)
    out["max"] = round(median * math.exp(sigma * 3.7), 3)
    out["min"] = round(median * math.exp(-sigma * 2.5), 3)
    out["mean"] = round(mean, 3)
    out["std"] = round(mean * math.sqrt(math.exp(sigma * sigma) - 1.0), 3)
    return out


def _intervals(
    spec: TestSpec, shape: _Shape, rng: np.random.Generator, hdr: bool
) -> list[dict[str, Any]]:
    rows = []
    kinds = ("timeout", "http_status", "reset")
    cpu = np.clip(
        shape.achieved / max(spec.capacity_rps, 1.0) * 85.0 + rng.normal(0, 2, len(shape.offered)),
        0,
        200,
    )
    for i in range(len(shape.offered)):
        requests = round(shape.achieved[i])
        errors = round(requests * shape.error_rate[i])
        split = (errors - errors // 3 - errors // 5, errors // 3, errors // 5)
        by_kind = {k: c for k, c in zip(kinds, split, strict=True) if c}
        row: dict[str, Any] = {
            "t": i,
            "duration_s": 1.0,
            "target_rps": round(float(shape.offered[i]), 2),
            "offered": round(shape.offered[i]),
            "requests": requests,
            "ok": requests - errors,
            "errors": errors,
            "dropped": max(0, round(shape.offered[i]) - requests - errors),
            "errors_by_kind": by_kind,
            "status_codes": {"202": requests - errors, **({"503": split[1]} if split[1] else {})},
            "bytes_in": requests * 140,
            "bytes_out": requests * 210,
            "latency_ms": _pct(float(shape.median[i]), float(shape.sigma[i])),
            "service_time_ms": _pct(float(shape.service_median[i]), float(shape.sigma[i])),
            "send_lag_us": {"p50": 40, "p99": 110, "max": 300},
            "achieved_rps": float(requests),
        }
        if hdr:
            row["hdr"] = {
                "latency": _encode(
                    _draw(rng, shape.median[i : i + 1], shape.sigma[i : i + 1], 200)
                ),
                "service_time": _encode(
                    _draw(rng, shape.service_median[i : i + 1], shape.sigma[i : i + 1], 200)
                ),
            }
        if len(spec.endpoints) > 1:
            row["endpoints"] = _interval_endpoints(spec, requests, errors)
        if spec.resources:
            row["resources"] = {
                "cpu_percent": round(float(cpu[i]), 1),
                "rss_mb": round(float(shape.rss[i]), 1),
                "threads": 8,
                "fds": 20,
                "ctx_switches": 1200,
            }
        rows.append(row)
    return rows


def _interval_endpoints(spec: TestSpec, requests: int, errors: int) -> dict[str, Any]:
    share = [requests * (i + 1) // len(spec.endpoints) for i in range(len(spec.endpoints))]
    counts = [b - a for a, b in zip([0, *share[:-1]], share, strict=True)]
    return {
        name: {"requests": c, "errors": errors if i == 0 else 0}
        for i, (name, c) in enumerate(zip(spec.endpoints, counts, strict=True))
    }


def _draw(rng: np.random.Generator, median: np.ndarray, sigma: np.ndarray, n: int) -> np.ndarray:
    """``n`` latencies (ms) from the per-interval log-normal laws, intervals equally likely."""
    pick = rng.integers(0, len(median), n)
    return median[pick] * np.exp(sigma[pick] * rng.standard_normal(n))


def _encode(values_ms: np.ndarray) -> str | None:
    """HdrHistogram V2 compressed base64 of ``values_ms`` (recorded in µs)."""
    micros = np.clip(np.round(values_ms * 1000.0), 1, 3_600_000_000).astype(np.int64)
    try:
        from omninode_bridge.metrics.histogram import Histogram
    except ImportError:  # the metrics layer is optional for the reporters' fixtures
        return None
    histogram = Histogram()
    histogram.record_many(micros)
    return histogram.encode()


def _label(text: str, hostile: str | None) -> str:
    return f"{text}{hostile}" if hostile else text


def _test_result(
    spec: TestSpec,
    rng: np.random.Generator,
    started: datetime,
    hostile: str | None,
    interval_hdr: bool,
) -> dict[str, Any]:
    if spec.test_type == "intelligence":
        return _intelligence_result(spec, rng, started, hostile)
    shape = _shape(spec, rng)
    rows = _intervals(spec, shape, rng, interval_hdr)
    metrics = _metrics(spec, shape, rows, rng)
    criteria = _criteria(spec, metrics)
    valid = spec.invalid_reason is None
    errors = [f"{k}: {v}" for k, v in metrics["errors_by_kind"].items()]
    return {
        "test_name": _label(spec.name, hostile),
        "test_type": spec.test_type,
        "duration": float(spec.duration_s),
        "success": all(c["passed"] for c in criteria) and valid,
        "errors": [_label(e, hostile) for e in errors],
        "recommendations": _recommendations(metrics, hostile),
        "metrics": metrics,
        "criteria": criteria,
        "valid": valid,
        "invalid_reasons": [_label(spec.invalid_reason, hostile)] if spec.invalid_reason else [],
        "aborted": False,
        "abort_reason": None,
        "model": "open",
        "started_at": started.isoformat(),
        "intervals": rows,
        "resources": _resources(rows) if spec.resources else None,
    }


def _resources(rows: list[dict[str, Any]]) -> dict[str, Any]:
    samples = [
        {
            "t": row["t"],
            "cpu_percent": row["resources"]["cpu_percent"],
            "cpu_percent_per_core": [row["resources"]["cpu_percent"] / 2] * 2,
            **{k: row["resources"][k] for k in ("rss_mb", "threads", "fds", "ctx_switches")},
        }
        for row in rows
    ]
    return {"source": "port:8001", "samples": samples}


def _metrics(
    spec: TestSpec, shape: _Shape, rows: list[dict[str, Any]], rng: np.random.Generator
) -> dict[str, Any]:
    requests = sum(r["requests"] for r in rows)
    errors = sum(r["errors"] for r in rows)
    offered = sum(r["offered"] for r in rows)
    weights = np.maximum(shape.achieved, 1e-9)
    latency = _draw_weighted(rng, shape.median, shape.sigma, weights)
    service = _draw_weighted(rng, shape.service_median, shape.sigma, weights)
    by_kind: dict[str, int] = {}
    for row in rows:
        for kind, count in row["errors_by_kind"].items():
            by_kind[kind] = by_kind.get(kind, 0) + count
    lat = _summary(latency)
    cpu = [r["resources"]["cpu_percent"] for r in rows if "resources" in r]
    rss = [r["resources"]["rss_mb"] for r in rows if "resources" in r]
    custom: dict[str, Any] = {
        "response_time_stats": {
            "mean": lat["mean"],
            "median": lat["p50"],
            "p95": lat["p95"],
            "p99": lat["p99"],
            "min": lat["min"],
            "max": lat["max"],
            "std": lat["std"],
        },
        **shape.extra,
    }
    if cpu:
        custom["cpu_stats"] = _stats(cpu)
        custom["memory_stats"] = {**_stats([v / 160.0 for v in rss]), "rss_mb_max": max(rss)}
    if spec.test_type == "volume":
        custom["volume"] = {
            "bytes_in_per_s": requests * 140 / spec.duration_s,
            "bytes_out_per_s": requests * 65536 / spec.duration_s,
            "body_size_bytes": {"min": 1024, "p50": 65536, "max": 1048576},
            "preloaded": 10000,
        }
    duration = float(spec.duration_s)
    return {
        "throughput": (requests - errors) / duration,
        "error_rate": errors / max(requests, 1),
        "response_time_count": requests,
        "custom_metrics": custom,
        "requests": requests,
        "offered": offered,
        "target_rps": offered / duration,
        "achieved_rps": requests / duration,
        "dropped": sum(r["dropped"] for r in rows),
        "latency_ms": lat,
        "service_time_ms": _summary(service),
        "connect_time_ms": _pct(0.2, 0.3),
        "ttfb_ms": _summary(service * 0.95),
        "send_lag_us": {"p50": 40, "p99": 110, "max": 300},
        "errors_by_kind": by_kind,
        "status_codes": {"202": requests - errors, "503": by_kind.get("http_status", 0)},
        "bytes_in": requests * 140,
        "bytes_out": requests * 210,
        "endpoints": _endpoints(spec, requests, errors, lat),
        "hdr": {"latency": _encode(latency), "service_time": _encode(service)},
        "generator_cpu_percent": 12.5,
    }


def _draw_weighted(
    rng: np.random.Generator, median: np.ndarray, sigma: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    n = 20_000
    pick = rng.choice(len(median), size=n, p=weights / weights.sum())
    return median[pick] * np.exp(sigma[pick] * rng.standard_normal(n))


def _summary(values: np.ndarray) -> dict[str, float]:
    qs = np.percentile(values, [50, 90, 95, 99, 99.9])
    out = {
        k: round(float(q), 3) for k, q in zip(("p50", "p90", "p95", "p99", "p999"), qs, strict=True)
    }
    out.update(
        max=round(float(values.max()), 3),
        mean=round(float(values.mean()), 3),
        min=round(float(values.min()), 3),
        std=round(float(values.std()), 3),
    )
    return out


def _stats(values: Sequence[float]) -> dict[str, float]:
    arr = np.asarray(values, dtype=float)
    return {
        "mean": float(arr.mean()),
        "max": float(arr.max()),
        "p95": float(np.percentile(arr, 95)),
    }


def _endpoints(
    spec: TestSpec, requests: int, errors: int, lat: dict[str, float]
) -> list[dict[str, Any]]:
    out = []
    for i, name in enumerate(spec.endpoints):
        method, _, path = name.partition(" ")
        share = requests // len(spec.endpoints)
        scaled = {k: round(v * (1.0 - 0.3 * i), 3) for k, v in lat.items()}
        out.append(
            {
                "name": name,
                "method": method,
                "url": f"http://127.0.0.1:8001{path}",
                "requests": share,
                "errors": errors if i == 0 else 0,
                "latency_ms": scaled,
                "hdr": None,
            }
        )
    return out


def _criteria(spec: TestSpec, metrics: dict[str, Any]) -> list[dict[str, Any]]:
    p95_limit = 1000.0 if spec.test_type == "stress" else 200.0
    rows = [
        ("max_response_time_p95", p95_limit, metrics["latency_ms"]["p95"], "<="),
        (
            "max_error_rate",
            0.05 if spec.test_type == "stress" else 0.01,
            metrics["error_rate"],
            "<=",
        ),
    ]
    if spec.test_type in ("load", "volume"):
        rows.append(("min_throughput", spec.target_rps * 0.8, metrics["throughput"], ">="))
    cpu = metrics["custom_metrics"].get("cpu_stats")
    if spec.test_type == "stress" and cpu:
        rows.append(("max_cpu_usage", 90.0, cpu["max"], "<="))
    if spec.test_type == "endurance":
        growth = metrics["custom_metrics"]["endurance"]["memory_growth_percent"]
        rows.append(("max_memory_growth", 10.0, growth, "<="))
    return [_criterion(*row) for row in rows]


def _criterion(name: str, limit: float, actual: float | None, op: str) -> dict[str, Any]:
    ops = {"<=": float.__le__, ">=": float.__ge__, "<": float.__lt__, ">": float.__gt__}
    passed = actual is not None and ops[op](float(actual), float(limit))
    return {"name": name, "limit": limit, "actual": actual, "passed": passed, "op": op}


def _recommendations(metrics: dict[str, Any], hostile: str | None) -> list[str]:
    recs = []
    if metrics["latency_ms"]["p95"] > 500:
        recs += [
            "Optimize API endpoint performance",
            "Consider connection pooling for external services",
        ]
    if metrics["error_rate"] > 0.01:
        recs += ["Investigate and fix errors to improve reliability"]
    if hostile:
        recs.append(_label("Check the target ", hostile))
    return recs


def _intelligence_result(
    spec: TestSpec, rng: np.random.Generator, started: datetime, hostile: str | None
) -> dict[str, Any]:
    base = _test_result(
        TestSpec(
            spec.name, "load", spec.duration_s, spec.target_rps, 8.0, resources=spec.resources
        ),
        rng,
        started,
        hostile,
        False,
    )
    intel = _intelligence_metrics(rng, hostile)
    base["test_type"] = "intelligence"
    base["metrics"]["custom_metrics"]["intelligence"] = intel
    base["criteria"] = [
        _criterion(
            "intelligence.max_pattern_discovery_time",
            5000.0,
            intel["avg_pattern_discovery_time"],
            "<=",
        ),
        _criterion(
            "intelligence.max_event_processing_time",
            100.0,
            intel["avg_event_processing_time"],
            "<=",
        ),
        _criterion("intelligence.min_pattern_recall", 0.8, intel["pattern_recall"], ">="),
    ]
    base["success"] = all(c["passed"] for c in base["criteria"])
    return base


def _intelligence_metrics(rng: np.random.Generator, hostile: str | None) -> dict[str, Any]:
    times = sorted(float(x) for x in rng.gamma(4.0, 400.0, 8))
    patterns = [
        {
            "pattern": _label(f"svc_{i}: startup→health_check→shutdown", hostile),
            "frequency": round(0.02 * (i + 1), 3),
            "discovered": i < 7,
            "time_to_discovery_ms": round(v, 1) if i < 7 else None,
        }
        for i, v in enumerate(times)
    ]
    found = [float(v) for i, v in enumerate(times) if i < 7]
    curve = [
        {"events": n, "accuracy": round(0.85 * (1.0 - math.exp(-n / 600.0)), 4)}
        for n in range(100, 3001, 100)
    ]
    return {
        "avg_pattern_discovery_time": float(np.mean(found)),
        "p95_pattern_discovery_time": float(np.percentile(found, 95)),
        "avg_event_processing_time": 34.2,
        "p95_event_processing_time": 61.0,
        "avg_prediction_time": 3.1,
        "avg_learning_update_time": 5.4,
        "patterns": patterns,
        "pattern_precision": 0.875,
        "pattern_recall": 7 / 8,
        "event_processing": {
            "ack_ms": {"p50": 4.1, "p95": 9.0, "p99": 14.2, "max": 30.5},
            "end_to_end_ms": {"p50": 31.0, "p95": 61.0, "p99": 88.0, "max": 140.0},
        },
        "prediction": {
            "latency_ms": {"p50": 2.8, "p95": 6.0, "p99": 9.1, "max": 15.0},
            "top1_accuracy": 0.62,
            "top3_accuracy": 0.91,
        },
        "learning_curve": curve,
        "target_accuracy": 0.6,
        "events_to_accuracy": next((c["events"] for c in curve if c["accuracy"] >= 0.6), None),
    }


def _document(
    suite: str, start: datetime, tests: list[dict[str, Any]], hostile: str | None
) -> dict[str, Any]:
    passed = sum(1 for t in tests if t["success"])
    invalid = sum(1 for t in tests if not t["valid"])
    p95s = [t["metrics"]["latency_ms"]["p95"] for t in tests]
    recs: dict[str, int] = {}
    for test in tests:
        for rec in test["recommendations"]:
            recs[rec] = recs.get(rec, 0) + 1
    return {
        "schema_version": 1,
        "suite_name": suite,
        "timestamp": start.isoformat(),
        "status": "completed",
        "valid": invalid == 0,
        "config_file": "performance_test_config.yaml",
        "base_urls": {"hook_receiver": _label("http://127.0.0.1:8001", hostile)},
        "generator": {
            "version": "0.1.0",
            "hostname": "ci",
            "python": "3.11",
            "cpu_count": 2,
            "workers": 1,
        },
        "summary": {
            "total_tests": len(tests),
            "successful_tests": passed,
            "failed_tests": len(tests) - passed,
            "success_rate": passed / len(tests) if tests else 0.0,
            "overall_response_time_p95": max(p95s) if p95s else 0.0,
            "average_throughput": float(
                np.mean([t["metrics"]["throughput"] for t in tests] or [0.0])
            ),
            "total_duration": sum(t["duration"] for t in tests),
            "invalid_tests": invalid,
            "aborted": False,
        },
        "test_results": tests,
        "overall_recommendations": sorted(recs, key=lambda r: -recs[r])[:10],
    }
