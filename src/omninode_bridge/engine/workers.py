"""Run a plan on 1..N worker processes and merge their intervals exactly.

With one worker the run happens in the caller's event loop. With more, each worker is a
``spawn``-ed process running its own uvloop; it streams each finished interval (histograms
in the compact HDR encoding) through a pipe, and the coordinator merges interval ``i`` once
every worker has sent it. Histogram merging is exact, so N workers report what one
would.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from time import monotonic_ns
from typing import Any

from omninode_bridge.engine.plan import WorkerPlan
from omninode_bridge.engine.scheduler import StopFlag, WorkerRun, WorkerStats
from omninode_bridge.errors import InvalidRun
from omninode_bridge.metrics.histogram import Histogram
from omninode_bridge.metrics.interval import with_digest
from omninode_bridge.metrics.recorder import IntervalPart

HIST_FIELDS = ("latency", "service_time", "send_lag", "queue_wait", "connect", "ttfb")


def part_to_wire(part: IntervalPart) -> dict[str, Any]:
    wire: dict[str, Any] = {
        k: getattr(part, k)
        for k in (
            "index",
            "offered",
            "requests",
            "ok",
            "errors_by_kind",
            "status_codes",
            "duration_s",
        )
    }
    wire["bytes"] = (part.bytes_in, part.bytes_out)
    for name in HIST_FIELDS:
        wire[name] = _hist_to_wire(getattr(part, name))
    wire["endpoints"] = {
        ep: (r, e, d, _hist_to_wire(h)) for ep, (r, e, d, h) in part.endpoints.items()
    }
    return wire


def part_from_wire(wire: dict[str, Any]) -> IntervalPart:
    part = IntervalPart(index=wire["index"], offered=wire["offered"], duration_s=wire["duration_s"])
    part.requests, part.ok = wire["requests"], wire["ok"]
    part.errors_by_kind, part.status_codes = wire["errors_by_kind"], wire["status_codes"]
    part.bytes_in, part.bytes_out = wire["bytes"]
    for name in HIST_FIELDS:
        setattr(part, name, _hist_from_wire(wire[name]))
    part.endpoints = {
        ep: (r, e, d, _hist_from_wire(h)) for ep, (r, e, d, h) in wire["endpoints"].items()
    }
    return part


def _hist_to_wire(hist: Histogram) -> tuple[str, int]:
    return hist.encode(), hist.max  # the codec keeps the max only to its slot


def _hist_from_wire(wire: tuple[str, int]) -> Histogram:
    hist = Histogram.decode(wire[0])
    hist.narrow_max(wire[1])
    return hist


class IntervalMerger:
    """Collects interval parts from W workers; emits interval i when all W have sent it."""

    def __init__(self, workers: int, emit: Callable[[IntervalPart], None]) -> None:
        self.workers = workers
        self.emit = emit
        self.pending: dict[int, tuple[IntervalPart, int]] = {}
        self.next_index = 0

    def add(self, part: IntervalPart) -> None:
        merged, seen = self.pending.get(part.index, (None, 0))
        if merged is None:
            merged = part
        else:
            merged.merge(part)
        self.pending[part.index] = (merged, seen + 1)
        while self.next_index in self.pending and self.pending[self.next_index][1] >= self.workers:
            self.emit(self.pending.pop(self.next_index)[0])
            self.next_index += 1

    def flush(self) -> None:
        for index in sorted(self.pending):
            self.emit(self.pending[index][0])
        self.pending.clear()


@dataclass
class RunStats:
    workers: list[WorkerStats]

    @property
    def cpu_s(self) -> float:
        return sum(w.cpu_user_s + w.cpu_sys_s for w in self.workers)

    @property
    def wall_s(self) -> float:
        return max((w.wall_s for w in self.workers), default=0.0)

    @property
    def active_s(self) -> float:
        return max((w.active_s for w in self.workers), default=0.0)


def share_of(total: int, index: int, parts: int) -> int:
    """Worker ``index``'s share of ``total`` split over ``parts`` (at least 1 each)."""
    return max(1, total // parts + (1 if index < total % parts else 0))


async def run_plan(
    plan: WorkerPlan,
    workers: int,
    on_interval: Callable[[IntervalPart], None],
    stop: StopFlag,
    start_delay_s: float = 0.2,
) -> RunStats:
    start_ns = monotonic_ns() + int(start_delay_s * 1e9)
    merger = IntervalMerger(workers, on_interval)
    if workers <= 1:
        run = WorkerRun(replace(plan, start_ns=start_ns), merger.add, stop, with_digest)
        stats = await run.run()
        merger.flush()
        return RunStats([stats])
    plans = [
        replace(
            plan,
            start_ns=start_ns,
            worker_index=i,
            worker_count=workers,
            # connection counts are the test's, shared out, not repeated per worker
            concurrency=share_of(plan.concurrency, i, workers),
            max_connections=share_of(plan.max_connections, i, workers),
        )
        for i in range(workers)
    ]
    all_stats = await _run_processes(plans, merger, stop)
    merger.flush()
    return RunStats(all_stats)


async def _run_processes(
    plans: list[WorkerPlan], merger: IntervalMerger, stop: StopFlag
) -> list[WorkerStats]:
    ctx = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    procs: list[tuple[Any, Connection]] = []
    results: dict[int, WorkerStats] = {}
    finished = asyncio.Event()
    for plan in plans:
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_worker_main, args=(plan, child), daemon=True)
        proc.start()
        child.close()
        procs.append((proc, parent))
    # Start only once every worker has imported and is ready, so no schedule starts late.
    for i, (proc, conn) in enumerate(procs):
        while not await loop.run_in_executor(None, conn.poll, 0.5):
            if not proc.is_alive():
                raise InvalidRun(f"generator worker {i} exited before starting")
        conn.recv()
    start_ns = monotonic_ns() + int(0.1 * 1e9)
    for _, conn in procs:
        conn.send(("start", start_ns))
    for i, (_, parent) in enumerate(procs):

        def on_readable(i: int = i, conn: Connection = parent) -> None:
            try:
                while conn.poll():
                    kind, payload = conn.recv()
                    if kind == "interval":
                        merger.add(part_from_wire(payload))
                    else:
                        results[i] = payload
            except (EOFError, OSError):
                loop.remove_reader(conn.fileno())
                results.setdefault(i, WorkerStats())
            if len(results) == len(plans):
                finished.set()

        loop.add_reader(parent.fileno(), on_readable)
    stop_sent = False
    try:
        while not finished.is_set():
            if stop.stopped and not stop_sent:
                for _, conn in procs:
                    conn.send(("stop", stop.reason))
                stop_sent = True
            await asyncio.sleep(0.05)
    finally:
        for proc, conn in procs:
            with contextlib.suppress(ValueError, OSError):
                loop.remove_reader(conn.fileno())
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
            conn.close()
    return [results[i] for i in range(len(plans))]


def _worker_main(plan: WorkerPlan, conn: Connection) -> None:
    import uvloop

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides when to stop
    conn.send(("ready", os.getpid()))
    _, start_ns = conn.recv()
    plan = replace(plan, start_ns=start_ns)

    async def main() -> WorkerStats:
        stop = StopFlag()
        loop = asyncio.get_running_loop()

        def on_control() -> None:
            try:
                while conn.poll():
                    kind, reason = conn.recv()
                    if kind == "stop":
                        stop.stop(str(reason))
            except (EOFError, OSError):
                stop.stop("coordinator went away")
                loop.remove_reader(conn.fileno())

        loop.add_reader(conn.fileno(), on_control)
        run = WorkerRun(plan, lambda wire: conn.send(("interval", wire)), stop, part_to_wire)
        stats = await run.run()
        loop.remove_reader(conn.fileno())
        return stats

    stats = uvloop.run(main())
    conn.send(("done", stats))
    conn.close()
