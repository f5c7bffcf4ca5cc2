"""Per-request recording in O(1): a few list appends, no arithmetic.

The hot path appends each response's raw clock readings, status and endpoint to one list
and bumps counters. Once a second the engine calls :meth:`Recorder.take`, which hands the
lists over and starts new ones (O(1), on the event loop), and :func:`build_part` derives
the figures and bins them into histograms with numpy (off the loop, in the engine's
interval thread), so memory stays flat however long the run and the loop never stalls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    # per endpoint: (requests, errors, dropped, latency); as for the whole interval,
    # requests = ok + errors, and dropped requests (never sent) are in neither
    endpoints: dict[int, tuple[int, int, int, Histogram]] = field(default_factory=dict)
    # The costly histogram figures of its interval document, computed off the event loop
    # (metrics.interval.with_digest); dropped when another part is merged in.
    digest: dict[str, Any] | None = None

    def merge(self, other: IntervalPart) -> None:
        self.digest = None
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
        for ep, (reqs, errs, drops, hist) in other.endpoints.items():
            if ep in self.endpoints:
                mine = self.endpoints[ep]
                mine[3].add(hist)
                self.endpoints[ep] = (mine[0] + reqs, mine[1] + errs, mine[2] + drops, mine[3])
            else:
                self.endpoints[ep] = (reqs, errs, drops, hist.copy())

    @property
    def error_count(self) -> int:
        return sum(self.errors_by_kind.values())


def _add_counts(into: dict[str, int], other: dict[str, int]) -> None:
    for key, value in other.items():
        into[key] = into.get(key, 0) + value


RESPONSE_FIELDS = 6  # intended, sent, first byte, last byte (ns), status, endpoint


class Recorder:
    """Accumulates one interval of raw measurements for one worker.

    The hot path does no arithmetic: a response appends six references (its four
    timestamps, as the clock returned them, its status and its endpoint) to one flat
    list. Once a second :meth:`take` hands the list over and starts a new one, and
    :func:`build_part` turns it into a numpy array, derives latency, service time and
    TTFB in whole µs, splits ok from HTTP errors and bins everything into histograms, so
    memory stays flat however long the run. (On this machine an ``array.append`` of a
    computed difference costs about 120 ns; appending an existing int to a list costs
    about 10.)
    """

    __slots__ = (
        "bytes_in",
        "bytes_out",
        "connect_ns",
        "errors",
        "failed",
        "lag",
        "n_endpoints",
        "offered",
        "queue_ns",
        "responses",
    )

    def __init__(self, n_endpoints: int = 1) -> None:
        self.n_endpoints = n_endpoints
        self.responses: list[int] = []  # RESPONSE_FIELDS per response, flat
        self.lag: list[int] = []  # (due, dispatched) pairs, flat: open model only
        self.queue_ns: list[int] = []
        self.connect_ns: list[int] = []
        # (kind, endpoint, ns from intended start, ns from send): both set for a timeout
        self.failed: list[tuple[int, int, int | None, int | None]] = []
        self.errors = [0] * ERROR_KIND_COUNT
        self.offered = 0
        self.bytes_in = 0
        self.bytes_out = 0

    def failure(
        self,
        kind: ErrorKind,
        ep: int,
        latency_ns: int | None = None,
        service_ns: int | None = None,
    ) -> None:
        """A request that ended without a response; a timeout keeps its true durations."""
        self.errors[kind] += 1
        self.failed.append((kind, ep, latency_ns, service_ns))

    def take(self, index: int) -> RawInterval:
        """Hand over this interval's raw readings and start a new one: O(1), no numpy.

        Fresh lists replace the old ones, so :func:`build_part` may work on the taken
        ones in another thread while the hot path appends to the new.
        """
        raw = RawInterval(
            index,
            self.n_endpoints,
            self.responses,
            self.lag,
            self.queue_ns,
            self.connect_ns,
            self.failed,
            self.errors,
            self.offered,
            self.bytes_in,
            self.bytes_out,
        )
        self.responses, self.lag, self.queue_ns, self.connect_ns = [], [], [], []
        self.failed = []
        self.errors = [0] * ERROR_KIND_COUNT
        self.offered = self.bytes_in = self.bytes_out = 0
        return raw


@dataclass(frozen=True)
class RawInterval:
    """One interval's raw readings, as the hot path left them (see :class:`Recorder`)."""

    index: int
    n_endpoints: int
    responses: list[int]
    lag: list[int]
    queue_ns: list[int]
    connect_ns: list[int]
    failed: list[tuple[int, int, int | None, int | None]]
    errors: list[int]
    offered: int
    bytes_in: int
    bytes_out: int


