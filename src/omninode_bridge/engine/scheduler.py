"""One worker's run loop: the open-model dispatcher or the closed-model loop, plus ticks.

Open model: request n is due at ``start + pacer.arrival_time(n)``; this worker takes every
``worker_count``-th arrival. A ``timerfd`` wakes the loop at the next due time; everything
due by then is dispatched, and the lag between due and dispatch is recorded. Nothing waits
for a response before the next send.

Closed model: N connections each send, wait for the response, think, repeat, like wrk.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import resource
import ssl
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from time import monotonic_ns
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from omninode_bridge.engine.plan import WorkerPlan
from omninode_bridge.engine.pool import ConnectionPool, Origin
from omninode_bridge.engine.timer import Waker
from omninode_bridge.engine.transport import HttpConnection
from omninode_bridge.metrics.recorder import IntervalPart, RawInterval, Recorder, build_part
from omninode_bridge.plan.pacers import Pacer
from omninode_bridge.plan.requests import RenderedRequest, weighted_cycle

SWEEP_INTERVAL_S = 0.05
NS = 1_000_000_000
# While the interval thread works (a few ms a second), the loop gets the GIL back within
# this long instead of CPython's default 5 ms, which would show up as send lag.
GIL_SWITCH_S = 0.0002
# The interval thread runs at a lower CPU priority, so that the loop, waking for a due
# send, preempts it at once instead of waiting out its time slice (about 3 ms on Linux).
BUILDER_NICE = 10

T = TypeVar("T")


@dataclass
class WorkerStats:
    dispatched: int = 0
    cpu_user_s: float = 0.0
    cpu_sys_s: float = 0.0
    wall_s: float = 0.0  # start to end, including waiting for in-flight requests
    active_s: float = 0.0  # start to the end of the schedule (the test's duration)
    precise_timer: bool = True


class StopFlag:
    """Set by the coordinator (signal or abort rule) to end the run early."""

    def __init__(self) -> None:
        self.stopped = False
        self.reason: str | None = None

    def stop(self, reason: str) -> None:
        if not self.stopped:
            self.stopped = True
            self.reason = reason


def origin_of(url: str) -> Origin:
    parts = urlsplit(url)
    scheme = parts.scheme or "http"
    port = parts.port or (443 if scheme == "https" else 80)
    return Origin(scheme, parts.hostname or "127.0.0.1", port)


class _SwitchIntervalHolds:
    """Runs in progress in this process, and the interpreter's own interval to restore."""

    runs = 0
    saved_s = 0.0


@contextlib.contextmanager
def _short_gil_switch() -> Iterator[None]:
    """``GIL_SWITCH_S`` while any run is in progress in this process; restored after the
    last one (runs may overlap, e.g. a preload beside a test)."""
    holds = _SwitchIntervalHolds
    if holds.runs == 0:
        holds.saved_s = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_S)
    holds.runs += 1
    try:
        yield
    finally:
        holds.runs -= 1
        if holds.runs == 0:
            sys.setswitchinterval(holds.saved_s)


