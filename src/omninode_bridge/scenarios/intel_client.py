"""HTTP edge of intelligence tests: the target's intelligence endpoints, over aiohttp.

Owns turning the target's answers into values, and its absence into one clear message:
a 404/405 or a refused connection on an endpoint raises ``EndpointMissing`` whose text names
the method, the URL and what the endpoint is for; the runner turns it into the test's error.
Every request is bounded by the case's timeout. The open-model sender lives here too: it
schedules sends by absolute time from a fixed start and never waits for a response before
the next send.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

# endpoint key -> what the endpoint is for (used in the missing-endpoint message)
PURPOSE = {
    "hooks": "event-ingest",
    "patterns": "pattern-discovery",
    "events": "event-query",
    "predict": "prediction",
    "learn": "learning",
    "model_stats": "model-stats",
    "metrics": "metrics",
}
DEFAULT_PATHS = {
    "hooks": "/hooks",
    "patterns": "/patterns",
    "events": "/events",
    "predict": "/predict",
    "learn": "/learn",
    "model_stats": "/model/stats",
    "metrics": "/metrics",
}


class EndpointMissing(Exception):
    """The target does not offer an endpoint a case needs (or is not there at all)."""


@dataclass
class Reply:
    status: int
    body: Any
    sent: float
    done: float


@dataclass
class Counters:
    """Requests made and failures by kind; fatal ones (missing endpoint) are reported apart."""

    requests: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    fatal: int = 0

    def fail(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    @property
    def error_count(self) -> int:
        return sum(self.errors.values()) + self.fatal


class IntelClient:
    """The target's intelligence API; ``paths`` override ``DEFAULT_PATHS``."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        paths: Mapping[str, str],
        timeout: float,
        counters: Counters,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.paths = {**DEFAULT_PATHS, **paths}
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.counters = counters

    def url(self, key: str) -> str:
        return self.base_url + self.paths[key]

    async def call(
        self,
        method: str,
        key: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
        required: bool = False,
    ) -> Reply:
        """One request; missing endpoint or unreachable target raises ``EndpointMissing``.

        ``required`` (a case's first request): no answer in time is fatal too, so a silent
        target costs one timeout, not one per request.
        """
        url = self.url(key)
        bound = aiohttp.ClientTimeout(total=timeout) if timeout else self.timeout
        self.counters.requests += 1
        sent = time.perf_counter()
        try:
            async with self.session.request(
                method, url, json=json, params=params, timeout=bound
            ) as resp:
                body = await _body(resp)
                reply = Reply(resp.status, body, sent, time.perf_counter())
        except aiohttp.ClientConnectorError as exc:
            self.counters.fatal += 1
            raise EndpointMissing(
                f"{method} {url} failed ({exc.os_error.strerror or exc}): the target is unreachable"
            ) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            if required:
                self.counters.fatal += 1
                raise EndpointMissing(
                    f"{method} {url} failed ({_kind(exc)} after {bound.total:g}s): "
                    f"the target's {PURPOSE.get(key, key)} endpoint does not answer"
                ) from exc
            self.counters.fail(f"{method} {self.paths[key]}: {_kind(exc)}")
            return Reply(0, None, sent, time.perf_counter())
        return self._check(method, key, url, reply)

    def _check(self, method: str, key: str, url: str, reply: Reply) -> Reply:
        if reply.status in (404, 405):
            self.counters.fatal += 1
            raise EndpointMissing(
                f"{method} {url} returned {reply.status}: "
                f"the target has no {PURPOSE.get(key, key)} endpoint"
            )
        if reply.status >= 400:
            self.counters.fail(f"{method} {self.paths[key]}: http {reply.status}")
        return reply

    async def json(
        self,
        method: str,
        key: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        required: bool = False,
    ) -> Mapping[str, Any] | None:
        """The JSON object of a successful reply, else None."""
        reply = await self.call(method, key, json=body, params=params, required=required)
        if 200 <= reply.status < 300 and isinstance(reply.body, Mapping):
            return reply.body
        return None


async def _body(resp: aiohttp.ClientResponse) -> Any:
    text = await resp.text()
    if "json" not in (resp.content_type or ""):
        return text
    try:
        import json as _json

        return _json.loads(text)
    except ValueError:
        return text


def _kind(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        return "reset"
    return "protocol"


@dataclass
class Sent:
    """One open-model send: intended start, actual send, completion (perf_counter s)."""

    intended: float
    reply: Reply | None = None
    error: str | None = None


async def send_open(
    count: int,
    rate: float,
    send: Callable[[int], Awaitable[Reply]],
    *,
    on_fatal: Callable[[EndpointMissing], None],
) -> list[Sent]:
    """Send ``count`` requests at ``rate``/s on an absolute schedule; wait for all replies.

    Stops scheduling after the first ``EndpointMissing`` (reported through ``on_fatal``).
    """
    start = time.perf_counter()
    records = [Sent(start + i / rate) for i in range(count)]
    stop = asyncio.Event()

    async def one(i: int) -> None:
        try:
            records[i].reply = await send(i)
        except EndpointMissing as exc:
            records[i].error = str(exc)
            if not stop.is_set():
                stop.set()
                on_fatal(exc)

    tasks: list[asyncio.Task[None]] = []
    for i, rec in enumerate(records):
        delay = rec.intended - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if stop.is_set():
            break
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return records[: len(tasks)]


def ok_replies(records: Sequence[Sent]) -> list[tuple[int, Sent]]:
    """(index, record) of the sends that got a 2xx reply."""
    return [
        (i, r) for i, r in enumerate(records) if r.reply is not None and 200 <= r.reply.status < 300
    ]
