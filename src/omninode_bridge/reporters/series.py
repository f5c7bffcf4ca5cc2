"""Read-only views of a results document shared by every reporter.

Owns: pulling per-interval time series out of ``intervals[]`` and ``resources.samples``
(columns of floats, ``None`` where a value is missing), the error kinds present in a test,
and the percentile spectrum of a whole-test histogram. Nothing here formats output.
"""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Num = float | None
TestResult = Mapping[str, Any]

# Percentiles at which spectra are sampled: dense towards the tail, HdrHistogram-style.
SPECTRUM_PERCENTILES: tuple[float, ...] = tuple(
    sorted({round(100.0 * (1.0 - 10.0 ** (-k / 8.0)), 6) for k in range(0, 49)} | {100.0})
)


def num(value: Any) -> Num:
    """A finite float, or None for missing / non-numeric / NaN values."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def dig(obj: Any, *keys: str) -> Any:
    """``obj[k1][k2]...`` or None when any level is missing."""
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def intervals(test: TestResult) -> list[Mapping[str, Any]]:
    rows = test.get("intervals") or []
    return [row for row in rows if isinstance(row, Mapping)]


def column(rows: Iterable[Mapping[str, Any]], *keys: str) -> list[Num]:
    return [num(dig(row, *keys)) for row in rows]


def times(test: TestResult) -> list[Num]:
    return column(intervals(test), "t")


def offered_rate(test: TestResult) -> list[Num]:
    """Offered req/s per interval: ``target_rps``, else ``offered / duration_s``."""
    out: list[Num] = []
    for row in intervals(test):
        rate = num(row.get("target_rps"))
        if rate is None:
            offered, span = num(row.get("offered")), num(row.get("duration_s")) or 1.0
            rate = None if offered is None else offered / span
        out.append(rate)
    return out


def achieved_rate(test: TestResult) -> list[Num]:
    out: list[Num] = []
    for row in intervals(test):
        rate = num(row.get("achieved_rps"))
        if rate is None:
            done, span = num(row.get("requests")), num(row.get("duration_s")) or 1.0
            rate = None if done is None else done / span
        out.append(rate)
    return out


def error_kinds(test: TestResult) -> list[str]:
    """Error kinds seen in any interval, most frequent first."""
    totals: dict[str, float] = {}
    for row in intervals(test):
        for kind, count in (row.get("errors_by_kind") or {}).items():
            totals[str(kind)] = totals.get(str(kind), 0.0) + (num(count) or 0.0)
    for kind, count in (dig(test, "metrics", "errors_by_kind") or {}).items():
        totals.setdefault(str(kind), num(count) or 0.0)
    return sorted((k for k, v in totals.items() if v > 0), key=lambda k: (-totals[k], k))


def errors_of_kind(test: TestResult, kind: str) -> list[Num]:
    return [num((row.get("errors_by_kind") or {}).get(kind, 0)) for row in intervals(test)]


def resource_samples(test: TestResult) -> list[Mapping[str, Any]]:
    """Samples of the service under test: ``resources.samples``, else per-interval ones."""
    samples = dig(test, "resources", "samples")
    if isinstance(samples, list) and samples:
        return [s for s in samples if isinstance(s, Mapping)]
    rows: list[Mapping[str, Any]] = []
    for row in intervals(test):
        res = row.get("resources")
        if isinstance(res, Mapping):
            rows.append({"t": row.get("t"), **res})
    return rows


def resource_source(test: TestResult) -> str | None:
    source = dig(test, "resources", "source")
    return str(source) if source is not None else None


def decode_spectrum(hdr_b64: str) -> list[tuple[float, float]]:
    """(percentile, value ms) points of an HdrHistogram V2 base64 string (values in µs)."""
    histogram = _decode(hdr_b64)
    if histogram is None:
        return []
    return [(float(p), float(v)) for p, v in histogram.spectrum()]


def _decode(hdr_b64: str) -> Any:
    try:
        from omninode_bridge.metrics.histogram import Histogram
    except ImportError:
        return _HdrhAdapter.decode(hdr_b64)
    try:
        return Histogram.decode(hdr_b64)
    except Exception:  # a corrupt string must not kill the report
        return None


class _HdrhAdapter:
    """Fallback decoder over the ``hdrhistogram`` package while ``metrics.histogram`` is absent."""

    def __init__(self, histogram: Any) -> None:
        self._h = histogram

    @classmethod
    def decode(cls, hdr_b64: str) -> _HdrhAdapter | None:
        try:
            from hdrh.histogram import HdrHistogram

            base64.b64decode(hdr_b64, validate=True)
            return cls(HdrHistogram.decode(hdr_b64))
        except (ImportError, ValueError, TypeError, zlib.error):
            return None
        except Exception:
            return None

    def spectrum(self) -> list[tuple[float, float]]:
        if self._h.get_total_count() == 0:
            return []
        return [(p, self._h.get_value_at_percentile(p) / 1000.0) for p in SPECTRUM_PERCENTILES]


def sample_spectrum(points: Sequence[tuple[float, float]]) -> list[Num]:
    """Values at ``SPECTRUM_PERCENTILES``: the value of the first point at or above each."""
    if not points:
        return [None] * len(SPECTRUM_PERCENTILES)
    ordered = sorted(points)
    out: list[Num] = []
    index = 0
    for pct in SPECTRUM_PERCENTILES:
        while index < len(ordered) - 1 and ordered[index][0] < pct - 1e-9:
            index += 1
        out.append(ordered[index][1])
    return out


def pct_spectrum(pct: Any) -> list[tuple[float, float]]:
    """A coarse spectrum from a ``Pct`` summary, used when no histogram is available."""
    keys: tuple[tuple[str, float], ...] = (("min", 0.0), ("p50", 50.0), ("p90", 90.0))
    keys += (("p95", 95.0), ("p99", 99.0), ("p999", 99.9), ("max", 100.0))
    points = [(p, num(dig(pct, k))) for k, p in keys]
    return [(p, v) for p, v in points if v is not None]


def spectrum(test: TestResult, which: str) -> tuple[list[Num], bool]:
    """Spectrum of ``metrics.hdr[which]`` sampled on the shared grid; (values, exact?)."""
    hdr = dig(test, "metrics", "hdr", which)
    if isinstance(hdr, str) and hdr:
        points = decode_spectrum(hdr)
        if points:
            return sample_spectrum(points), True
    summary_key = "latency_ms" if which == "latency" else "service_time_ms"
    return sample_spectrum(pct_spectrum(dig(test, "metrics", summary_key))), False
