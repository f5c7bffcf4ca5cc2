"""Tiny blocking HTTP client for the service tests (loopback only, no proxy)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(
    method: str,
    url: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    content_type: str | None = "application/json",
    timeout: float = 10.0,
) -> tuple[int, Any]:
    """Send a request; return (status, decoded JSON or text)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    headers = {"Content-Type": content_type} if content_type and data is not None else {}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as resp:
            return resp.status, _decode(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _decode(exc.read())


def _decode(payload: bytes) -> Any:
    try:
        return json.loads(payload) if payload else None
    except ValueError:
        return payload.decode(errors="replace")


def get(url: str, timeout: float = 10.0) -> tuple[int, Any]:
    return call("GET", url, timeout=timeout)


def post(url: str, body: Any = None, timeout: float = 10.0) -> tuple[int, Any]:
    return call("POST", url, body if body is not None else {}, timeout=timeout)


def all_events(base: str, service: str | None = None) -> list[dict[str, Any]]:
    """Every stored event, paging through GET /events."""
    events: list[dict[str, Any]] = []
    since = 0
    while True:
        query = f"since={since}&limit=10000" + (f"&service={service}" if service else "")
        status, page = get(f"{base}/events?{query}")
        assert status == 200, page
        if not page["events"]:
            return events
        events.extend(page["events"])
        since = page["last_seq"]
