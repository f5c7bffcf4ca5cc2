"""The tool proxy's view of the service registry: cached tool lookups and self-registration.

Lookups are cached briefly (positive ``ttl_s``, negative ``negative_ttl_s``); concurrent
misses for one tool share one request; if the registry is down a stale entry is used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp


class RegistryUnavailable(Exception):
    """The registry could not be reached or answered nonsense."""


@dataclass(frozen=True)
class ToolInfo:
    tool: str
    service: str
    url: str
    idempotent: bool


Entry = tuple[float, ToolInfo | None]  # (expires at, info or None = unknown tool)


class RegistryClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        ttl_s: float = 2.0,
        negative_ttl_s: float = 0.5,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        self.timeout = aiohttp.ClientTimeout(total=2.0)
        self._cache: dict[str, Entry] = {}
        self._inflight: dict[str, asyncio.Future[ToolInfo | None]] = {}

    async def lookup(self, tool: str) -> ToolInfo | None:
        entry = self._cache.get(tool)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        pending = self._inflight.get(tool)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(tool, entry))
            self._inflight[tool] = pending
            pending.add_done_callback(lambda _: self._inflight.pop(tool, None))
        return await asyncio.shield(pending)

    async def _fetch(self, tool: str, stale: Entry | None) -> ToolInfo | None:
        try:
            info = await self._get_tool(tool)
        except RegistryUnavailable:
            if stale is not None and stale[1] is not None:
                return stale[1]
            raise
        ttl = self.ttl_s if info is not None else self.negative_ttl_s
        self._cache[tool] = (time.monotonic() + ttl, info)
        return info

    async def _get_tool(self, tool: str) -> ToolInfo | None:
        url = f"{self.base_url}/tools/{quote(tool, safe='')}"
        try:
            async with self.session.get(url, timeout=self.timeout) as resp:
                if resp.status == 404:
                    return None
                data = await resp.json()
                if resp.status != 200:
                    raise RegistryUnavailable(f"registry answered {resp.status}")
                return ToolInfo(
                    tool, str(data["service"]), str(data["url"]), bool(data["idempotent"])
                )
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
            raise RegistryUnavailable(f"registry unreachable: {exc}") from exc

    async def services(self) -> list[dict[str, Any]]:
        try:
            async with self.session.get(f"{self.base_url}/services", timeout=self.timeout) as r:
                data = await r.json()
                if r.status != 200:
                    raise RegistryUnavailable(f"registry answered {r.status}")
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RegistryUnavailable(f"registry unreachable: {exc}") from exc
        services: list[dict[str, Any]] = data["services"]
        return services

    async def register(self, payload: dict[str, Any]) -> bool:
        return await self._post("/services", payload, 201)

    async def heartbeat(self, name: str) -> bool:
        return await self._post(f"/services/{quote(name, safe='')}/heartbeat", None, 200)

    async def _post(self, path: str, payload: dict[str, Any] | None, expect: int) -> bool:
        try:
            async with self.session.post(
                self.base_url + path, json=payload, timeout=self.timeout
            ) as resp:
                return resp.status == expect
        except (aiohttp.ClientError, TimeoutError):
            return False


async def keep_registered(
    client: RegistryClient,
    payload: dict[str, Any],
    log: logging.Logger,
    give_up_fast_after_s: float = 30.0,
) -> None:
    """Register, then heartbeat every ttl/3; re-register whenever the registry forgot us.

    While unregistered it retries with backoff (0.1 s doubling to 2 s), and after
    ``give_up_fast_after_s`` it logs an error and slows to one try every 5 s.
    """
    period = float(payload["ttl_s"]) / 3.0
    registered, delay, started, warned = False, 0.1, time.monotonic(), False
    while True:
        if registered:
            registered = await client.heartbeat(str(payload["name"]))
        if not registered:
            registered = await client.register(payload)
            if registered:
                log.info("registered in the registry", extra={"registry": client.base_url})
        if registered:
            delay = 0.1
            await asyncio.sleep(period)
            continue
        if not warned and time.monotonic() - started > give_up_fast_after_s:
            log.error(
                "registry unreachable; retrying every 5 s", extra={"registry": client.base_url}
            )
            warned, delay = True, 5.0
        await asyncio.sleep(delay)
        delay = delay if warned else min(delay * 2, 2.0)
