"""Pattern mining over the event stream, incremental and pure (no I/O, no clock).

``NgramMiner`` counts n-grams (n = 2..4) of consecutive events per service. A gram becomes a
``sequence`` pattern when its support (count) and confidence P(last | prefix) reach the
floors *and* it is unlikely under chance: the binomial tail probability of seeing that many
``last`` after ``prefix`` if events were independent, Bonferroni-corrected over the distinct
grams of that length, is below ``significance``. The last test is what keeps uniform noise
(e.g. 2,000 events over 20 names) from producing patterns at the default floors.

``ToolStats`` summarises ``tool_execution`` events; ``BurstDetector`` finds error bursts.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from scipy.stats import binom

from omninode_bridge.services.events import EventRow
from omninode_bridge.services.patterns import Pattern, sequence_id

MAX_GRAMS_PER_SERVICE = 200_000  # memory bound: stop tracking new grams beyond this


@dataclass(frozen=True)
class Floors:
    min_support: int = 5
    min_confidence: float = 0.6
    significance: float = 0.001


@dataclass
class ServiceGrams:
    """N-gram state of one service's stream."""

    window: deque[tuple[str, float]] = field(default_factory=lambda: deque(maxlen=3))
    counts: dict[tuple[str, ...], int] = field(default_factory=dict)
    follows: dict[tuple[str, ...], int] = field(default_factory=lambda: defaultdict(int))
    first_seen: dict[tuple[str, ...], float] = field(default_factory=dict)
    unigrams: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    distinct: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    total: int = 0


class NgramMiner:
    """Sequence patterns; ``feed`` per event, ``collect`` once per tick."""

    def __init__(self, floors: Floors) -> None:
        self.floors = floors
        self.services: dict[str, ServiceGrams] = {}
        self.found: dict[str, Pattern] = {}
        self._touched: set[tuple[str, tuple[str, ...]]] = set()

    def feed(self, service: str, event: str, at_ms: float) -> None:
        state = self.services.get(service)
        if state is None:
            state = self.services[service] = ServiceGrams()
        state.unigrams[event] += 1
        state.total += 1
        window = list(state.window)
        for start in range(len(window)):
            prefix = tuple(e for e, _ in window[start:])
            self._count(state, service, (*prefix, event), window[start][1])
        state.window.append((event, at_ms))

    def _count(
        self, state: ServiceGrams, service: str, gram: tuple[str, ...], first_at: float
    ) -> None:
        state.follows[gram[:-1]] += 1
        count = state.counts.get(gram)
        if count is None:
            if len(state.counts) >= MAX_GRAMS_PER_SERVICE:
                return
            state.first_seen[gram] = first_at
            state.distinct[len(gram)] += 1
            count = 0
        state.counts[gram] = count + 1
        self._touched.add((service, gram))

    def collect(self, now_ms: float) -> list[Pattern]:
        """Update touched patterns; return the ones discovered this tick."""
        new = []
        for service, gram in self._touched:
            state = self.services[service]
            pid = sequence_id(service, gram)
            support = state.counts[gram]
            confidence = support / state.follows[gram[:-1]]
            known = self.found.get(pid)
            if known is not None:
                known.support, known.confidence = support, confidence
            elif self._passes(state, gram, support, confidence):
                pattern = self._pattern(service, gram, support, confidence, now_ms)
                self.found[pid] = pattern
                new.append(pattern)
        self._touched.clear()
        return new

    def _passes(
        self, state: ServiceGrams, gram: tuple[str, ...], support: int, confidence: float
    ) -> bool:
        floors = self.floors
        if support < floors.min_support or confidence < floors.min_confidence:
            return False
        if floors.significance >= 1:
            return True
        p_last = state.unigrams[gram[-1]] / state.total
        p_value = float(binom.sf(support - 1, state.follows[gram[:-1]], p_last))
        return p_value * max(state.distinct[len(gram)], 1) < floors.significance

    def _pattern(
        self, service: str, gram: tuple[str, ...], support: int, confidence: float, now_ms: float
    ) -> Pattern:
        first = self.services[service].first_seen[gram]
        text = f"{service}: {' -> '.join(gram[:-1])} is followed by {gram[-1]}"
        return Pattern(
            sequence_id(service, gram),
            "sequence",
            service,
            text,
            list(gram),
            support,
            confidence,
            now_ms,
            first,
        )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class ToolState:
    service: str
    first_at: float
    count: int = 0
    failures: int = 0
    duration_sum: float = 0.0
    durations: deque[float] = field(default_factory=lambda: deque(maxlen=2048))


