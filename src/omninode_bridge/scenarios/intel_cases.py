"""The four intelligence case types, each one bounded run against the target.

Owns what each case sends and watches: ``pattern_discovery``, ``event_processing``,
``prediction`` and ``learning_update``. A case returns a ``CaseResult``: its own detailed
section (ms), plus raw samples and counts the runner pools across cases. A missing endpoint
raises ``EndpointMissing`` out of the case; the runner records it as the test's error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from omninode_bridge.scenarios import intel_metrics as im
from omninode_bridge.scenarios.intel_client import (
    EndpointMissing,
    IntelClient,
    Reply,
    Sent,
    ok_replies,
    send_open,
)
from omninode_bridge.scenarios.intel_stream import (
    IntelStream,
    Probe,
    blocks,
    generate_stream,
    make_probes,
)
from omninode_bridge.scenarios.intel_watch import (
    EventWatch,
    PatternWatch,
    read_processed,
    watch_events,
    watch_patterns,
)


class CaseLike(Protocol):
    """The fields of the config model's ``IntelligenceCase`` that cases read."""

    @property
    def type(self) -> str: ...
    @property
    def event_count(self) -> int: ...
    @property
    def prediction_count(self) -> int: ...
    @property
    def rate(self) -> float: ...
    @property
    def seed(self) -> int: ...
    @property
    def timeout(self) -> float: ...
    @property
    def poll_interval(self) -> float: ...
    @property
    def block_size(self) -> int: ...
    @property
    def target_accuracy(self) -> float: ...
    @property
    def noise_ratio(self) -> float: ...
    @property
    def pattern_count(self) -> int: ...