def _lower_priority() -> None:
    """Lower the calling thread's priority (Linux: a thread id is a ``PRIO_PROCESS`` id)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BUILDER_NICE)


class WorkerRun(Generic[T]):
    """Owns the pools, the recorder and the ticking for one worker.

    Once a second the loop only takes the recorder's raw lists (O(1)); a thread turns
    them into an :class:`IntervalPart` and runs ``prepare`` on it (histograms, encoding:
    milliseconds of numpy that would otherwise stall the dispatcher and show up as send
    lag), and ``on_interval`` gets the result back on the loop, in interval order.
    """

    def __init__(
        self,
        plan: WorkerPlan,
        on_interval: Callable[[T], None],
        stop: StopFlag,
        prepare: Callable[[IntervalPart], T],
    ) -> None:
        self.plan = plan
        self.on_interval = on_interval
        self.prepare = prepare
        self.stop_flag = stop
        self.loop = asyncio.get_running_loop()
        self.recorder = Recorder(len(plan.requests))
        self.rendered = [RenderedRequest(spec) for spec in plan.requests]
        self.order = weighted_cycle([spec.weight for spec in plan.requests])
        self.pools: dict[Origin, ConnectionPool] = {}
        self.ep_pool: list[ConnectionPool] = []
        self._build_pools()
        self.interval_index = 0
        self.planned_s = (
            plan.duration_s
            if plan.model == "closed"
            else sum(seg.duration for seg in plan.segments)
        )
        self.planned_intervals = max(1, math.ceil(self.planned_s - 1e-9))
        self.done = asyncio.Event()
        self.stats = WorkerStats()
        self._builder = ThreadPoolExecutor(
            1, thread_name_prefix="interval-builder", initializer=_lower_priority
        )
        self._building: deque[Future[T]] = deque()
        self._build_error: BaseException | None = None

    def _build_pools(self) -> None:
        ctx: ssl.SSLContext | None = None
        if any(origin_of(s.url).tls for s in self.plan.requests):
            ctx = ssl.create_default_context()
            if self.plan.insecure_tls:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
        for spec in self.plan.requests:
            origin = origin_of(spec.url)
            if origin not in self.pools:
                self.pools[origin] = ConnectionPool(
                    self.loop,
                    origin,
                    self.recorder,
                    max_connections=self.plan.max_connections,
                    timeout_s=self.plan.timeout_s,
                    max_body_bytes=self.plan.max_body_bytes,
                    ssl_context=ctx,
                    head_requests=any(
                        r.method == "HEAD" and origin_of(r.url) == origin
                        for r in self.plan.requests
                    ),
                )
            self.ep_pool.append(self.pools[origin])

    # -- ticking ----------------------------------------------------------------------
    def _schedule_tick(self) -> None:
        due = self.plan.start_ns + (self.interval_index + 1) * NS
        self.loop.call_later(max(0.0, (due - monotonic_ns()) / NS), self._tick)

    def _tick(self) -> None:
        if self.done.is_set():
            return
        if self.interval_index + 1 >= self.planned_intervals:
            return  # the last interval stays open through the drain; run() emits it
        self._emit()
        self._schedule_tick()

    def _emit(self) -> None:
        raw = self.recorder.take(self.interval_index)
        self.interval_index += 1
        future = self._builder.submit(self._build, raw)
        self._building.append(future)
        future.add_done_callback(lambda _: self.loop.call_soon_threadsafe(self._deliver))

    def _build(self, raw: RawInterval) -> T:
        return self.prepare(build_part(raw))

    def _deliver(self) -> None:
        """Hand finished intervals to ``on_interval`` in order (runs on the loop)."""
        while self._building and self._building[0].done():
            future = self._building.popleft()
            error = future.exception()
            if error is not None:
                self._build_error = self._build_error or error  # raised by _emit_last
                continue
            self.on_interval(future.result())

    async def _emit_last(self) -> None:
        """Deliver every interval still being built, then the last one (with the drain)."""
        while self._building:
            await asyncio.wait([asyncio.wrap_future(self._building[0])])
            self._deliver()
        if self._build_error is not None:
            raise self._build_error
        started = self.plan.start_ns + self.interval_index * NS
        part = build_part(self.recorder.take(self.interval_index))
        part.duration_s = max(0.001, (monotonic_ns() - started) / NS)
        self.interval_index += 1
        self.on_interval(self.prepare(part))

    def _sweep(self) -> None:
        if self.done.is_set():
            return
        now = monotonic_ns()
        for pool in self.pools.values():
            pool.sweep(now)
        self.loop.call_later(SWEEP_INTERVAL_S, self._sweep)

    # -- running ----------------------------------------------------------------------
    async def run(self) -> WorkerStats:
        try:
            with _short_gil_switch():
                return await self._run()
        finally:
            self._builder.shutdown(wait=True, cancel_futures=True)

    async def _run(self) -> WorkerStats:
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        wall0 = monotonic_ns()
        delay = (self.plan.start_ns - monotonic_ns()) / NS
        if delay > 0:
            await asyncio.sleep(delay)
        self._schedule_tick()
        self._sweep()
        if self.plan.model == "closed":
            await self._run_closed()
        else:
            await self._run_open()
        self.stats.active_s = (monotonic_ns() - self.plan.start_ns) / NS
        await self._drain()
        self.done.set()
        for pool in self.pools.values():
            pool.close()  # what is still in flight after the grace period timed out
        await self._emit_last()  # the last interval, including the drain
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        self.stats.cpu_user_s = usage1.ru_utime - usage0.ru_utime
        self.stats.cpu_sys_s = usage1.ru_stime - usage0.ru_stime
        self.stats.wall_s = (monotonic_ns() - max(wall0, self.plan.start_ns)) / NS
        return self.stats

    async def _drain(self) -> None:
        grace = 2.0 if self.stop_flag.stopped else self.plan.timeout_s
        deadline = monotonic_ns() + int(grace * NS)
        while any(p.busy() for p in self.pools.values()) and monotonic_ns() < deadline:
            await asyncio.sleep(0.005)

    async def _wait_until(self, end_ns: int) -> None:
        while monotonic_ns() < end_ns and not self.stop_flag.stopped:
            await asyncio.sleep(min(0.05, max(0.0, (end_ns - monotonic_ns()) / NS)))

    # -- open model -------------------------------------------------------------------
    async def _run_open(self) -> None:
        pacer = Pacer(list(self.plan.segments))
        finished = asyncio.Event()
        start = self.plan.start_ns
        step = self.plan.worker_count
        state = {"n": self.plan.worker_index}
        rendered, order, ep_pool = self.rendered, self.order, self.ep_pool
        n_order = len(order)
        rec = self.recorder
        stop = self.stop_flag

        def due_ns(n: int) -> int | None:
            t = pacer.arrival_time(n)
            return None if t is None else start + int(t * NS)

        def fire() -> None:
            lag = rec.lag  # a new list every interval (Recorder.take)
            n = state["n"]
            now = monotonic_ns()
            due = due_ns(n)
            while due is not None and due <= now:
                if stop.stopped:
                    due = None
                    break
                ep = order[n % n_order]
                req = rendered[ep]
                rec.offered += 1
                lag.append(due)
                lag.append(now)
                ep_pool[ep].submit(due, req.render(n), ep, req.head)
                n += step
                due = due_ns(n)
                now = monotonic_ns()
            state["n"] = n
            self.stats.dispatched = (n - self.plan.worker_index) // step
            if due is None:
                finished.set()
            else:
                waker.arm(due)

        waker = Waker(self.loop, fire)
        self.stats.precise_timer = waker.precise
        first = due_ns(state["n"])
        if first is None:
            finished.set()
        else:
            waker.arm(first)
        try:
            while not finished.is_set():
                try:
                    await asyncio.wait_for(finished.wait(), 0.1)
                except TimeoutError:
                    if stop.stopped:
                        fire()
        finally:
            waker.close()
        # The test lasts its whole window even when the last arrival is due before its
        # end (1 req/s for 1 s is one request at t=0): rates are per planned second.
        await self._wait_until(start + int(self.planned_s * NS))

    # -- closed model -----------------------------------------------------------------
    async def _run_closed(self) -> None:
        plan = self.plan
        end_ns = plan.start_ns + int(plan.duration_s * NS)
        think = plan.think_time_s
        rec = self.recorder
        for origin, pool in self.pools.items():
            eps = [i for i, p in enumerate(self.ep_pool) if p is pool]
            cycle = [eps[i] for i in weighted_cycle([plan.requests[e].weight for e in eps])]
            share = sum(plan.requests[e].weight for e in eps) / sum(s.weight for s in plan.requests)
            conns = max(1, round(plan.concurrency * share))
            self._start_closed_pool(pool, cycle, conns, end_ns, think, rec)
            del origin
        await self._wait_until(end_ns)
        for pool in self.pools.values():
            pool.on_idle = None

    def _start_closed_pool(
        self,
        pool: ConnectionPool,
        cycle: list[int],
        conns: int,
        end_ns: int,
        think: float,
        rec: Recorder,
    ) -> None:
        rendered = self.rendered
        counter = [0]
        n_cycle = len(cycle)
        loop = self.loop

        ended = [False]  # a timer flips it, so no clock read per request
        loop.call_later(max(0.0, (end_ns - monotonic_ns()) / NS), ended.__setitem__, 0, True)
        stop = self.stop_flag

        def send_next(conn: HttpConnection) -> None:
            if ended[0] or stop.stopped or conn.transport is None:
                pool.idle.append(conn)
                return
            n = counter[0]
            counter[0] = n + 1
            ep = cycle[n % n_cycle]
            req = rendered[ep]
            rec.offered += 1
            pool.send_on(conn, req.render(n), ep, req.head)

        fixed = rendered[cycle[0]].static if n_cycle == 1 and not pool.head_aware else None
        fixed_ep = cycle[0]

        def send_fixed(conn: HttpConnection) -> None:
            """``send_next`` for the common case of one request that never changes."""
            if ended[0] or stop.stopped or conn.transport is None:
                pool.idle.append(conn)
                return
            rec.offered += 1
            conn.send(fixed, 0, fixed_ep)  # type: ignore[arg-type]

        send = send_fixed if fixed is not None else send_next

        def think_then_send(conn: HttpConnection) -> None:
            loop.call_later(think, send, conn)

        pool.on_idle = think_then_send if think > 0 else send
        for _ in range(conns):
            pool.open_connection()
