"""Run one HTTP test (load, stress, spike, volume, endurance) and build its result.

The run loop only wires stages together: shape → engine → per-interval stream (disk,
progress, abort rules, resources) → totals. Verdicts and the type-specific analysis happen
afterwards in :mod:`omninode_bridge.scenarios.judging`, over what was streamed to disk.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from omninode_bridge.analysis.thresholds import AbortMonitor
from omninode_bridge.config import TestConfig
from omninode_bridge.engine.plan import WorkerPlan
from omninode_bridge.engine.scheduler import StopFlag
from omninode_bridge.engine.workers import RunStats, run_plan
from omninode_bridge.metrics.interval import Totals, interval_document
from omninode_bridge.metrics.recorder import IntervalPart
from omninode_bridge.plan.pacers import constant
from omninode_bridge.plan.requests import RequestSpec
from omninode_bridge.reporters.terminal import Progress
from omninode_bridge.results.writer import IntervalStream
from omninode_bridge.scenarios.requests_from_config import build_requests, request_spec
from omninode_bridge.scenarios.resources_watch import ResourceWatch
from omninode_bridge.scenarios.shapes import Shape, shape_of


@dataclass
class RunContext:
    base_urls: Mapping[str, str]
    output_dir: Path
    stem: str
    stop: StopFlag = field(default_factory=StopFlag)
    duration_scale: float = 1.0
    collection_interval_s: float = 1.0
    resource_monitoring: bool = True
    suite_resources: Any = None
    workers_override: int | None = None
    progress_factory: Callable[[str, float], Progress] = Progress


@dataclass
class HttpRun:
    """Everything measured for one test, before judging."""

    test: TestConfig
    shape: Shape
    specs: list[RequestSpec]
    totals: Totals
    stream: IntervalStream
    stats: RunStats | None
    started_at: datetime
    duration_s: float
    workers: int
    abort_reason: str | None = None
    unreachable: list[str] = field(default_factory=list)
    resource_samples: list[dict[str, Any]] = field(default_factory=list)
    resource_source: str | None = None
    resource_error: str | None = None
    preloaded: int = 0


def unreachable_origins(specs: list[RequestSpec], timeout_s: float = 2.0) -> list[str]:
    """Origins that refuse a TCP connection before the test starts (exit code 3)."""
    problems = []
    for origin in sorted({urlsplit(s.url).netloc for s in specs}):
        parts = urlsplit(f"http://{origin}")
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                pass
        except OSError as exc:
            problems.append(f"target unreachable: {host}:{port} ({exc.strerror or exc})")
    return problems


def worker_plan(test: TestConfig, shape: Shape, specs: list[RequestSpec]) -> WorkerPlan:
    if shape.pacer is None:
        return WorkerPlan(
            requests=tuple(specs),
            model="closed",
            duration_s=shape.planned_s,
            concurrency=test.concurrency or 50,
            think_time_s=test.think_time,
            timeout_s=test.timeout,
            max_body_bytes=int(test.max_body_bytes),
            insecure_tls=test.insecure_tls,
        )
    return WorkerPlan(
        requests=tuple(specs),
        model="open",
        segments=shape.pacer.segments,
        max_connections=test.connections or 1024,
        timeout_s=test.timeout,
        max_body_bytes=int(test.max_body_bytes),
        insecure_tls=test.insecure_tls,
    )


async def preload(test: TestConfig, ctx: RunContext) -> int:
    """Volume tests: push ``preload.count`` records through an endpoint before measuring."""
    if test.preload is None:
        return 0
    spec = request_spec(test.preload.endpoint, ctx.base_urls)
    rate = test.preload.rate or 500.0
    duration = test.preload.count / rate
    plan = WorkerPlan(
        requests=(spec,),
        model="open",
        segments=constant(rate, duration).segments,
        timeout_s=test.timeout,
    )
    totals = Totals()
    await run_plan(plan, 1, totals.add, ctx.stop)
    return totals.total.ok


async def run_http_test(test: TestConfig, ctx: RunContext) -> HttpRun:
    shape = shape_of(test, ctx.duration_scale)
    specs = build_requests(test, ctx.base_urls)
    stream = IntervalStream(ctx.output_dir, ctx.stem, test.name)
    workers = ctx.workers_override or test.workers
    run = HttpRun(test, shape, specs, Totals(), stream, None, datetime.now(UTC), 0.0, workers)
    run.unreachable = unreachable_origins(specs)
    if run.unreachable:
        stream.close()
        return run
    run.preloaded = await preload(test, ctx)
    watch = ResourceWatch.for_test(test, ctx, specs)
    await watch.start()
    progress = ctx.progress_factory(test.name, shape.planned_s)
    abort = AbortMonitor.from_exprs(test.abort_on) if test.abort_on else None
    endpoint_names = [s.display_name for s in specs]

    warm = int(shape.warmup_s)

    def on_interval(part: IntervalPart) -> None:
        t = part.index
        target = shape.pacer.rate(t + 0.5) if shape.pacer is not None else None
        doc = interval_document(
            part, target_rps=target, endpoint_names=endpoint_names, resources=watch.latest()
        )
        if t < warm:
            progress.update({**doc, "warmup": True})  # shown, not measured
            return
        progress.update(doc)  # the whole run's clock, warm-up included
        if warm:
            doc["t"] = t - warm  # the measured run starts after the warm-up
        run.totals.add(part)
        stream.write(doc)
        if abort is not None and (reason := abort.feed(doc)) is not None:
            run.abort_reason = reason
            ctx.stop.stop(reason)

    started = time.monotonic()
    try:
        run.stats = await run_plan(worker_plan(test, shape, specs), workers, on_interval, ctx.stop)
    finally:
        active = run.stats.active_s if run.stats is not None else 0.0
        active = active or max(0.0, time.monotonic() - started - 0.2)
        run.duration_s = max(0.0, active - warm)
        progress.close()
        stream.close()
        samples, run.resource_source, run.resource_error = await watch.stop()
        run.resource_samples = after_warmup(samples, warm)
    if ctx.stop.stopped and run.abort_reason is None:
        run.abort_reason = ctx.stop.reason
    return run


def after_warmup(samples: list[dict[str, Any]], warm: float) -> list[dict[str, Any]]:
    """Resource samples of the measured run, their ``t`` counted from its start."""
    if not warm:
        return samples
    return [{**s, "t": s["t"] - warm} for s in samples if s.get("t", 0.0) >= warm]


def run_http_test_sync(test: TestConfig, ctx: RunContext) -> HttpRun:
    return asyncio.run(run_http_test(test, ctx))
