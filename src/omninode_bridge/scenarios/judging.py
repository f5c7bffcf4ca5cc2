"""Judge a finished run: metrics, type-specific analysis, criteria, validity, advice.

Works only on what the run streamed to disk and its merged totals, so it is the same
code whatever the number of workers.
"""

from __future__ import annotations

import resource
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import psutil

from omninode_bridge.analysis.criteria import evaluate_success_criteria
from omninode_bridge.analysis.endurance import analyze_endurance
from omninode_bridge.analysis.recommendations import data_recommendations, seed_recommendations
from omninode_bridge.analysis.spike import analyze_spike
from omninode_bridge.analysis.stress import analyze_stress
from omninode_bridge.analysis.thresholds import evaluate_thresholds
from omninode_bridge.config import TestConfig
from omninode_bridge.results.builder import endpoint_rows, error_lines, http_metrics
from omninode_bridge.scenarios.runner import HttpRun

LATE_SEND_US = 10_000  # a send this late means the generator fell behind its schedule
MAX_LATE_FRACTION = 0.01  # more than 1% of sends that late makes the run invalid...
MIN_LATE_SENDS = 20  # ...once there are enough of them to be more than a hiccup
MAX_GENERATOR_CPU_PERCENT = 85.0


def generator_cpu_percent(run: HttpRun) -> float | None:
    if run.stats is None or run.stats.wall_s <= 0:
        return None
    return 100.0 * run.stats.cpu_s / (run.stats.wall_s * max(1, run.workers))


def generator_max_rss_mb() -> float:
    """Peak RSS of the generator (this process, or its largest worker process)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024.0


def resource_stats(samples: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """The seed's ``cpu_stats`` and ``memory_stats``, of the service under test."""
    out: dict[str, dict[str, float]] = {}
    cpu = np.array([s["cpu_percent"] for s in samples if s.get("cpu_percent") is not None])
    if cpu.size:
        out["cpu_stats"] = _mean_max_p95(cpu)
    rss = np.array([s["rss_mb"] for s in samples if s.get("rss_mb") is not None])
    if rss.size:
        total_mb = psutil.virtual_memory().total / 2**20
        out["memory_stats"] = _mean_max_p95(rss / total_mb * 100.0)
        out["memory_stats"]["rss_mb_max"] = float(rss.max())
        out["memory_stats"]["rss_mb_mean"] = float(rss.mean())
    return out


def _mean_max_p95(values: np.ndarray) -> dict[str, float]:
    return {
        "mean": float(values.mean()),
        "max": float(values.max()),
        "p95": float(np.percentile(values, 95)),
    }


def criteria_limits(test: TestConfig) -> dict[str, Any]:
    return test.success_criteria.model_dump(exclude_none=True)


def type_analysis(run: HttpRun, intervals: list[dict[str, Any]]) -> dict[str, Any]:
    test, phases = run.test, run.shape.phases
    # the drain after the schedule (in-flight requests finishing) is not a load step
    intervals = [i for i in intervals if i["t"] < max(1, int(run.shape.measured_s))]
    limits = {k: v for k, v in criteria_limits(test).items() if not isinstance(v, dict)}
    if test.type == "stress":
        return {"stress": analyze_stress(intervals, limits, int(test.window))}
    if test.type == "spike":
        return {
            "spike": analyze_spike(
                intervals, phases["pre_end"], phases["spike_end"], test.recovery_tolerance
            )
        }
    if test.type == "endurance":
        # A warm-up already ran before the measured run; without one, the analysis lets
        # the first tenth (at most a minute) settle.
        warmup = 0.0 if run.shape.warmup_s else min(60.0, 0.1 * run.shape.measured_s)
        return {"endurance": analyze_endurance(intervals, run.resource_samples, warmup)}
    if test.type == "volume":
        return {"volume": volume_figures(run)}
    return {}


def volume_figures(run: HttpRun) -> dict[str, Any]:
    sizes = [len(b) for spec in run.specs for b in spec.body_variants] or [
        len(spec.body or b"") for spec in run.specs
    ]
    total, duration = run.totals.total, max(run.duration_s, 1e-9)
    return {
        "bytes_in_per_s": total.bytes_in / duration,
        "bytes_out_per_s": total.bytes_out / duration,
        "body_size_bytes": {
            "min": int(min(sizes)),
            "p50": int(np.percentile(sizes, 50)),
            "max": int(max(sizes)),
        },
        "preloaded": run.preloaded,
    }


