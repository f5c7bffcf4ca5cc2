"""Config endpoints → engine ``RequestSpec``s (URLs resolved, bodies encoded, volume payloads)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from omninode_bridge.config import Endpoint, PayloadConfig, TestConfig
from omninode_bridge.plan.requests import RequestSpec, json_body

PAYLOAD_VARIANTS = 64


def endpoint_url(endpoint: Endpoint, base_urls: Mapping[str, str]) -> str:
    if endpoint.url:
        return endpoint.url
    base = base_urls[endpoint.service or ""].rstrip("/")
    return base + endpoint.path


def request_spec(
    endpoint: Endpoint, base_urls: Mapping[str, str], variants: tuple[bytes, ...] = ()
) -> RequestSpec:
    body: bytes | None = None
    content_type = None
    if endpoint.data is not None:
        body, content_type = json_body(endpoint.data), "application/json"
    elif endpoint.body is not None:
        body, content_type = endpoint.body.encode(), "text/plain"
    return RequestSpec(
        method=endpoint.method,
        url=endpoint_url(endpoint, base_urls),
        headers=tuple(endpoint.headers.items()),
        body=None if variants else body,
        body_variants=variants,
        content_type="application/json" if variants else content_type,
        weight=endpoint.weight,
        name=endpoint.name or f"{endpoint.method} {endpoint.path}",
    )


def payload_sizes(payload: PayloadConfig, count: int, seed: int = 7) -> list[int]:
    rng = np.random.default_rng(seed)
    fixed = payload.size or payload.mean_size or 1024
    if payload.distribution == "fixed":
        return [int(fixed)] * count
    lo = int(payload.min_size or 1)
    hi = int(payload.max_size or max(lo + 1, 2 * fixed))
    if payload.distribution == "uniform":
        return [int(x) for x in rng.integers(lo, hi + 1, size=count)]
    mean = float(payload.mean_size or fixed)
    sigma = 1.0
    draws = rng.lognormal(np.log(mean) - sigma**2 / 2, sigma, size=count)
    return [int(min(max(x, lo), hi)) for x in draws]


def payload_bodies(endpoint: Endpoint, payload: PayloadConfig) -> tuple[bytes, ...]:
    """JSON bodies of the sizes drawn, each the endpoint's data plus a filler field."""
    base: dict[str, Any] = dict(endpoint.data) if isinstance(endpoint.data, dict) else {}
    bodies = []
    for size in payload_sizes(payload, PAYLOAD_VARIANTS):
        doc = dict(base)
        doc[payload.field] = ""
        overhead = len(json.dumps(doc, separators=(",", ":")))
        doc[payload.field] = "x" * max(0, size - overhead)
        bodies.append(json_body(doc))
    return tuple(bodies)


def build_requests(test: TestConfig, base_urls: Mapping[str, str]) -> list[RequestSpec]:
    specs = []
    for endpoint in test.endpoints:
        variants: tuple[bytes, ...] = ()
        if test.payload is not None and endpoint.method in ("POST", "PUT", "PATCH"):
            variants = payload_bodies(endpoint, test.payload)
        specs.append(request_spec(endpoint, base_urls, variants))
    return specs
