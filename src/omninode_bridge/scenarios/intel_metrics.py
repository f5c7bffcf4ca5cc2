"""Pure figures of intelligence tests: discovery matching, latencies, accuracy, learning.

No clock, no I/O: every function takes recorded timestamps / responses and returns numbers.
Times are in whatever unit the caller passes (the runner passes seconds and converts the
results to milliseconds once, with ``to_ms``).

Matching rules (documented in docs/intelligence.md):

- a discovered ``sequence`` pattern is *explained* (a true positive for precision) when its
  service equals a ground-truth pattern's service and its sequence is a contiguous
  sub-sequence, of length >= 2, of that pattern's sequence;
- a ground-truth pattern is *discovered* (counts for recall, has a time to discovery) when a
  discovered pattern has exactly its service and sequence.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from omninode_bridge.scenarios.intel_stream import GroundTruthPattern


@dataclass(frozen=True)
class Discovered:
    """A pattern as seen in ``GET /patterns``, with the client time it was first observed."""

    id: str
    service: str
    sequence: tuple[str, ...]
    observed: float
    discovered_at_ms: float | None = None
    first_event_at_ms: float | None = None
    support: float | None = None


@dataclass(frozen=True)
class PatternMatch:
    found: tuple[Discovered | None, ...]  # per ground-truth pattern
    explained: int
    unexplained: int

    @property
    def recall(self) -> float | None:
        if not self.found:
            return None
        return sum(f is not None for f in self.found) / len(self.found)

    @property
    def precision(self) -> float | None:
        total = self.explained + self.unexplained
        return self.explained / total if total else None


def is_subsequence(part: Sequence[str], whole: Sequence[str]) -> bool:
    """True when ``part`` occurs contiguously in ``whole``."""
    n = len(part)
    return any(tuple(whole[i : i + n]) == tuple(part) for i in range(len(whole) - n + 1))


def explains(truth: GroundTruthPattern, found: Discovered) -> bool:
    return (
        found.service == truth.service
        and len(found.sequence) >= 2
        and is_subsequence(found.sequence, truth.sequence)
    )


def match_patterns(
    truth: Sequence[GroundTruthPattern], found: Iterable[Discovered]
) -> PatternMatch:
    """Match discovered patterns of the truth's services against the ground truth.

    Patterns of other services are ignored (other runs, other tenants). Duplicates (same
    service and sequence) count once, with their earliest observation.
    """
    services = {g.service for g in truth}
    unique: dict[tuple[str, tuple[str, ...]], Discovered] = {}
    for d in sorted(found, key=lambda d: d.observed):
        if d.service in services:
            unique.setdefault((d.service, d.sequence), d)
    hits = tuple(unique.get((g.service, g.sequence)) for g in truth)
    explained = sum(any(explains(g, d) for g in truth) for d in unique.values())
    return PatternMatch(hits, explained, len(unique) - explained)


def discovery_times(match: PatternMatch, first_sent: Sequence[float | None]) -> list[float | None]:
    """Per ground-truth pattern: observed discovery time minus its first event's send time."""
    return [
        None if d is None or t0 is None else d.observed - t0
        for d, t0 in zip(match.found, first_sent, strict=True)
    ]


def server_discovery_times(match: PatternMatch) -> list[float | None]:
    """Per pattern: the target's own ``discovered_at - first_event_at`` (ms), when it says."""
    out: list[float | None] = []
    for d in match.found:
        if d is None or d.discovered_at_ms is None or d.first_event_at_ms is None:
            out.append(None)
        else:
            out.append(d.discovered_at_ms - d.first_event_at_ms)
    return out


def percentiles(values: Iterable[float | None]) -> dict[str, float | int | None]:
    """``{count, mean, min, p50, p95, p99, max}`` over the non-null values (nulls if none)."""
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    if arr.size == 0:
        return dict.fromkeys(("mean", "min", "p50", "p95", "p99", "max"), None) | {"count": 0}
    p50, p95, p99 = (float(x) for x in np.percentile(arr, [50, 95, 99]))
    return {
        "count": int(arr.size),
        "mean": float(arr.mean()),
        "min": float(arr.min()),
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "max": float(arr.max()),
    }


def to_ms(values: Iterable[float | None]) -> list[float | None]:
    return [None if v is None else v * 1000.0 for v in values]


def first_reached(
    marks: Sequence[tuple[float, float]], targets: Sequence[float]
) -> list[float | None]:
    """For each target, the first mark time whose (running max) value reaches it.

    ``marks`` are ``(time, value)`` observations in time order of a counter that should only
    grow; the running max makes a stale read harmless. None where never reached.
    """
    if not marks:
        return [None] * len(targets)
    times = np.asarray([t for t, _ in marks], dtype=float)
    values = np.maximum.accumulate(np.asarray([v for _, v in marks], dtype=float))
    idx = np.searchsorted(values, np.asarray(targets, dtype=float), side="left")
    return [float(times[i]) if i < len(times) else None for i in idx]


def later(a: float | None, b: float | None) -> float | None:
    """The later of two observation times; None if either is unknown."""
    return None if a is None or b is None else max(a, b)


def top_k_accuracy(
    predicted: Sequence[Sequence[str] | None], expected: Sequence[str], k: int
) -> float | None:
    """Share of questions whose answer is in the first ``k`` predictions (None = miss)."""
    if not expected:
        return None
    hits = sum(p is not None and e in list(p)[:k] for p, e in zip(predicted, expected, strict=True))
    return hits / len(expected)


def events_to_target(curve: Sequence[Mapping[str, float | None]], target: float) -> int | None:
    """Events learned before top-1 accuracy first reached ``target`` (None if never)."""
    for point in curve:
        acc = point.get("top1_accuracy")
        if acc is not None and acc >= target:
            events = point.get("events")
            return None if events is None else int(events)
    return None


def mean_or_none(values: Iterable[float | None]) -> float | None:
    arr = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(arr)) if arr else None
