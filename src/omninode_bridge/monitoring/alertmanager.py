"""Where alerts go: Alertmanager's API v2 (``POST /api/v2/alerts``) or a plain webhook.

:class:`AlertPayload` is one alert as Alertmanager's API v2 takes it. A sink delivers a
batch and raises :class:`AlertDeliveryError` when it could not; the caller keeps the batch
and tries again. :class:`WebhookSink` posts the same body Alertmanager's webhook receiver
sends (``version: "4"``), for teams that have no Alertmanager.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import aiohttp


class AlertDeliveryError(Exception):
    pass


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class AlertPayload:
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: float
    ends_at: float
    resolved: bool = False
    generator_url: str = ""

    @property
    def fingerprint(self) -> str:
        text = json.dumps(self.labels, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def status(self) -> str:
        return "resolved" if self.resolved else "firing"

    def to_api(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "labels": self.labels,
            "annotations": self.annotations,
            "startsAt": rfc3339(self.starts_at),
            "endsAt": rfc3339(self.ends_at),
        }
        if self.generator_url:
            doc["generatorURL"] = self.generator_url
        return doc


class AlertSink(Protocol):
    name: str

    async def send(self, alerts: Sequence[AlertPayload]) -> None: ...

    async def close(self) -> None: ...


@dataclass
class _HttpSink:
    url: str
    timeout_s: float = 5.0
    name: str = "http"
    _session: aiohttp.ClientSession | None = field(default=None, repr=False)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(self, method: str, url: str, body: Any = None) -> Any:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self.timeout_s)
            self._session = aiohttp.ClientSession(timeout=timeout)
        try:
            async with self._session.request(method, url, json=body) as resp:
                text = await resp.text()
                if resp.status >= 300:
                    raise AlertDeliveryError(f"{url}: HTTP {resp.status}: {text[:200]}")
                return json.loads(text) if text.strip() else None
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            raise AlertDeliveryError(f"{url}: {type(exc).__name__} {exc}") from exc


@dataclass
class AlertmanagerSink(_HttpSink):
    """Alertmanager API v2 client."""

    name: str = "alertmanager"

    async def send(self, alerts: Sequence[AlertPayload]) -> None:
        if alerts:
            await self._request("POST", self._api("alerts"), [a.to_api() for a in alerts])

    async def list_alerts(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._request("GET", self._api("alerts"))
        return result

    def _api(self, path: str) -> str:
        return f"{self.url.rstrip('/')}/api/v2/{path}"


@dataclass
class WebhookSink(_HttpSink):
    """Posts Alertmanager-webhook-shaped bodies (one per status) straight to a URL."""

    name: str = "webhook"

    async def send(self, alerts: Sequence[AlertPayload]) -> None:
        for status in ("firing", "resolved"):
            batch = [a for a in alerts if a.status == status]
            if batch:
                await self._request("POST", self.url, webhook_body(status, batch))


def webhook_body(status: str, alerts: Sequence[AlertPayload]) -> dict[str, Any]:
    common = set.intersection(*(set(a.labels.items()) for a in alerts))
    return {
        "version": "4",
        "status": status,
        "receiver": "omninode-perf",
        "groupLabels": {},
        "commonLabels": dict(common),
        "commonAnnotations": {},
        "externalURL": "",
        "alerts": [a.to_api() | {"status": a.status, "fingerprint": a.fingerprint} for a in alerts],
    }
