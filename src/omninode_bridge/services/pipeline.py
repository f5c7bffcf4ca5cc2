"""The background discovery pipeline of the hook receiver.

Committed events are handed over by the store (``feed``). Every ``interval`` seconds the
ticker takes the events whose age has reached ``--processing-delay-ms`` (a delay line, so
ingest → processed grows by about that delay), updates the prediction model and the miners,
records ``omninode_event_processing_seconds`` and publishes newly found patterns, waking any
long-polling ``GET /patterns``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field

from omninode_bridge.services.discovery import (
    BurstDetector,
    Floors,
    NgramMiner,
    ToolStats,
    is_error,
    parse_metadata,
)
from omninode_bridge.services.events import StoredEvent
from omninode_bridge.services.logs import now_ms
from omninode_bridge.services.metrics import HookMetrics
from omninode_bridge.services.patterns import Pattern
from omninode_bridge.services.prediction import TransitionModel

CHUNK = 2000  # events processed between yields to the event loop


@dataclass(frozen=True)
class DiscoveryConfig:
    interval_s: float = 0.1
    delay_ms: float = 0.0
    discoverer: str = "ngram"  # "ngram" | "none"
    floors: Floors = field(default_factory=Floors)
    burst_window_ms: float = 10_000.0


class Discovery:
    """Owns the miners, the model and the pattern list; see the module docstring."""

    def __init__(
        self,
        config: DiscoveryConfig,
        metrics: HookMetrics,
        model: TransitionModel,
        log: logging.Logger,
    ) -> None:
        self.config = config
        self.metrics = metrics
        self.model = model
        self.log = log
        self.ngrams = NgramMiner(config.floors)
        self.tools = ToolStats(config.floors.min_support)
        self.bursts = BurstDetector(config.floors.min_support, config.burst_window_ms)
        self.patterns: dict[str, Pattern] = {}
        self.pending: deque[StoredEvent] = deque()
        self.processed = 0
        self.last_seq = 0
        self.changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def feed(self, batch: list[StoredEvent]) -> None:
        self.pending.extend(batch)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="discovery")

    async def stop(self) -> None:
        self.changed.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.config.interval_s)
            try:
                await self.tick()
            except Exception:
                self.log.exception("discovery tick failed")

    async def tick(self) -> None:
        due = now_ms() - self.config.delay_ms
        while self.pending and self.pending[0].row.received_at <= due:
            count = 0
            while self.pending and count < CHUNK and self.pending[0].row.received_at <= due:
                self._process(self.pending.popleft())
                count += 1
            self._publish()
            await asyncio.sleep(0)

    def _process(self, stored: StoredEvent) -> None:
        row = stored.row
        now = now_ms()
        self.model.observe(row.service, row.event)
        if self.config.discoverer == "ngram":
            self.ngrams.feed(row.service, row.event, row.received_at)
            metadata = parse_metadata(row)
            if row.type == "tool_execution":
                self.tools.feed(row, metadata)
            self.bursts.feed(row, is_error(row, metadata), now)
        self.metrics.processing_seconds.observe(max(0.0, now - row.received_at) / 1000.0)
        self.processed += 1
        self.last_seq = max(self.last_seq, stored.seq)

    def _publish(self) -> None:
        now = now_ms()
        new = self.ngrams.collect(now) + self.tools.collect(now) + self.bursts.collect()
        for pattern in new:
            self.patterns[pattern.id] = pattern
            self.metrics.patterns.inc()
            seconds = max(0.0, pattern.discovered_at - pattern.first_event_at) / 1000.0
            self.metrics.discovery_seconds.observe(seconds)
            self.log.info(
                "pattern discovered", extra={"pattern": pattern.id, "support": pattern.support}
            )
        if new:
            self.changed.set()
            self.changed = asyncio.Event()

    def since(self, since_ms: float) -> list[Pattern]:
        found = [p for p in self.patterns.values() if p.discovered_at > since_ms]
        return sorted(found, key=lambda p: (p.discovered_at, p.id))
