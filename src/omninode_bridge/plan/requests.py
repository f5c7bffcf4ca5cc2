"""Requests as bytes: pre-encoded once, with per-request values filled in only when asked.

A body may carry ``{{seq}}``, ``{{uuid}}`` and ``{{now_ms}}`` placeholders (in JSON string
values). Without placeholders the whole request is one immutable ``bytes`` object reused
for every send, which keeps the hot path free of encoding work.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

PLACEHOLDER = re.compile(r"\{\{\s*(seq|uuid|now_ms)\s*\}\}")


@dataclass(frozen=True)
class RequestSpec:
    """One endpoint to load, already resolved to an absolute URL."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    body_variants: tuple[bytes, ...] = ()
    content_type: str | None = None
    weight: float = 1.0
    name: str = ""

    @property
    def display_name(self) -> str:
        return self.name or f"{self.method} {urlsplit(self.url).path or '/'}"


def json_body(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


@dataclass
class RenderedRequest:
    """Renders a ``RequestSpec`` to wire bytes, fast."""

    spec: RequestSpec
    head: bool = False
    _static: bytes | None = None
    _prefix: bytes = b""
    _parts: list[str] = field(default_factory=list)
    _variants: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        spec = self.spec
        self.head = spec.method == "HEAD"
        url = urlsplit(spec.url)
        target = url.path or "/"
        if url.query:
            target += "?" + url.query
        host = url.netloc
        lines = [f"{spec.method} {target} HTTP/1.1", f"Host: {host}"]
        names = {k.lower() for k, _ in spec.headers}
        lines.extend(f"{k}: {v}" for k, v in spec.headers)
        has_body = spec.body is not None or bool(spec.body_variants)
        if has_body and spec.content_type and "content-type" not in names:
            lines.append(f"Content-Type: {spec.content_type}")
        if "user-agent" not in names:
            lines.append("User-Agent: omninode-perf")
        self._prefix = ("\r\n".join(lines) + "\r\n").encode("latin-1")
        if spec.body_variants:
            self._variants = [self._with_body(b) for b in spec.body_variants]
        elif spec.body is not None and PLACEHOLDER.search(spec.body.decode("utf-8", "replace")):
            self._parts = PLACEHOLDER.split(spec.body.decode("utf-8"))
        else:
            self._static = self._with_body(spec.body)

    def _with_body(self, body: bytes | None) -> bytes:
        if body is None:
            if self.spec.method in ("POST", "PUT", "PATCH"):
                return self._prefix + b"Content-Length: 0\r\n\r\n"
            return self._prefix + b"\r\n"
        return self._prefix + b"Content-Length: %d\r\n\r\n" % len(body) + body

    @property
    def static(self) -> bytes | None:
        """The wire bytes when every request is the same (no per-request values)."""
        return self._static

    def render(self, seq: int) -> bytes:
        if self._static is not None:
            return self._static
        if self._variants:
            return self._variants[seq % len(self._variants)]
        parts = self._parts
        out = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                out.append(part)
            elif part == "seq":
                out.append(str(seq))
            elif part == "uuid":
                out.append(str(uuid.uuid4()))
            else:
                out.append(str(time.time_ns() // 1_000_000))
        return self._with_body("".join(out).encode())


def weighted_cycle(weights: Sequence[float], length: int = 120) -> list[int]:
    """Smooth weighted round-robin order of endpoint indices (nginx's algorithm)."""
    if len(weights) == 1:
        return [0]
    current = [0.0] * len(weights)
    total = float(sum(weights))
    order = []
    for _ in range(length):
        for i, w in enumerate(weights):
            current[i] += w
        best = max(range(len(weights)), key=lambda i: current[i])
        current[best] -= total
        order.append(best)
    return order
