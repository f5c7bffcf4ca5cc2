"""The hook receiver service: durable event ingest, pattern discovery, prediction.

Run it with ``python -m omninode_bridge.services.hook_receiver --port 8001 --data-dir D``.
The HTTP contract is docs/services-api.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from omninode_bridge.services import app as common
from omninode_bridge.services.app import BadRequest, error_response, is_json, read_json
from omninode_bridge.services.discovery import Floors
from omninode_bridge.services.events import EventStore, InvalidEvent, event_json, parse_event
from omninode_bridge.services.logs import now_ms, setup_logging
from omninode_bridge.services.metrics import HookMetrics
from omninode_bridge.services.openapi import hook_receiver_spec
from omninode_bridge.services.params import (
    body_object,
    int_field,
    name_field,
    parse_time_ms,
    query_float,
    query_int,
    string_list,
)
from omninode_bridge.services.pipeline import Discovery, DiscoveryConfig
from omninode_bridge.services.prediction import TransitionModel

NAME = "hook_receiver"


@dataclass
class Hook:
    store: EventStore
    discovery: Discovery
    model: TransitionModel
    metrics: HookMetrics
    max_body: int
    max_wait_s: float = 60.0
    closing: bool = False


HOOK: web.AppKey[Hook] = web.AppKey("hook", Hook)


async def post_hooks(request: web.Request) -> web.Response:
    hook = request.app[HOOK]
    if request.content_length is not None and request.content_length > hook.max_body:
        return error_response(413, f"body larger than {hook.max_body} bytes")
    if not is_json(request):
        return error_response(415, "Content-Type must be application/json")
    received = now_ms()
    try:
        row = parse_event(await read_json(request), received)
    except InvalidEvent as exc:
        return error_response(400, str(exc))
    try:
        seq = await hook.store.append(row)
    except Exception as exc:  # the store failed or is closing: nothing was acknowledged
        request.app[common.STATE].log.warning("store rejected event", extra={"error": str(exc)})
        return error_response(503, "store unavailable")
    hook.metrics.ingested.inc()
    return web.json_response({"accepted": True, "id": row.id, "seq": seq}, status=202)


async def get_events(request: web.Request) -> web.Response:
    query = request.query
    service = query.get("service") or None
    since = query_int(query, "since", 0, 0, 2**62)
    limit = query_int(query, "limit", 1000, 1, 10_000)
    stored = await request.app[HOOK].store.query(service, since, limit)
    events = [event_json(s) for s in stored]
    last_seq = stored[-1].seq if stored else since
    return web.json_response({"events": events, "last_seq": last_seq})


async def get_patterns(request: web.Request) -> web.Response:
    hook = request.app[HOOK]
    raw_since = request.query.get("since")
    since = parse_time_ms(raw_since, "since") if raw_since else float("-inf")
    wait = query_float(request.query, "wait", 0.0, 0.0, hook.max_wait_s)
    deadline = asyncio.get_running_loop().time() + wait
    found = hook.discovery.since(since)
    while not found and not hook.closing:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            break
        changed = hook.discovery.changed
        try:
            await asyncio.wait_for(changed.wait(), remaining)
        except TimeoutError:
            break
        found = hook.discovery.since(since)
    return web.json_response({"patterns": [p.to_json() for p in found], "now": now_ms()})


async def post_predict(request: web.Request) -> web.Response:
    body = await _json_body(request)
    service = name_field(body, "service")
    recent = string_list(body, "recent_events")
    top_k = int_field(body, "top_k", 3, 1, 100)
    model = request.app[HOOK].model
    ranked = model.predict(service, recent, top_k)
    predictions = [{"event": event, "probability": p} for event, p in ranked]
    return web.json_response({"predictions": predictions, "model_events_seen": model.events_seen})


async def post_learn(request: web.Request) -> web.Response:
    body = await _json_body(request)
    service = name_field(body, "service")
    model = request.app[HOOK].model
    if "events" in body:
        model.learn_sequence(service, string_list(body, "events"))
        return web.json_response({"updated": True, "model_events_seen": model.events_seen})
    feedback = body.get("feedback")
    if not isinstance(feedback, dict):
        raise BadRequest("body needs 'events' (list of strings) or 'feedback' (object)")
    recent = string_list(feedback, "recent_events")
    actual = name_field(feedback, "actual")
    correct = model.feedback(service, recent, actual)
    return web.json_response(
        {"updated": True, "model_events_seen": model.events_seen, "correct": correct}
    )


async def get_model_stats(request: web.Request) -> web.Response:
    model = request.app[HOOK].model
    return web.json_response(
        {
            "events_seen": model.events_seen,
            "services": len(model.services),
            "predictions": model.predictions,
            "accuracy": model.accuracy,
        }
    )


async def get_discovery_stats(request: web.Request) -> web.Response:
    discovery = request.app[HOOK].discovery
    return web.json_response(
        {
            "events_processed": discovery.processed,
            "last_processed_seq": discovery.last_seq,
            "pending": len(discovery.pending),
            "patterns": len(discovery.patterns),
            "discoverer": discovery.config.discoverer,
        }
    )


async def _json_body(request: web.Request) -> dict[str, Any]:
    if not is_json(request):
        raise web.HTTPUnsupportedMediaType(reason="Content-Type must be application/json")
    return body_object(await read_json(request))


def make_store(args: argparse.Namespace, discovery: Discovery) -> EventStore:
    if args.store == "postgres":
        from omninode_bridge.services.pg_store import PostgresEventStore

        return PostgresEventStore(args.postgres_dsn, args.postgres_table, discovery.feed)
    from omninode_bridge.services.sqlite_store import SQLiteEventStore

    path = Path(args.data_dir) / "hook_receiver.sqlite3"
    return SQLiteEventStore(path, discovery.feed, args.sqlite_synchronous.upper())


def build_app(args: argparse.Namespace) -> web.Application:
    log = setup_logging(NAME)
    app = common.make_app(
        NAME,
        hook_receiver_spec(args.max_wait_s),
        log,
        enable_admin=args.enable_admin,
        access_log=args.access_log,
        client_max_size=args.max_body_bytes,
    )
    metrics = HookMetrics(app[common.STATE].metrics.registry)
    model = TransitionModel()
    config = DiscoveryConfig(
        args.discovery_interval,
        args.processing_delay_ms,
        args.discoverer,
        Floors(args.min_support, args.min_confidence, args.significance),
        args.burst_window_s * 1000.0,
    )
    discovery = Discovery(config, metrics, model, log)
    store = make_store(args, discovery)
    app[HOOK] = Hook(store, discovery, model, metrics, args.max_body_bytes, args.max_wait_s)
    app.cleanup_ctx.append(_lifecycle)
    app.on_shutdown.append(_wake_pollers)
    _add_routes(app)
    return app


def _add_routes(app: web.Application) -> None:
    app.router.add_post("/hooks", post_hooks)
    app.router.add_get("/events", get_events)
    app.router.add_get("/patterns", get_patterns)
    app.router.add_post("/predict", post_predict)
    app.router.add_post("/learn", post_learn)
    app.router.add_get("/model/stats", get_model_stats)
    app.router.add_get("/discovery/stats", get_discovery_stats)


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    hook = app[HOOK]
    await hook.store.start()
    hook.discovery.start()
    yield
    await hook.store.close()  # after the drain: commits everything already accepted
    await hook.discovery.stop()


async def _wake_pollers(app: web.Application) -> None:
    app[HOOK].closing = True
    app[HOOK].discovery.changed.set()


def parser() -> argparse.ArgumentParser:
    p = common.base_parser(NAME, 8001)
    p.add_argument("--max-body-bytes", type=int, default=1024 * 1024)
    p.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--postgres-dsn", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--postgres-table", default="omninode_events")
    p.add_argument("--sqlite-synchronous", choices=("full", "normal"), default="full")
    p.add_argument("--discovery-interval", type=float, default=0.1)
    p.add_argument("--processing-delay-ms", type=float, default=0.0)
    p.add_argument("--discoverer", choices=("ngram", "none"), default="ngram")
    p.add_argument("--min-support", type=int, default=5)
    p.add_argument("--min-confidence", type=float, default=0.6)
    p.add_argument(
        "--significance",
        type=float,
        default=0.001,
        help="Bonferroni-corrected chance level a sequence must beat (1 = off)",
    )
    p.add_argument("--burst-window-s", type=float, default=10.0)
    p.add_argument("--max-wait-s", type=float, default=60.0, help="cap of GET /patterns?wait")
    return p


def check_args(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.max_body_bytes < 1:
        p.error("--max-body-bytes must be positive")
    if not 0.001 <= args.discovery_interval <= 3600:
        p.error("--discovery-interval must be between 0.001 and 3600 seconds")
    if (
        args.processing_delay_ms < 0
        or args.min_support < 1
        or args.burst_window_s <= 0
        or args.max_wait_s < 0
    ):
        p.error("--processing-delay-ms >= 0, --min-support >= 1, --burst-window-s > 0")
    if not 0 <= args.min_confidence <= 1 or not 0 < args.significance <= 1:
        p.error("--min-confidence must be in [0, 1] and --significance in (0, 1]")
    if args.store == "postgres":
        from omninode_bridge.services.pg_store import check_table_name

        try:
            check_table_name(args.postgres_table)
        except ValueError as exc:
            p.error(str(exc))


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    check_args(p, args)
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    return common.run(build_app(args), args.host, args.port, args.shutdown_timeout)


if __name__ == "__main__":
    sys.exit(main())