@dataclass
class CaseResult:
    type: str
    section: dict[str, Any]
    samples: dict[str, list[float | None]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    curve: list[dict[str, Any]] = field(default_factory=list)
    events_to_target: int | None = None


@dataclass
class CaseContext:
    client: IntelClient
    case: CaseLike
    namespace: str
    progress: Callable[[str], None]
    fatal: list[EndpointMissing] = field(default_factory=list)

    def stream(self) -> IntelStream:
        c = self.case
        return generate_stream(
            c.event_count,
            pattern_count=c.pattern_count,
            noise_ratio=c.noise_ratio,
            seed=c.seed,
            namespace=self.namespace,
        )

    def raise_fatal(self) -> None:
        if self.fatal:
            raise self.fatal[0]


def _server_now(body: Mapping[str, Any] | None) -> float:
    now = body.get("now") if body else None
    return float(now) if isinstance(now, int | float) else time.time() * 1000.0


async def send_stream(ctx: CaseContext, stream: IntelStream) -> list[Sent]:
    """POST every stream event to the hooks endpoint, open model, at the case's rate."""

    async def send(i: int) -> Reply:
        body = stream.events[i].body(f"{ctx.namespace}-{i}")
        return await ctx.client.call("POST", "hooks", json=body)

    ctx.progress(f"sending {len(stream.events)} events at {ctx.case.rate:g}/s")
    records = await send_open(len(stream.events), ctx.case.rate, send, on_fatal=ctx.fatal.append)
    ctx.raise_fatal()
    return records


def _latencies(records: Sequence[Sent]) -> list[float | None]:
    """Ack latency from the intended send time (s), per successful send."""
    return [r.reply.done - r.intended for _, r in ok_replies(records) if r.reply is not None]


def _send_lags(records: Sequence[Sent]) -> list[float | None]:
    """Actual send minus intended send (s): how well the generator kept its schedule."""
    return [r.reply.sent - r.intended for r in records if r.reply is not None]


class _Deadline:
    """No deadline while sending; ``timeout`` seconds after the last send once it ends."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.at = float("inf")

    @property
    def sending_done(self) -> bool:
        return self.at != float("inf")

    def close(self) -> None:
        self.at = time.perf_counter() + self.timeout

    def __call__(self) -> float:
        return self.at


async def _observe(
    deadline: _Deadline, send: Callable[[], Awaitable[list[Sent]]], watcher: Awaitable[None]
) -> list[Sent]:
    """Send while ``watcher`` observes; then let the watcher finish, bounded by the deadline."""
    watching = asyncio.ensure_future(watcher)
    try:
        records = await send()
    except BaseException:
        watching.cancel()
        raise
    finally:
        deadline.close()
    await watching
    return records


async def pattern_discovery(ctx: CaseContext) -> CaseResult:
    stream = ctx.stream()
    since = {"since": f"{time.time() * 1000:.0f}"}
    first = await ctx.client.json("GET", "patterns", params=since, required=True)
    watch = PatternWatch(since=_server_now(first))
    deadline = _Deadline(ctx.case.timeout)

    def finished(w: PatternWatch) -> bool:
        found = im.match_patterns(stream.ground_truth, w.seen.values()).recall == 1.0
        return deadline.sending_done and found

    watcher = watch_patterns(ctx.client, watch, ctx.case.poll_interval, finished, deadline)
    records = await _observe(deadline, lambda: send_stream(ctx, stream), watcher)
    final = await ctx.client.json("GET", "patterns", params={"since": f"{_server_now(first):.0f}"})
    watch.absorb(final, time.perf_counter())
    return _discovery_result(stream, records, watch)


def _discovery_result(stream: IntelStream, records: list[Sent], watch: PatternWatch) -> CaseResult:
    truth = stream.ground_truth
    match = im.match_patterns(truth, watch.seen.values())
    firsts = [stream.first_index(i) for i in range(len(truth))]
    first_sent = [None if f is None or f >= len(records) else records[f].intended for f in firsts]
    ttd = im.to_ms(im.discovery_times(match, first_sent))
    server = im.server_discovery_times(match)
    per_pattern = [
        {
            "service": g.service,
            "sequence": list(g.sequence),
            "frequency": g.frequency,
            "occurrences": g.occurrences,
            "discovered": d is not None,
            "time_to_discovery": t,
            "server_time_to_discovery": s,
            "support_at_discovery": None if d is None else d.support,
        }
        for g, d, t, s in zip(truth, match.found, ttd, server, strict=True)
    ]
    section = {
        "patterns": per_pattern,
        "time_to_discovery": im.percentiles(ttd),
        "server_time_to_discovery": im.percentiles(server),
        "precision": match.precision,
        "recall": match.recall,
        "discovered_in_namespace": match.explained + match.unexplained,
        "false_positives": match.unexplained,
        "ack_latency": im.percentiles(im.to_ms(_latencies(records))),
        "send_lag": im.percentiles(im.to_ms(_send_lags(records))),
    }
    found = sum(d is not None for d in match.found)
    counts = {"explained": match.explained, "unexplained": match.unexplained}
    counts |= {"found": found, "truth": len(truth)}
    return CaseResult("pattern_discovery", section, {"discovery": ttd}, counts)


def _acked_seqs(records: Sequence[Sent]) -> list[tuple[int, Sent]]:
    out: list[tuple[int, Sent]] = []
    for _, r in ok_replies(records):
        body = r.reply.body if r.reply is not None else None
        if isinstance(body, Mapping) and isinstance(body.get("seq"), int):
            out.append((int(body["seq"]), r))
    return out


async def event_processing(ctx: CaseContext) -> CaseResult:
    stream = ctx.stream()
    params = {"service": stream.services[0], "limit": "1"}
    await ctx.client.json("GET", "events", params=params, required=True)
    watch = EventWatch(stream.services, await read_processed(ctx.client))
    acked: list[tuple[int, Sent]] = []
    deadline = _Deadline(ctx.case.timeout)

    def finished(w: EventWatch) -> bool:
        if not deadline.sending_done:
            return False
        seen = all(s in w.visible for s, _ in acked)
        counted = w.baseline is None or (bool(w.marks) and w.marks[-1][1] >= len(acked))
        return seen and counted

    async def send_and_collect() -> list[Sent]:
        records = await send_stream(ctx, stream)
        acked.extend(_acked_seqs(records))
        return records

    watcher = watch_events(ctx.client, watch, ctx.case.poll_interval, finished, deadline)
    records = await _observe(deadline, send_and_collect, watcher)
    return _processing_result(records, acked, watch)


def _processing_result(
    records: list[Sent], acked: list[tuple[int, Sent]], watch: EventWatch
) -> CaseResult:
    acked = sorted(acked, key=lambda a: a[0])
    visible = [watch.visible.get(seq) for seq, _ in acked]
    if watch.baseline is not None:
        counted = im.first_reached(watch.marks, [rank + 1 for rank in range(len(acked))])
        done = [im.later(v, c) for v, c in zip(visible, counted, strict=True)]
    else:
        done = visible
    e2e = im.to_ms(
        [None if d is None else d - r.intended for d, (_, r) in zip(done, acked, strict=True)]
    )
    ack = im.to_ms(_latencies(records))
    section = {
        "events": len(records),
        "acked": len(acked),
        "completed": sum(d is not None for d in done),
        "end_to_end_signal": "events+processed" if watch.baseline is not None else "events",
        "ack_latency": im.percentiles(ack),
        "send_lag": im.percentiles(im.to_ms(_send_lags(records))),
        "end_to_end_latency": im.percentiles(e2e),
        "server_processing_mean": watch.server_mean_ms(),
    }
    return CaseResult("event_processing", section, {"e2e": e2e, "ack": ack})


async def _settle_history(ctx: CaseContext, before: float | None, added: int) -> bool:
    """Wait (bounded) until the model has seen ``added`` more events; False if it never did."""
    if before is None:
        return False
    end = time.perf_counter() + ctx.case.timeout
    while time.perf_counter() < end:
        seen = await _events_seen(ctx.client)
        if seen is not None and seen >= before + added:
            return True
        await asyncio.sleep(ctx.case.poll_interval)
    return False


async def _events_seen(client: IntelClient, *, required: bool = False) -> float | None:
    body = await client.json("GET", "model_stats", required=required)
    value = body.get("events_seen") if body else None
    return float(value) if isinstance(value, int | float) else None


def _predicted(reply: Reply | None) -> list[str] | None:
    if reply is None or not 200 <= reply.status < 300 or not isinstance(reply.body, Mapping):
        return None
    items = reply.body.get("predictions")
    if not isinstance(items, list):
        return None
    return [str(p.get("event")) for p in items if isinstance(p, Mapping)]


async def _ask(ctx: CaseContext, probe: Probe, *, required: bool = False) -> Reply:
    body = {"service": probe.service, "recent_events": list(probe.recent_events), "top_k": 3}
    return await ctx.client.call("POST", "predict", json=body, required=required)


async def prediction(ctx: CaseContext) -> CaseResult:
    stream = ctx.stream()
    before = await _events_seen(ctx.client, required=True)
    history = await send_stream(ctx, stream)
    settled = await _settle_history(ctx, before, len(ok_replies(history)))
    probes = make_probes(stream, ctx.case.prediction_count, seed=ctx.case.seed)
    ctx.progress(f"asking {len(probes)} predictions at {ctx.case.rate:g}/s")

    async def ask(i: int) -> Reply:
        return await _ask(ctx, probes[i])

    records = await send_open(len(probes), ctx.case.rate, ask, on_fatal=ctx.fatal.append)
    ctx.raise_fatal()
    predicted = [_predicted(r.reply) for r in records]
    expected = [p.expected for p in probes[: len(records)]]
    latency = im.to_ms(_latencies(records))
    top1 = im.top_k_accuracy(predicted, expected, 1)
    top3 = im.top_k_accuracy(predicted, expected, 3)
    section = {
        "predictions": len(records),
        "history_events": len(history),
        "history_settled": settled,
        "latency": im.percentiles(latency),
        "send_lag": im.percentiles(im.to_ms(_send_lags(records))),
        "top1_accuracy": top1,
        "top3_accuracy": top3,
    }
    counts = {"probes": len(expected)}
    counts |= {"top1": _hits(predicted, expected, 1), "top3": _hits(predicted, expected, 3)}
    return CaseResult("prediction", section, {"predict": latency}, counts)


def _hits(predicted: Sequence[Sequence[str] | None], expected: Sequence[str], k: int) -> int:
    return sum(p is not None and e in list(p)[:k] for p, e in zip(predicted, expected, strict=True))


async def _accuracy(ctx: CaseContext, probes: Sequence[Probe]) -> tuple[float | None, float | None]:
    """Top-1 / top-3 accuracy on the held-out probes, asked 8 at a time."""
    gate = asyncio.Semaphore(8)

    async def one(p: Probe) -> list[str] | None:
        async with gate:
            return _predicted(await _ask(ctx, p))

    if not probes:
        return None, None
    first = _predicted(await _ask(ctx, probes[0], required=True))  # alone: fail fast
    predicted = [first, *await asyncio.gather(*(one(p) for p in probes[1:]))]
    expected = [p.expected for p in probes]
    return im.top_k_accuracy(predicted, expected, 1), im.top_k_accuracy(predicted, expected, 3)


async def learning_update(ctx: CaseContext) -> CaseResult:
    stream = ctx.stream()
    probes = make_probes(stream, ctx.case.prediction_count, seed=ctx.case.seed)
    top1, top3 = await _accuracy(ctx, probes)
    curve: list[dict[str, Any]] = [{"events": 0, "top1_accuracy": top1, "top3_accuracy": top3}]
    latency: list[float | None] = []
    learned = 0
    for block in blocks(stream, ctx.case.block_size):
        for service, events in block.items():
            reply = await ctx.client.call(
                "POST", "learn", json={"service": service, "events": events}
            )
            if 200 <= reply.status < 300:
                latency.append((reply.done - reply.sent) * 1000.0)
            learned += len(events)
        top1, top3 = await _accuracy(ctx, probes)
        curve.append({"events": learned, "top1_accuracy": top1, "top3_accuracy": top3})
    ctx.progress(f"learning curve: {len(curve) - 1} blocks, final top-1 {top1}")
    reach = im.events_to_target(curve, ctx.case.target_accuracy)
    section = {
        "blocks": len(curve) - 1,
        "block_size": ctx.case.block_size,
        "latency": im.percentiles(latency),
        "learning_curve": curve,
        "target_accuracy": ctx.case.target_accuracy,
        "events_to_target_accuracy": reach,
    }
    return CaseResult("learning_update", section, {"learn": latency}, {}, curve, reach)


CASES: dict[str, Callable[[CaseContext], Any]] = {
    "pattern_discovery": pattern_discovery,
    "event_processing": event_processing,
    "prediction": prediction,
    "learning_update": learning_update,
}
