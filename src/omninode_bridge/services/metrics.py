"""Prometheus metrics shared by the three services (names fixed by docs/services-api.md)."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)
DISCOVERY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
PROCESSING_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServiceMetrics:
    """One registry per app, so several apps can live in one process (tests)."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        labels = ("service", "method", "route", "status")
        self.duration = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            labels,
            buckets=HTTP_BUCKETS,
            registry=self.registry,
        )
        self.requests = Counter("http_requests", "HTTP requests", labels, registry=self.registry)
        self.in_flight = Gauge(
            "http_requests_in_flight",
            "HTTP requests in flight",
            ("service",),
            registry=self.registry,
        ).labels(service)
        # Resolving label children costs a lock and a dict lookup: cache them per key.
        self._children: dict[tuple[str, str, int], tuple[Histogram, Counter]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        pair = self._children.get(key)
        if pair is None:
            values = (self.service, method, route, str(status))
            pair = (self.duration.labels(*values), self.requests.labels(*values))
            self._children[key] = pair
        pair[0].observe(seconds)
        pair[1].inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class HookMetrics:
    """The hook receiver's own counters and histograms, on the app's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.ingested = Counter(
            "omninode_events_ingested", "Events durably stored", registry=registry
        )
        self.patterns = Counter(
            "omninode_patterns_discovered", "Patterns discovered", registry=registry
        )
        self.discovery_seconds = Histogram(
            "omninode_pattern_discovery_seconds",
            "First event of a pattern to its discovery",
            buckets=DISCOVERY_BUCKETS,
            registry=registry,
        )
        self.processing_seconds = Histogram(
            "omninode_event_processing_seconds",
            "Event ingest to counted by discovery",
            buckets=PROCESSING_BUCKETS,
            registry=registry,
        )
