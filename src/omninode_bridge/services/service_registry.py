"""The service registry: register, list, get, deregister, heartbeats with TTL expiry.

Run it with ``python -m omninode_bridge.services.service_registry --port 8003 --data-dir D``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from omninode_bridge.services import app as common
from omninode_bridge.services.app import BadRequest, error_response, is_json, read_json
from omninode_bridge.services.logs import now_ms, setup_logging
from omninode_bridge.services.openapi import service_registry_spec
from omninode_bridge.services.params import body_object, name_field, number_field
from omninode_bridge.services.registry_store import RegistryStore, ServiceRecord

NAME = "service_registry"
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:([0-9]{1,5}))?(/\S*)?$")
MAX_TOOLS = 1000


class Registry:
    def __init__(self, store: RegistryStore, default_ttl_s: float) -> None:
        self.store = store
        self.default_ttl_s = default_ttl_s


REGISTRY: web.AppKey[Registry] = web.AppKey("registry", Registry)


def parse_tools(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_TOOLS:
        raise BadRequest(f"'tools' must be a list of at most {MAX_TOOLS} objects")
    return [_tool(item) for item in value]


def _tool(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise BadRequest("each tool must be an object {name, path, idempotent?}")
    name = name_field(item, "name")
    path = item.get("path")
    if not isinstance(path, str) or not path.startswith("/") or len(path) > 256:
        raise BadRequest("a tool's 'path' must be a string starting with '/'")
    idempotent = item.get("idempotent", False)
    if not isinstance(idempotent, bool):
        raise BadRequest("a tool's 'idempotent' must be a boolean")
    return {"name": name, "path": path, "idempotent": idempotent}


def parse_service(body: dict[str, Any], default_ttl_s: float, now: float) -> ServiceRecord:
    name = body.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise BadRequest("'name' must match [A-Za-z0-9_.-]{1,100}")
    url = body.get("url")
    if not isinstance(url, str) or len(url) > 2048 or not url.isascii():
        raise BadRequest("'url' must be an ASCII http(s) URL of at most 2048 characters")
    match = URL_RE.match(url)
    if match is None or (match.group(2) and not 0 < int(match.group(2)) < 65536):
        raise BadRequest("'url' must be an http(s) URL such as http://127.0.0.1:8002")
    ttl = number_field(body, "ttl_s", default_ttl_s, 0.0, 86400.0)
    if ttl <= 0:
        raise BadRequest("'ttl_s' must be positive")
    return ServiceRecord(name, url.rstrip("/"), parse_tools(body.get("tools")), ttl, now, now)


async def register(request: web.Request) -> web.Response:
    if not is_json(request):
        return error_response(415, "Content-Type must be application/json")
    registry = request.app[REGISTRY]
    record = parse_service(body_object(await read_json(request)), registry.default_ttl_s, now_ms())
    registry.store.upsert(record)
    request.app[common.STATE].log.info("registered", extra={"registered": record.name})
    return web.json_response(record.to_json(), status=201)


async def list_services(request: web.Request) -> web.Response:
    live = request.app[REGISTRY].store.live(now_ms())
    return web.json_response({"services": [s.to_json() for s in live]})


def _name(request: web.Request) -> str:
    """The path's service name; names that could never be registered are simply unknown."""
    name = request.match_info["name"]
    return name if NAME_RE.match(name) else ""


async def get_service(request: web.Request) -> web.Response:
    record = request.app[REGISTRY].store.get(_name(request), now_ms())
    if record is None:
        return error_response(404, "unknown or expired service")
    return web.json_response(record.to_json())


async def delete_service(request: web.Request) -> web.Response:
    if not request.app[REGISTRY].store.delete(_name(request), now_ms()):
        return error_response(404, "unknown or expired service")
    return web.Response(status=204)


async def heartbeat(request: web.Request) -> web.Response:
    record = request.app[REGISTRY].store.heartbeat(_name(request), now_ms())
    if record is None:
        return error_response(404, "unknown or expired service: register again")
    return web.json_response(record.to_json())


async def get_tool(request: web.Request) -> web.Response:
    tool = request.match_info["tool"]
    found = request.app[REGISTRY].store.find_tool(tool, now_ms())
    if found is None:
        return error_response(404, f"unknown tool {tool!r}")
    service, entry = found
    return web.json_response(
        {
            "tool": tool,
            "service": service.name,
            "url": service.url + entry["path"],
            "idempotent": entry["idempotent"],
        }
    )


async def _sweeper(registry: Registry, period_s: float) -> None:
    while True:
        await asyncio.sleep(period_s)
        registry.store.sweep(now_ms())


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    registry = app[REGISTRY]
    task = asyncio.create_task(_sweeper(registry, min(5.0, registry.default_ttl_s)))
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    registry.store.close()


def build_app(args: argparse.Namespace) -> web.Application:
    log = setup_logging(NAME)
    app = common.make_app(
        NAME,
        service_registry_spec(),
        log,
        enable_admin=args.enable_admin,
        access_log=args.access_log,
    )
    store = RegistryStore(Path(args.data_dir) / "service_registry.sqlite3")
    app[REGISTRY] = Registry(store, args.ttl)
    app.cleanup_ctx.append(_lifecycle)
    app.router.add_post("/services", register)
    app.router.add_get("/services", list_services)
    app.router.add_get("/services/{name}", get_service)
    app.router.add_delete("/services/{name}", delete_service)
    app.router.add_post("/services/{name}/heartbeat", heartbeat)
    app.router.add_get("/tools/{tool}", get_tool)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    p = common.base_parser(NAME, 8003)
    p.add_argument("--ttl", type=float, default=30.0, help="default TTL of a registration (s)")
    args = p.parse_args(argv)
    if not 0 < args.ttl <= 86400:
        p.error("--ttl must be between 0 and 86400 seconds")
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    return common.run(build_app(args), args.host, args.port, args.shutdown_timeout)


if __name__ == "__main__":
    sys.exit(main())
