"""Bounded observers of the target while an intelligence stream is sent.

Owns the polling loops: ``watch_patterns`` (``GET /patterns?since=&wait=``, long-poll where
the target supports it, plain polling at ``poll_interval`` where it does not) and
``watch_events`` (per-service ``GET /events?service=&since=`` for visibility plus the
discovery pipeline's processed-events counter from ``GET /metrics``). Every loop stops at a
deadline the caller gives; each observation is stamped with ``time.perf_counter()``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from omninode_bridge.scenarios.intel_client import EndpointMissing, IntelClient
from omninode_bridge.scenarios.intel_metrics import Discovered

PROCESSED_METRIC = "omninode_event_processing_seconds"
LONG_POLL_CAP_S = 0.5


def parse_patterns(body: Mapping[str, Any] | None, observed: float) -> list[Discovered]:
    """The ``sequence`` patterns of a ``GET /patterns`` body."""
    out: list[Discovered] = []
    items = body.get("patterns") if body else None
    for p in items if isinstance(items, list) else []:
        if not isinstance(p, Mapping) or p.get("kind", "sequence") != "sequence":
            continue
        seq = p.get("sequence")
        if not isinstance(seq, list):
            continue
        out.append(
            Discovered(
                id=str(p.get("id") or f"{p.get('service')}:{'>'.join(map(str, seq))}"),
                service=str(p.get("service")),
                sequence=tuple(str(s) for s in seq),
                observed=observed,
                discovered_at_ms=_num(p.get("discovered_at")),
                first_event_at_ms=_num(p.get("first_event_at")),
                support=_num(p.get("support")),
            )
        )
    return out


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


async def _pace(started: float, interval: float, deadline: float) -> None:
    delay = min(started + interval, deadline) - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


@dataclass
class PatternWatch:
    since: float
    seen: dict[str, Discovered] = field(default_factory=dict)

    def absorb(self, body: Mapping[str, Any] | None, observed: float) -> None:
        for d in parse_patterns(body, observed):
            self.seen.setdefault(d.id, d)
            if d.discovered_at_ms is not None:
                self.since = max(self.since, d.discovered_at_ms)


async def watch_patterns(
    client: IntelClient,
    watch: PatternWatch,
    poll_interval: float,
    finished: Callable[[PatternWatch], bool],
    deadline: Callable[[], float],
) -> None:
    """Poll until ``finished(watch)`` or the deadline; new patterns land in ``watch.seen``."""
    while not finished(watch):
        started = time.perf_counter()
        remaining = deadline() - started
        if remaining <= 0:
            return
        wait = min(LONG_POLL_CAP_S, remaining)
        params = {"since": f"{watch.since:.0f}", "wait": f"{wait:.3f}"}
        body = await client.json("GET", "patterns", params=params)
        watch.absorb(body, time.perf_counter())
        await _pace(started, poll_interval, deadline())


def processed_totals(text: str) -> tuple[float, float] | None:
    """(count, sum in s) of ``omninode_event_processing_seconds`` over its label sets."""
    totals: dict[str, float] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name in (PROCESSED_METRIC + "_count", PROCESSED_METRIC + "_sum"):
                    totals[sample.name] = totals.get(sample.name, 0.0) + float(sample.value)
    except ValueError:
        return None
    count = totals.get(PROCESSED_METRIC + "_count")
    return None if count is None else (count, totals.get(PROCESSED_METRIC + "_sum", 0.0))


async def read_processed(client: IntelClient) -> tuple[float, float] | None:
    """The target's processed-by-discovery (count, seconds sum), or None when it has none."""
    try:
        reply = await client.call("GET", "metrics")
    except EndpointMissing:
        return None
    if reply.status != 200 or not isinstance(reply.body, str):
        return None
    return processed_totals(reply.body)


@dataclass
class EventWatch:
    """Visibility per sequence number, and (time, processed since baseline) marks.

    ``baseline`` / ``last`` are the target's (count, seconds sum) of processed events before
    the stream and at the last poll; their difference gives the target's own mean.
    """

    services: tuple[str, ...]
    baseline: tuple[float, float] | None
    last: tuple[float, float] | None = None
    cursors: dict[str, int] = field(default_factory=dict)
    visible: dict[int, float] = field(default_factory=dict)
    marks: list[tuple[float, float]] = field(default_factory=list)

    def server_mean_ms(self) -> float | None:
        if self.baseline is None or self.last is None or self.last[0] <= self.baseline[0]:
            return None
        count = self.last[0] - self.baseline[0]
        return (self.last[1] - self.baseline[1]) / count * 1000.0


async def _poll_events(client: IntelClient, watch: EventWatch, service: str) -> None:
    while True:
        params = {"service": service, "since": str(watch.cursors.get(service, 0)), "limit": "1000"}
        body = await client.json("GET", "events", params=params)
        now = time.perf_counter()
        events = body.get("events") if body else None
        seqs = [int(e["seq"]) for e in events or [] if isinstance(e, Mapping) and "seq" in e]
        for s in seqs:
            watch.visible.setdefault(s, now)
        if not seqs:
            return
        watch.cursors[service] = max(seqs)
        if len(seqs) < 1000:
            return


async def watch_events(
    client: IntelClient,
    watch: EventWatch,
    poll_interval: float,
    finished: Callable[[EventWatch], bool],
    deadline: Callable[[], float],
) -> None:
    """Poll visibility and the processed counter until ``finished(watch)`` or the deadline."""
    while not finished(watch) and time.perf_counter() < deadline():
        started = time.perf_counter()
        for service in watch.services:
            await _poll_events(client, watch, service)
        if watch.baseline is not None:
            totals = await read_processed(client)
            if totals is not None:
                watch.last = totals
                watch.marks.append((time.perf_counter(), totals[0] - watch.baseline[0]))
        await _pace(started, poll_interval, deadline())