def build_part(raw: RawInterval) -> IntervalPart:
    """Derive an interval's figures from its raw readings and bin them (numpy).

    A pure function of ``raw``: safe to run off the event loop.
    """
    responses = raw.responses
    rows = np.fromiter(responses, np.int64, len(responses)).reshape(-1, RESPONSE_FIELDS)
    intended, sent, first, last, status, ep = rows.T
    failed = [(e, t, s) for _, e, t, s in raw.failed if t is not None]
    failed_us = np.array([t for _, t, _ in failed], dtype=np.int64) // 1000
    failed_service_us = np.array([s or t for _, t, s in failed], dtype=np.int64) // 1000
    failed_ep = np.array([e for e, _, _ in failed], dtype=np.int64)

    codes = np.bincount(status, minlength=600) if status.size else np.zeros(600, np.int64)
    ok = int(codes[:400].sum())
    errors = list(raw.errors)
    errors[ErrorKind.HTTP_STATUS] += int(codes[400:].sum())
    part = IntervalPart(index=raw.index, offered=raw.offered, ok=ok)
    part.errors_by_kind = {ErrorKind(k).label: n for k, n in enumerate(errors) if n and k > 0}
    part.status_codes = {str(code): int(codes[code]) for code in np.flatnonzero(codes)}
    part.requests = ok + sum(n for k, n in enumerate(errors) if k not in (0, ErrorKind.DROPPED))
    part.bytes_in, part.bytes_out = raw.bytes_in, raw.bytes_out

    latency = np.concatenate(((last - intended) // 1000, failed_us))
    part.latency.record_many(latency)
    part.service_time.record_many(np.concatenate(((last - sent) // 1000, failed_service_us)))
    part.ttfb.record_many((first - sent) // 1000)
    lag = np.array(raw.lag, dtype=np.int64).reshape(-1, 2)
    part.send_lag.record_many((lag[:, 1] - lag[:, 0]) // 1000)
    part.queue_wait.record_many(np.array(raw.queue_ns, dtype=np.int64) // 1000)
    part.connect.record_many(np.array(raw.connect_ns, dtype=np.int64) // 1000)
    _split_endpoints(raw, part, latency, np.concatenate((ep, failed_ep)), status)
    return part


def _split_endpoints(
    raw: RawInterval, part: IntervalPart, latency: np.ndarray, eps: np.ndarray, status: np.ndarray
) -> None:
    n = raw.n_endpoints
    errors = np.bincount(eps[: status.size][status >= 400], minlength=n)
    dropped = np.zeros(n, dtype=np.int64)
    unmeasured = np.zeros(n, dtype=np.int64)
    for kind, ep, elapsed, _ in raw.failed:
        if kind == ErrorKind.DROPPED:
            dropped[ep] += 1
            continue
        errors[ep] += 1
        if elapsed is None:
            unmeasured[ep] += 1
    if n == 1:
        part.endpoints[0] = (
            part.requests,
            int(errors[0]),
            int(dropped[0]),
            part.latency.copy(),
        )
        return
    for index in range(n):
        values = latency[eps == index]
        hist = Histogram()
        hist.record_many(values)
        requests = int(values.size + unmeasured[index])
        part.endpoints[index] = (requests, int(errors[index]), int(dropped[index]), hist)
