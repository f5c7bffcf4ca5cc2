"""The tool proxy: registry lookup, timeout, bounded retries, per-tool circuit breaker.

Run it with ``python -m omninode_bridge.services.tool_proxy --port 8002 --data-dir D``.
Errors map to 404 unknown tool, 502 tool failed, 504 timeout, 503 circuit open (or the
registry is unavailable), 400 bad body or parameters the tool rejected.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from omninode_bridge.services import app as common
from omninode_bridge.services.app import BadRequest, error_response, is_json, read_json
from omninode_bridge.services.breaker import CircuitBreaker
from omninode_bridge.services.builtin_tools import BUILTIN_TOOLS, ToolLimits, add_tool_routes
from omninode_bridge.services.logs import setup_logging
from omninode_bridge.services.openapi import tool_proxy_spec
from omninode_bridge.services.params import body_object, name_field
from omninode_bridge.services.registry_client import (
    RegistryClient,
    RegistryUnavailable,
    ToolInfo,
    keep_registered,
)
from omninode_bridge.util.net import url_host

NAME = "tool_proxy"
REJECTED = frozenset({400, 413, 415, 422})  # the tool refused the parameters: not a failure


@dataclass
class Outcome:
    """The result of calling a tool, retries included."""

    status: int  # 200, 400 (rejected), 502 (failed), 504 (timeout)
    result: Any
    attempts: int


@dataclass
class Proxy:
    args: argparse.Namespace
    session: aiohttp.ClientSession | None = None
    registry: RegistryClient | None = None
    breakers: dict[str, CircuitBreaker] = field(default_factory=dict)

    def breaker(self, tool: str) -> CircuitBreaker:
        found = self.breakers.get(tool)
        if found is None:
            found = CircuitBreaker(self.args.breaker_failures, self.args.breaker_reset)
            self.breakers[tool] = found
        return found


PROXY: web.AppKey[Proxy] = web.AppKey("proxy", Proxy)


async def attempt(
    session: aiohttp.ClientSession, info: ToolInfo, parameters: dict[str, Any], timeout: float
) -> Outcome:
    try:
        async with session.post(
            info.url, json=parameters, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as resp:
            text = await resp.text()
            status = resp.status
    except TimeoutError:
        return Outcome(504, f"{info.tool} timed out after {timeout:g} s", 1)
    except (aiohttp.ClientError, OSError) as exc:
        return Outcome(502, f"{info.tool} unreachable: {exc}", 1)
    if status < 400:
        return Outcome(200, _decode(text), 1)
    if status in REJECTED:
        return Outcome(400, f"{info.tool} rejected the parameters: {text[:200]}", 1)
    return Outcome(502, f"{info.tool} failed with HTTP {status}", 1)


def _decode(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


async def invoke(proxy: Proxy, info: ToolInfo, parameters: dict[str, Any]) -> Outcome:
    """Call the tool; retry failures and timeouts only if it is idempotent."""
    assert proxy.session is not None
    tries = 1 + (proxy.args.retries if info.idempotent else 0)
    outcome = Outcome(502, "not called", 0)
    for number in range(1, tries + 1):
        outcome = await attempt(proxy.session, info, parameters, proxy.args.timeout)
        outcome.attempts = number
        if outcome.status in (200, 400):
            break
        if number < tries:
            await asyncio.sleep(min(1.0, 0.05 * 2 ** (number - 1)))
    return outcome


def parse_call(body: Any) -> tuple[str, dict[str, Any]]:
    body = body_object(body)
    tool = name_field(body, "tool")
    parameters = body.get("parameters", {})
    if not isinstance(parameters, dict):
        raise BadRequest("'parameters' must be an object")
    return tool, parameters


async def proxy_call(request: web.Request) -> web.Response:
    if not is_json(request):
        return error_response(415, "Content-Type must be application/json")
    tool, parameters = parse_call(await read_json(request))
    proxy = request.app[PROXY]
    assert proxy.registry is not None
    try:
        info = await proxy.registry.lookup(tool)
    except RegistryUnavailable as exc:
        return error_response(503, str(exc))
    if info is None:
        return error_response(404, f"unknown tool {tool!r}")
    return await _call_through_breaker(proxy, info, parameters)


async def _call_through_breaker(
    proxy: Proxy, info: ToolInfo, parameters: dict[str, Any]
) -> web.Response:
    breaker = proxy.breaker(info.tool)
    if not breaker.allow():
        wait = breaker.retry_after()
        response = error_response(503, f"circuit open for {info.tool}", retry_after_s=wait)
        response.headers["Retry-After"] = str(max(1, round(wait)))
        return response
    start = time.perf_counter()
    outcome = await invoke(proxy, info, parameters)
    if outcome.status in (200, 400):
        breaker.success()
    else:
        breaker.failure()
    if outcome.status != 200:
        return error_response(outcome.status, str(outcome.result), attempts=outcome.attempts)
    duration_ms = (time.perf_counter() - start) * 1000.0
    return web.json_response(
        {
            "tool": info.tool,
            "result": outcome.result,
            "duration_ms": duration_ms,
            "attempts": outcome.attempts,
        }
    )


async def list_tools(request: web.Request) -> web.Response:
    registry = request.app[PROXY].registry
    assert registry is not None
    try:
        services = await registry.services()
    except RegistryUnavailable as exc:
        return error_response(503, str(exc))
    tools = [
        {
            "tool": t["name"],
            "service": s["name"],
            "url": s["url"] + t["path"],
            "idempotent": t["idempotent"],
        }
        for s in services
        for t in s["tools"]
    ]
    return web.json_response({"tools": tools})


def advertised_url(args: argparse.Namespace) -> str:
    if args.advertise_url:
        return str(args.advertise_url).rstrip("/")
    return f"http://{url_host(args.host)}:{args.port}"


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    proxy = app[PROXY]
    args = proxy.args
    connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
    proxy.session = aiohttp.ClientSession(connector=connector)
    proxy.registry = RegistryClient(proxy.session, args.registry_url)
    payload = {
        "name": NAME,
        "url": advertised_url(args),
        "tools": BUILTIN_TOOLS,
        "ttl_s": args.registration_ttl,
    }
    task = asyncio.create_task(keep_registered(proxy.registry, payload, app[common.STATE].log))
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await proxy.session.close()


def build_app(args: argparse.Namespace) -> web.Application:
    log = setup_logging(NAME)
    spec = tool_proxy_spec(args.max_sleep_ms, args.max_cpu_units)
    app = common.make_app(
        NAME, spec, log, enable_admin=args.enable_admin, access_log=args.access_log
    )
    app[PROXY] = Proxy(args)
    app.cleanup_ctx.append(_lifecycle)
    app.router.add_post("/proxy/call", proxy_call)
    app.router.add_get("/tools", list_tools)
    add_tool_routes(app, ToolLimits(args.max_sleep_ms, args.max_cpu_units))
    return app


def parser() -> argparse.ArgumentParser:
    p = common.base_parser(NAME, 8002)
    p.add_argument("--registry-url", default="http://127.0.0.1:8003")
    p.add_argument("--advertise-url", default=None, help="URL to register (default host:port)")
    p.add_argument("--timeout", type=float, default=5.0, help="per attempt, seconds")
    p.add_argument("--retries", type=int, default=2, help="extra attempts, idempotent tools")
    p.add_argument("--breaker-failures", type=int, default=5)
    p.add_argument("--breaker-reset", type=float, default=10.0)
    p.add_argument("--registration-ttl", type=float, default=30.0)
    p.add_argument("--max-sleep-ms", type=float, default=60_000.0)
    p.add_argument("--max-cpu-units", type=int, default=10_000)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.timeout <= 0 or args.retries < 0 or args.breaker_failures < 1:
        p.error("--timeout > 0, --retries >= 0 and --breaker-failures >= 1 are required")
    if args.breaker_reset <= 0 or args.registration_ttl <= 0 or args.max_sleep_ms < 0:
        p.error("--breaker-reset, --registration-ttl must be > 0; --max-sleep-ms >= 0")
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    return common.run(build_app(args), args.host, args.port, args.shutdown_timeout)


if __name__ == "__main__":
    sys.exit(main())
