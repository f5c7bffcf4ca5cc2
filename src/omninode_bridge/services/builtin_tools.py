"""The tool proxy's built-in test tools: echo, sleep, fail and cpu (``POST /tools/<name>``)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from aiohttp import web

from omninode_bridge.services.app import error_response, is_json, read_json
from omninode_bridge.services.params import body_object, int_field, number_field

ITERATIONS_PER_UNIT = 10_000


class ToolLimits:
    def __init__(self, max_sleep_ms: float, max_cpu_units: int) -> None:
        self.max_sleep_ms = max_sleep_ms
        self.max_cpu_units = max_cpu_units


LIMITS: web.AppKey[ToolLimits] = web.AppKey("tool_limits", ToolLimits)


async def _params(request: web.Request) -> dict[str, Any] | web.Response:
    if not is_json(request):
        return error_response(415, "Content-Type must be application/json")
    return body_object(await read_json(request))


async def echo(request: web.Request) -> web.Response:
    params = await _params(request)
    return params if isinstance(params, web.Response) else web.json_response(params)


async def sleep(request: web.Request) -> web.Response:
    params = await _params(request)
    if isinstance(params, web.Response):
        return params
    ms = number_field(params, "ms", 0.0, 0.0, request.app[LIMITS].max_sleep_ms)
    await asyncio.sleep(ms / 1000.0)
    return web.json_response({"slept_ms": ms})


async def fail(request: web.Request) -> web.Response:
    params = await _params(request)
    if isinstance(params, web.Response):
        return params
    rate = number_field(params, "rate", 1.0, 0.0, 1.0)
    if random.random() < rate:
        return error_response(500, "tool failed")
    return web.json_response({"ok": True})


def burn(units: int) -> int:
    """Deterministic CPU work: ``units`` x 10,000 steps of an LCG."""
    x = 1
    for _ in range(units * ITERATIONS_PER_UNIT):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
    return x


async def cpu(request: web.Request) -> web.Response:
    params = await _params(request)
    if isinstance(params, web.Response):
        return params
    units = int_field(params, "units", 1, 0, request.app[LIMITS].max_cpu_units)
    return web.json_response({"units": units, "checksum": burn(units)})


def add_tool_routes(app: web.Application, limits: ToolLimits) -> None:
    app[LIMITS] = limits
    for name, handler in (("echo", echo), ("sleep", sleep), ("fail", fail), ("cpu", cpu)):
        app.router.add_post(f"/tools/{name}", handler)


BUILTIN_TOOLS = [
    {"name": "echo", "path": "/tools/echo", "idempotent": True},
    {"name": "sleep", "path": "/tools/sleep", "idempotent": True},
    {"name": "fail", "path": "/tools/fail", "idempotent": True},
    {"name": "cpu", "path": "/tools/cpu", "idempotent": True},
    {"name": "test_tool", "path": "/tools/echo", "idempotent": True},
]
