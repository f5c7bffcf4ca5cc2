"""Result documents (docs/results-schema.md) built from merged measurements.

Pure functions: totals and interval documents in, plain dicts out. The engine never
formats output and the reporters never see the engine; this module is the seam.
"""

from __future__ import annotations

import math
import platform
import socket
from collections.abc import Mapping, Sequence
from typing import Any

from omninode_bridge import __version__
from omninode_bridge.metrics.histogram import Histogram
from omninode_bridge.metrics.interval import lag_summary_us
from omninode_bridge.metrics.recorder import IntervalPart

SCHEMA_VERSION = 1


def seed_response_time_stats(hist: Histogram) -> dict[str, float]:
    """The seed's ``response_time_stats`` block (ms), from the histogram."""
    if hist.total_count == 0:
        return {}
    pct = hist.percentiles_ms()
    return {
        "mean": pct["mean"] or 0.0,
        "median": pct["p50"] or 0.0,
        "p95": pct["p95"] or 0.0,
        "p99": pct["p99"] or 0.0,
        "min": pct["min"] or 0.0,
        "max": pct["max"] or 0.0,
        "std": pct["std"] or 0.0,
    }


def endpoint_rows(
    total: IntervalPart, names: Sequence[str], methods: Sequence[str], urls: Sequence[str]
) -> list[dict[str, Any]]:
    rows = []
    for ep, (requests, errors, dropped, hist) in sorted(total.endpoints.items()):
        attempted = requests + dropped  # as for the whole test: a drop is a failure
        rows.append(
            {
                "name": names[ep],
                "method": methods[ep],
                "url": urls[ep],
                "requests": requests,
                "errors": errors,
                "dropped": dropped,
                "error_rate": (errors + dropped) / attempted if attempted else 0.0,
                "latency_ms": hist.percentiles_ms(),
                "hdr": hist.encode(),
            }
        )
    return rows


def http_metrics(
    total: IntervalPart,
    *,
    duration_s: float,
    target_rps: float | None,
    endpoints: list[dict[str, Any]],
    generator_cpu_percent: float | None,
) -> dict[str, Any]:
    requests = total.requests
    errors = sum(n for k, n in total.errors_by_kind.items() if k != "dropped")
    dropped = total.errors_by_kind.get("dropped", 0)
    attempted = requests + dropped
    throughput = requests / duration_s if duration_s > 0 else 0.0
    return {
        "throughput": throughput,
        "error_rate": (errors + dropped) / attempted if attempted else 0.0,
        "response_time_count": total.latency.total_count,
        "custom_metrics": {"response_time_stats": seed_response_time_stats(total.latency)},
        "requests": requests,
        "offered": total.offered,
        "target_rps": target_rps,
        "achieved_rps": throughput,
        "dropped": dropped,
        "latency_ms": total.latency.percentiles_ms(),
        "service_time_ms": total.service_time.percentiles_ms(),
        "queue_wait_ms": total.queue_wait.percentiles_ms(),
        "connect_time_ms": total.connect.percentiles_ms(),
        "ttfb_ms": total.ttfb.percentiles_ms(),
        "send_lag_us": lag_summary_us(total.send_lag),
        "errors_by_kind": dict(sorted(total.errors_by_kind.items())),
        "status_codes": dict(sorted(total.status_codes.items())),
        "bytes_in": total.bytes_in,
        "bytes_out": total.bytes_out,
        "endpoints": endpoints,
        "hdr": {"latency": total.latency.encode(), "service_time": total.service_time.encode()},
        "generator_cpu_percent": generator_cpu_percent,
    }


def error_lines(errors_by_kind: Mapping[str, int]) -> list[str]:
    return [f"{kind}: {count}" for kind, count in sorted(errors_by_kind.items()) if count]


def summarize_suite(test_results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The seed's ``summary`` block, with the overall p95 from merged histograms."""
    merged = Histogram()
    throughputs = []
    for result in test_results:
        hdr = result.get("metrics", {}).get("hdr", {}).get("latency")
        if hdr:
            merged.add(Histogram.decode(hdr))
        tp = result.get("metrics", {}).get("throughput", 0.0)
        if tp and tp > 0:
            throughputs.append(tp)
    total = len(test_results)
    ok = sum(1 for r in test_results if r.get("success"))
    p95 = merged.value_at_quantile(0.95) / 1000.0 if merged.total_count else 0.0
    return {
        "total_tests": total,
        "successful_tests": ok,
        "failed_tests": total - ok,
        "success_rate": ok / total if total else 0.0,
        "overall_response_time_p95": p95,
        "average_throughput": math.fsum(throughputs) / len(throughputs) if throughputs else 0.0,
        "total_duration": math.fsum(float(r.get("duration", 0.0)) for r in test_results),
        "invalid_tests": sum(1 for r in test_results if not r.get("valid", True)),
        "aborted": any(r.get("aborted") for r in test_results),
    }


def generator_info(workers: int) -> dict[str, Any]:
    import os

    return {
        "version": __version__,
        "hostname": socket.gethostname(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "workers": workers,
    }
