"""Helpers over per-interval records (docs/results-schema.md, Interval): durations,
failure counts, and quantiles of several intervals merged.

Merging several intervals' latency percentiles exactly needs their histograms. These
helpers work from the ``Pct`` summaries alone: each interval's distribution is modelled by
the piecewise-linear CDF through its knots (min, p50, p90, p95, p99, p999, max), and a
window's quantile is that of the request-weighted mixture. It is exact at the knots of a
single interval and a close, monotone approximation for a mixture.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

Interval = Mapping[str, Any]

PCT_KNOTS: tuple[tuple[str, float], ...] = (
    ("min", 0.0),
    ("p50", 0.5),
    ("p90", 0.9),
    ("p95", 0.95),
    ("p99", 0.99),
    ("p999", 0.999),
    ("max", 1.0),
)


def num(value: Any) -> float | None:
    """``value`` as a float, or None when missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def dig(data: Mapping[str, Any], *path: str) -> Any:
    """``data[path[0]][path[1]]...``, or None as soon as a step is missing."""
    node: Any = data
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def duration_s(interval: Interval) -> float:
    return num(interval.get("duration_s")) or 1.0


def start_s(interval: Interval) -> float:
    return num(interval.get("t")) or 0.0


def failures(interval: Interval) -> tuple[float, float]:
    """(failed, attempted) of one interval; dropped requests count as failures.

    ``requests`` = ok + errors and excludes ``dropped`` (results schema), so both are added.
    """
    dropped = num(interval.get("dropped")) or 0.0
    errors = num(interval.get("errors")) or 0.0
    requests = num(interval.get("requests")) or 0.0
    return errors + dropped, requests + dropped


def error_rate(intervals: Sequence[Interval]) -> float | None:
    failed = attempted = 0.0
    for interval in intervals:
        f, a = failures(interval)
        failed, attempted = failed + f, attempted + a
    return failed / attempted if attempted else None


def rate(intervals: Sequence[Interval], key: str) -> float | None:
    """Mean per-second rate of a per-interval figure (``*_rps``) weighted by duration."""
    total = sum(duration_s(i) for i in intervals)
    if not total:
        return None
    values = [(num(i.get(key)), duration_s(i)) for i in intervals]
    known = [(v, d) for v, d in values if v is not None]
    if not known:
        return None
    return sum(v * d for v, d in known) / sum(d for _, d in known)


def _knots(pct: Mapping[str, Any]) -> tuple[list[float], list[float]] | None:
    values: list[float] = []
    quantiles: list[float] = []
    for key, q in PCT_KNOTS:
        value = num(pct.get(key))
        if value is not None:
            values.append(max(value, values[-1]) if values else value)
            quantiles.append(q)
    return (values, quantiles) if len(values) >= 2 else None


def pct_cdf(pct: Mapping[str, Any], x: float) -> float | None:
    """P(latency <= x) under the piecewise-linear model of one ``Pct``."""
    knots = _knots(pct)
    if knots is None:
        return None
    values, quantiles = knots
    if x < values[0]:
        return 0.0
    if x >= values[-1]:
        return 1.0
    i = bisect.bisect_right(values, x) - 1
    frac = (x - values[i]) / (values[i + 1] - values[i])
    return quantiles[i] + frac * (quantiles[i + 1] - quantiles[i])


def _weighted(intervals: Sequence[Interval], key: str) -> list[tuple[Mapping[str, Any], float]]:
    out = []
    for interval in intervals:
        pct = interval.get(key)
        weight = num(interval.get("requests")) or 0.0
        if isinstance(pct, Mapping) and weight > 0 and _knots(pct) is not None:
            out.append((pct, weight))
    return out


def mixture_cdf(intervals: Sequence[Interval], x: float, key: str = "latency_ms") -> float | None:
    parts = _weighted(intervals, key)
    total = sum(w for _, w in parts)
    if not total:
        return None
    return sum((pct_cdf(p, x) or 0.0) * w for p, w in parts) / total


def mixture_quantile(
    intervals: Sequence[Interval], q: float, key: str = "latency_ms"
) -> float | None:
    """The ``q`` quantile (0..1) of the latency of several intervals taken together."""
    parts = _weighted(intervals, key)
    if not parts:
        return None
    if len(parts) == 1:
        knots = _knots(parts[0][0])
        assert knots is not None
        return _inverse(knots[0], knots[1], q)
    xs = sorted({v for p, _ in parts for v in (_knots(p) or ([], []))[0]})
    fs = [mixture_cdf(intervals, x, key) or 0.0 for x in xs]
    return _inverse(xs, fs, q)


def _inverse(xs: Sequence[float], fs: Sequence[float], q: float) -> float:
    j = bisect.bisect_left(fs, q)
    if j <= 0:
        return xs[0]
    if j >= len(xs):
        return xs[-1]
    span = fs[j] - fs[j - 1]
    frac = (q - fs[j - 1]) / span if span else 1.0
    return xs[j - 1] + frac * (xs[j] - xs[j - 1])


def sliding(items: Sequence[Interval], size: int) -> Iterator[Sequence[Interval]]:
    """Every run of ``size`` consecutive intervals (one shorter run if there are fewer)."""
    if len(items) <= size:
        if items:
            yield items
        return
    for i in range(len(items) - size + 1):
        yield items[i : i + size]


def chunks(items: Sequence[Interval], size: int) -> Iterator[Sequence[Interval]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
