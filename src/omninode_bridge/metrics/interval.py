"""Interval snapshots as documents, and the running whole-test totals.

Turns a merged :class:`IntervalPart` into the ``intervals[]`` entry of the results schema
(docs/results-schema.md), and folds every part into one running total so a test's final
figures come from merged histograms, never from a list of samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omninode_bridge.metrics.histogram import Histogram
from omninode_bridge.metrics.recorder import IntervalPart


def lag_summary_us(hist: Histogram) -> dict[str, int | None]:
    if hist.total_count == 0:
        return {"p50": None, "p99": None, "max": None}
    p50, p99 = hist.values_at_quantiles([0.5, 0.99])
    return {"p50": int(p50), "p99": int(p99), "max": int(hist.max)}


def digest(part: IntervalPart) -> dict[str, Any]:
    """The histogram-derived figures of an interval document: the costly part (numpy
    percentiles and HDR encoding), a pure function of ``part``."""
    return {
        "latency_ms": part.latency.percentiles_ms(),
        "service_time_ms": part.service_time.percentiles_ms(),
        "send_lag_us": lag_summary_us(part.send_lag),
        "hdr": {"latency": part.latency.encode(), "service_time": part.service_time.encode()},
        "endpoint_hdr": (
            {ep: hist.encode() for ep, (_, _, _, hist) in part.endpoints.items()}
            if len(part.endpoints) > 1
            else {}
        ),
    }


def with_digest(part: IntervalPart) -> IntervalPart:
    """``part`` with its :func:`digest` attached; the engine calls this off the event loop
    so that :func:`interval_document` on the loop is only dictionary work."""
    part.digest = digest(part)
    return part


def interval_document(
    part: IntervalPart,
    *,
    target_rps: float | None,
    endpoint_names: Sequence[str],
    resources: dict[str, Any] | None = None,
) -> dict[str, Any]:
    figures = part.digest or digest(part)
    endpoint_hdr = figures["endpoint_hdr"]
    dropped = part.errors_by_kind.get("dropped", 0)
    errors = part.error_count - dropped  # requests = ok + errors; dropped never sent
    duration_s = part.duration_s
    doc: dict[str, Any] = {
        "t": part.index,
        "duration_s": duration_s,
        "target_rps": target_rps,
        "offered": part.offered,
        "requests": part.requests,
        "ok": part.ok,
        "errors": errors,
        "dropped": dropped,
        "errors_by_kind": dict(part.errors_by_kind),
        "status_codes": dict(part.status_codes),
        "bytes_in": part.bytes_in,
        "bytes_out": part.bytes_out,
        "latency_ms": dict(figures["latency_ms"]),
        "service_time_ms": dict(figures["service_time_ms"]),
        "send_lag_us": dict(figures["send_lag_us"]),
        "achieved_rps": part.requests / duration_s if duration_s > 0 else 0.0,
        "hdr": dict(figures["hdr"]),
    }
    if len(endpoint_names) > 1:
        doc["endpoints"] = {
            endpoint_names[ep]: {
                "requests": reqs,
                "errors": errs,
                "dropped": drops,
                "hdr": endpoint_hdr.get(ep) or hist.encode(),
            }
            for ep, (reqs, errs, drops, hist) in sorted(part.endpoints.items())
        }
    if resources is not None:
        doc["resources"] = resources
    return doc


class Totals:
    """Everything a test measured, merged as it arrives (constant memory)."""

    def __init__(self) -> None:
        self.total = IntervalPart(index=-1)
        self.intervals = 0

    def add(self, part: IntervalPart) -> None:
        self.total.merge(part)
        self.intervals += 1