def late_sends(run: HttpRun) -> tuple[int, int]:
    """(sends more than LATE_SEND_US behind schedule, all sends)."""
    hist = run.totals.total.send_lag
    values, counts = hist.nonzero()
    return int(counts[values > LATE_SEND_US].sum()), int(hist.total_count)


def invalid_reasons(run: HttpRun, metrics: Mapping[str, Any]) -> list[str]:
    reasons = list(run.unreachable)
    late, sends = late_sends(run)
    if sends and late >= MIN_LATE_SENDS and late / sends > MAX_LATE_FRACTION:
        lag = metrics.get("send_lag_us", {}).get("p99") or 0
        reasons.append(
            f"the generator could not keep its schedule: {late} of {sends} sends "
            f"({late / sends:.1%}) were more than {LATE_SEND_US / 1000:.0f} ms late, send lag "
            f"p99 {lag / 1000:.1f} ms; add --workers or lower the rate"
        )
    cpu = metrics.get("generator_cpu_percent")
    # A closed loop saturates its generator by design (like wrk): the advice says so.
    # In the open model a busy generator cannot keep time, so the run is invalid.
    if run.test.model == "open" and cpu is not None and cpu > MAX_GENERATOR_CPU_PERCENT:
        reasons.append(
            f"the generator was {cpu:.0f}% busy (limit {MAX_GENERATOR_CPU_PERCENT:.0f}%): "
            "its own timing is suspect; add --workers"
        )
    if run.stats is not None and not all(w.precise_timer for w in run.stats.workers):
        reasons.append("no timerfd: send times are only millisecond-accurate")
    return reasons


def advice(
    run: HttpRun, target: float | None, metrics: dict[str, Any], reasons: list[str]
) -> list[str]:
    """Performance advice, resting only on numbers that can be trusted."""
    if run.unreachable:
        return ["The target was unreachable: start the service, or fix its URL (base_urls)"]
    if run.abort_reason is not None and not metrics.get("offered"):
        when = "during its warm-up" if run.shape.warmup_s else "before its first request"
        return [f"Nothing was measured: the run stopped {when}"]
    if reasons:  # only the generator's own figures are trustworthy in an invalid run
        own = {k: metrics[k] for k in ("generator_cpu_percent", "send_lag_us")}
        recs = data_recommendations(run.test.type, own, reasons)
        return recs or ["Fix the run's validity first: " + reasons[0]]
    return seed_recommendations(target, metrics) + data_recommendations(
        run.test.type, metrics, reasons
    )


def judge_http_run(run: HttpRun) -> dict[str, Any]:
    test = run.test
    intervals = list(run.stream.read_back()) if not run.unreachable else []
    total = run.totals.total
    rows = endpoint_rows(
        total,
        [s.display_name for s in run.specs],
        [s.method for s in run.specs],
        [s.url for s in run.specs],
    )
    target = run.shape.pacer.mean_rate() if run.shape.pacer is not None else None
    metrics = http_metrics(
        total,
        duration_s=max(run.duration_s, 1e-9),
        target_rps=target,
        endpoints=rows,
        generator_cpu_percent=generator_cpu_percent(run),
    )
    metrics["generator_max_rss_mb"] = generator_max_rss_mb()
    custom = metrics["custom_metrics"]
    custom.update(resource_stats(run.resource_samples))
    custom.update(type_analysis(run, intervals))
    reasons = invalid_reasons(run, metrics)
    criteria = evaluate_success_criteria(
        criteria_limits(test), metrics, memory_samples=run.resource_samples
    )
    if test.thresholds:
        criteria += evaluate_thresholds(test.thresholds, metrics)
    recs = advice(run, target, metrics, reasons)
    errors = error_lines(metrics["errors_by_kind"])
    if run.resource_error:
        errors.append(run.resource_error)
    aborted = run.abort_reason is not None
    if aborted:
        errors.append(f"aborted: {run.abort_reason}")
    valid = not reasons
    return {
        "test_name": test.name,
        "test_type": test.type,
        "duration": run.duration_s,
        "warmup_s": run.shape.warmup_s,
        "success": valid and not aborted and all(c["passed"] for c in criteria),
        "errors": errors,
        "recommendations": list(dict.fromkeys(recs)),
        "metrics": metrics,
        "criteria": criteria,
        "valid": valid,
        "invalid_reasons": reasons,
        "aborted": aborted,
        "abort_reason": run.abort_reason,
        "model": test.model,
        "started_at": run.started_at.isoformat(),
        "intervals": intervals,
        "resources": (
            {"source": run.resource_source, "samples": run.resource_samples}
            if run.resource_source
            else None
        ),
    }