class ToolStats:
    """``tool_usage`` patterns from ``type == "tool_execution"`` events."""

    def __init__(self, min_support: int) -> None:
        self.min_support = min_support
        self.tools: dict[str, ToolState] = {}
        self.found: dict[str, Pattern] = {}
        self._touched: set[str] = set()

    def feed(self, row: EventRow, metadata: dict[str, Any]) -> None:
        tool = metadata.get("tool")
        name = tool if isinstance(tool, str) and tool else row.event
        state = self.tools.get(name)
        if state is None:
            state = self.tools[name] = ToolState(row.service, row.received_at)
        state.count += 1
        state.failures += metadata.get("success") is False
        duration = metadata.get("duration")
        if isinstance(duration, int | float) and not isinstance(duration, bool):
            state.duration_sum += float(duration)
            state.durations.append(float(duration))
        self._touched.add(name)

    def collect(self, now_ms: float) -> list[Pattern]:
        new = []
        for name in self._touched:
            state = self.tools[name]
            if state.count < self.min_support:
                continue
            pattern = self.found.get(f"tool:{name}")
            if pattern is None:
                pattern = self.found[f"tool:{name}"] = Pattern(
                    f"tool:{name}",
                    "tool_usage",
                    state.service,
                    "",
                    [name],
                    0,
                    0.0,
                    now_ms,
                    state.first_at,
                )
                new.append(pattern)
            _update_tool(pattern, name, state)
        self._touched.clear()
        return new


def _update_tool(pattern: Pattern, name: str, state: ToolState) -> None:
    durations = list(state.durations)
    mean = state.duration_sum / len(durations) if durations else None
    p95 = percentile(durations, 0.95) if durations else None
    failure_rate = state.failures / state.count
    pattern.support = state.count
    pattern.confidence = 1.0 - failure_rate
    pattern.stats = {
        "count": state.count,
        "mean_duration_ms": mean,
        "p95_duration_ms": p95,
        "failure_rate": failure_rate,
    }
    pattern.description = f"tool {name}: {state.count} calls, failure rate {failure_rate:.1%}" + (
        f", mean {mean:.1f} ms, p95 {p95:.1f} ms" if mean is not None and p95 is not None else ""
    )


def is_error(row: EventRow, metadata: dict[str, Any]) -> bool:
    text = f"{row.type} {row.event}".lower()
    if "error" in text or "fail" in text or "exception" in text:
        return True
    return metadata.get("success") is False or bool(metadata.get("error"))


@dataclass
class BurstState:
    errors: deque[float] = field(default_factory=deque)
    events: deque[float] = field(default_factory=deque)
    current: Pattern | None = None


class BurstDetector:
    """``error_burst``: at least ``min_errors`` errors of a service within ``window_ms``."""

    def __init__(self, min_errors: int, window_ms: float = 10_000.0) -> None:
        self.min_errors = min_errors
        self.window_ms = window_ms
        self.services: dict[str, BurstState] = {}
        self.found: dict[str, Pattern] = {}
        self._new: list[Pattern] = []

    def feed(self, row: EventRow, error: bool, now_ms: float) -> None:
        state = self.services.setdefault(row.service, BurstState())
        at = row.received_at
        for times in (state.errors, state.events):
            while times and times[0] < at - self.window_ms:
                times.popleft()
        if state.current is not None and not state.errors:
            state.current = None  # the burst is over: a quiet window passed
        state.events.append(at)
        if error:
            state.errors.append(at)
            if len(state.errors) >= self.min_errors:
                self._extend(row.service, state, now_ms)

    def _extend(self, service: str, state: BurstState, now_ms: float) -> None:
        rate = len(state.errors) / len(state.events)
        if state.current is None:
            start = state.errors[0]
            pid = f"burst:{service}:{int(start)}"
            state.current = Pattern(pid, "error_burst", service, "", [], 0, 0.0, now_ms, start)
            self.found[pid] = state.current
            self._new.append(state.current)
        burst = state.current
        burst.support = max(burst.support, len(state.errors))
        burst.confidence = rate
        burst.stats = {"errors_in_window": len(state.errors), "window_ms": self.window_ms}
        burst.description = (
            f"{service}: {len(state.errors)} errors within "
            f"{self.window_ms / 1000:g} s ({rate:.0%} of events)"
        )

    def collect(self) -> list[Pattern]:
        new, self._new = self._new, []
        return new


def parse_metadata(row: EventRow) -> dict[str, Any]:
    """Decode metadata only when discovery can use it (it is on the ingest path's tail)."""
    if (
        row.type != "tool_execution"
        and '"success"' not in row.metadata
        and '"error"' not in row.metadata
    ):
        return {}
    value = json.loads(row.metadata)
    return value if isinstance(value, dict) else {}
