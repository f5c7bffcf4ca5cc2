"""The app factory shared by the three services.

It owns what every service has in common: the metrics/faults/error middleware, ``/health``,
``/metrics``, ``/openapi.json``, ``POST /admin/faults``, the common command-line flags and
``serve()``, which runs an app until SIGTERM/SIGINT and then shuts down gracefully (stop
accepting, drain in-flight requests, run the cleanup hooks that flush the stores, exit 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import random
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from omninode_bridge.services.metrics import ServiceMetrics

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
EXEMPT_FROM_FAULTS = frozenset({"/health", "/metrics", "/openapi.json", "/admin/faults"})
MAX_FAULT_DELAY_MS = 60_000.0


@dataclass
class Faults:
    """Injected latency and error rate (``POST /admin/faults``)."""

    delay_ms: float = 0.0
    error_rate: float = 0.0

    @property
    def active(self) -> bool:
        return self.delay_ms > 0 or self.error_rate > 0


@dataclass
class ServiceState:
    """Per-app state every service shares; stored under ``STATE``."""

    name: str
    metrics: ServiceMetrics
    openapi: dict[str, Any]
    log: logging.Logger
    access_log: bool = False
    faults: Faults = field(default_factory=Faults)
    started: float = field(default_factory=time.monotonic)


STATE: web.AppKey[ServiceState] = web.AppKey("service_state", ServiceState)


class BadRequest(Exception):
    """A client error detected while validating input; becomes a 400 JSON response."""


def error_response(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


async def read_json(request: web.Request) -> Any:
    """The request body as JSON, or ``BadRequest`` (415 is checked by the caller)."""
    body = await request.read()
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def is_json(request: web.Request) -> bool:
    return request.content_type == "application/json"


def _route_of(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def _http_error(exc: web.HTTPException) -> web.Response:
    response = error_response(exc.status, exc.reason)
    for name in ("Allow", "Retry-After"):
        if name in exc.headers:
            response.headers[name] = exc.headers[name]
    return response


async def _dispatch(
    request: web.Request, handler: Handler, state: ServiceState
) -> web.StreamResponse:
    if state.faults.active and request.path not in EXEMPT_FROM_FAULTS:
        if state.faults.delay_ms > 0:
            await asyncio.sleep(state.faults.delay_ms / 1000.0)
        if random.random() < state.faults.error_rate:
            return error_response(500, "injected fault")
    try:
        return await handler(request)
    except BadRequest as exc:
        return error_response(400, str(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _http_error(exc)


@web.middleware
async def service_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count and time every request, apply faults, turn errors into JSON."""
    state = request.app[STATE]
    start = time.perf_counter()
    state.metrics.in_flight.inc()
    status = 500
    try:
        response = await _dispatch(request, handler, state)
        status = response.status
        return response
    except asyncio.CancelledError:
        status = 499  # client went away
        raise
    except Exception:
        state.log.exception("unhandled error", extra={"path": request.path})
        return error_response(500, "internal error")
    finally:
        elapsed = time.perf_counter() - start
        state.metrics.in_flight.dec()
        state.metrics.observe(request.method, _route_of(request), status, elapsed)
        if state.access_log or status >= 500 or elapsed > 1.0:
            state.log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 3),
                },
            )


async def health(request: web.Request) -> web.Response:
    state = request.app[STATE]
    uptime = time.monotonic() - state.started
    return web.json_response({"status": "ok", "service": state.name, "uptime_s": uptime})


async def metrics(request: web.Request) -> web.Response:
    body = request.app[STATE].metrics.render()
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4"})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].openapi)


def parse_faults(body: Any) -> Faults:
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    unknown = set(body) - {"delay_ms", "error_rate"}
    if unknown:
        raise BadRequest(f"unknown keys: {sorted(unknown)}")
    delay = _number(body.get("delay_ms", 0), "delay_ms", 0.0, MAX_FAULT_DELAY_MS)
    rate = _number(body.get("error_rate", 0), "error_rate", 0.0, 1.0)
    return Faults(delay_ms=delay, error_rate=rate)


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest(f"{name} must be a number")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise BadRequest(f"{name} must be between {low:g} and {high:g}")
    return number


async def set_faults(request: web.Request) -> web.Response:
    if not is_json(request):
        return error_response(415, "Content-Type must be application/json")
    faults = parse_faults(await read_json(request))
    state = request.app[STATE]
    state.faults = faults
    state.log.info(
        "faults set", extra={"delay_ms": faults.delay_ms, "error_rate": faults.error_rate}
    )
    return web.json_response({"delay_ms": faults.delay_ms, "error_rate": faults.error_rate})


def make_app(
    name: str,
    openapi_doc: dict[str, Any],
    log: logging.Logger,
    *,
    enable_admin: bool = False,
    access_log: bool = False,
    client_max_size: int = 1024 * 1024,
) -> web.Application:
    """An app with the common middleware and routes; services add their own routes."""
    app = web.Application(middlewares=[service_middleware], client_max_size=client_max_size)
    app[STATE] = ServiceState(name, ServiceMetrics(name), openapi_doc, log, access_log)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/openapi.json", openapi)
    if enable_admin:
        app.router.add_post("/admin/faults", set_faults)
    return app


def base_parser(name: str, default_port: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m omninode_bridge.services.{name}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--data-dir", default=".", help="directory for the service's store")
    parser.add_argument("--enable-admin", action="store_true", help="enable POST /admin/faults")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument("--shutdown-timeout", type=float, default=10.0)
    return parser


async def serve(app: web.Application, host: str, port: int, shutdown_timeout: float) -> None:
    """Run ``app`` until SIGTERM/SIGINT, then stop accepting, drain and clean up."""
    log = app[STATE].log
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=shutdown_timeout
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=2048, reuse_address=True)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("listening", extra={"host": host, "port": port})
    try:
        await stop.wait()
        log.info("shutting down: draining in-flight requests")
    finally:
        await runner.cleanup()
    log.info("stopped")


def run(app: web.Application, host: str, port: int, shutdown_timeout: float) -> int:
    """Serve on uvloop; the process's exit code."""
    import uvloop

    try:
        uvloop.run(serve(app, host, port, shutdown_timeout))
    except Exception as exc:  # cannot bind, store unreachable, ...: one log line, exit 3
        app[STATE].log.error("cannot serve", extra={"error": f"{type(exc).__name__}: {exc}"})
        return 3
    return 0
