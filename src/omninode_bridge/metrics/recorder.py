"""Per-request recording in O(1) with no allocation beyond array growth.

The hot path appends integers (µs) to typed arrays and bumps counters. Once a second the
engine calls :meth:`Recorder.snapshot`, which bins the arrays into histograms with numpy
and resets them, so memory stays flat however long the run.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np

from omninode_bridge.engine.outcome import ERROR_KIND_COUNT, ErrorKind
from omninode_bridge.metrics.histogram import Histogram


@dataclass
class IntervalPart:
    """One worker's measurements for one interval; merged across workers by the coordinator."""

    index: int
    offered: int = 0
    duration_s: float = 1.0  # the last interval of a test also holds its drain
    requests: int = 0
    ok: int = 0
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    status_codes: dict[str, int] = field(default_factory=dict)
    bytes_in: int = 0
    bytes_out: int = 0
    latency: Histogram = field(default_factory=Histogram)
    service_time: Histogram = field(default_factory=Histogram)
    send_lag: Histogram = field(default_factory=Histogram)
    queue_wait: Histogram = field(default_factory=Histogram)
    connect: Histogram = field(default_factory=Histogram)
    ttfb: Histogram = field(default_factory=Histogram)
    endpoints: dict[int, tuple[int, int, Histogram]] = field(default_factory=dict)

    def merge(self, other: IntervalPart) -> None:
        self.duration_s = max(self.duration_s, other.duration_s)
        self.offered += other.offered
        self.requests += other.requests
        self.ok += other.ok
        _add_counts(self.errors_by_kind, other.errors_by_kind)
        _add_counts(self.status_codes, other.status_codes)
        self.bytes_in += other.bytes_in
        self.bytes_out += other.bytes_out
        for name in ("latency", "service_time", "send_lag", "queue_wait", "connect", "ttfb"):
            getattr(self, name).add(getattr(other, name))
        for ep, (reqs, errs, hist) in other.endpoints.items():
            if ep in self.endpoints:
                mine = self.endpoints[ep]
                mine[2].add(hist)
                self.endpoints[ep] = (mine[0] + reqs, mine[1] + errs, mine[2])
            else:
                self.endpoints[ep] = (reqs, errs, hist.copy())

    @property
    def error_count(self) -> int:
        return sum(self.errors_by_kind.values())


def _add_counts(into: dict[str, int], other: dict[str, int]) -> None:
    for key, value in other.items():
        into[key] = into.get(key, 0) + value


class Recorder:
    """Accumulates one interval of raw measurements for one worker."""

    __slots__ = (
        "bytes_in",
        "bytes_out",
        "connect_us",
        "ep_errors",
        "ep_index",
        "ep_unmeasured",
        "errors",
        "lag_us",
        "latency_us",
        "multi_endpoint",
        "n_endpoints",
        "offered",
        "ok",
        "queue_us",
        "service_us",
        "status",
        "ttfb_us",
    )

    def __init__(self, n_endpoints: int = 1) -> None:
        self.n_endpoints = n_endpoints
        self.multi_endpoint = n_endpoints > 1
        self.latency_us = array("q")
        self.service_us = array("q")
        self.ep_index = array("b")
        self.lag_us = array("q")
        self.queue_us = array("q")
        self.connect_us = array("q")
        self.ttfb_us = array("q")
        self.errors = [0] * ERROR_KIND_COUNT
        self.ep_errors = [0] * n_endpoints
        self.ep_unmeasured = [0] * n_endpoints
        self.status: dict[int, int] = {}
        self.ok = 0
        self.offered = 0
        self.bytes_in = 0
        self.bytes_out = 0

    def response(self, intended_ns: int, sent_ns: int, done_ns: int, status: int, ep: int) -> None:
        self.latency_us.append((done_ns - intended_ns) // 1000)
        self.service_us.append((done_ns - sent_ns) // 1000)
        if self.multi_endpoint:
            self.ep_index.append(ep)
        status_counts = self.status
        status_counts[status] = status_counts.get(status, 0) + 1
        if status < 400:
            self.ok += 1
        else:
            self.errors[ErrorKind.HTTP_STATUS] += 1
            self.ep_errors[ep] += 1

    def failure(self, kind: ErrorKind, ep: int, elapsed_us: int | None = None) -> None:
        self.errors[kind] += 1
        self.ep_errors[ep] += 1
        if elapsed_us is None:
            if kind != ErrorKind.DROPPED:
                self.ep_unmeasured[ep] += 1
        else:  # a timeout did take that long: keep it in the truth
            self.latency_us.append(elapsed_us)
            self.service_us.append(elapsed_us)
            if self.multi_endpoint:
                self.ep_index.append(ep)

    def snapshot(self, index: int) -> IntervalPart:
        part = IntervalPart(index=index, offered=self.offered, ok=self.ok)
        part.errors_by_kind = {
            ErrorKind(k).label: n for k, n in enumerate(self.errors) if n and k > 0
        }
        part.status_codes = {str(code): n for code, n in sorted(self.status.items())}
        part.requests = self.ok + sum(
            n for k, n in enumerate(self.errors) if k > 0 and k != ErrorKind.DROPPED
        )
        part.bytes_in, part.bytes_out = self.bytes_in, self.bytes_out
        latency = _as_np(self.latency_us)
        part.latency.record_many(latency)
        part.service_time.record_many(_as_np(self.service_us))
        part.send_lag.record_many(_as_np(self.lag_us))
        part.queue_wait.record_many(_as_np(self.queue_us))
        part.connect.record_many(_as_np(self.connect_us))
        part.ttfb.record_many(_as_np(self.ttfb_us))
        self._split_endpoints(part, latency)
        self._reset()
        return part

    def _split_endpoints(self, part: IntervalPart, latency: np.ndarray) -> None:
        if not self.multi_endpoint:
            part.endpoints[0] = (part.requests, self.ep_errors[0], part.latency.copy())
            return
        eps = _as_np(self.ep_index)
        for ep in range(self.n_endpoints):
            values = latency[eps == ep]
            hist = Histogram()
            hist.record_many(values)
            requests = int(values.size) + self.ep_unmeasured[ep]
            part.endpoints[ep] = (requests, self.ep_errors[ep], hist)

    def _reset(self) -> None:
        for arr in (
            self.latency_us,
            self.service_us,
            self.ep_index,
            self.lag_us,
            self.queue_us,
            self.connect_us,
            self.ttfb_us,
        ):
            del arr[:]
        self.errors = [0] * ERROR_KIND_COUNT
        self.ep_errors = [0] * self.n_endpoints
        self.ep_unmeasured = [0] * self.n_endpoints
        self.status = {}
        self.ok = self.offered = self.bytes_in = self.bytes_out = 0


def _as_np(values: array[int]) -> np.ndarray:
    if not values:
        return np.zeros(0, dtype=np.int64)
    return (
        np.frombuffer(values, dtype=np.int64).copy()
        if values.typecode == "q"
        else np.asarray(values, dtype=np.int64)
    )
