"""Async Prometheus HTTP API client (``/api/v1/query``, ``/api/v1/query_range``) over aiohttp.

Errors are mapped at the edge into a small tree::

    PrometheusError           anything that kept a query from giving data
    ├── PrometheusUnavailable connection refused, reset, or timed out
    ├── PrometheusQueryError  HTTP error status or ``"status": "error"`` from the API
    └── EmptyResult           the query succeeded but returned no series (``require_data``)

Sample values are floats; NaN (e.g. ``histogram_quantile`` with no traffic) is kept, and
callers decide what it means.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp


class PrometheusError(Exception):
    kind = "error"


class PrometheusUnavailable(PrometheusError):
    kind = "unavailable"


class PrometheusQueryError(PrometheusError):
    kind = "query"


class EmptyResult(PrometheusError):
    kind = "empty"


Labels = tuple[tuple[str, str], ...]


def labels_of(metric: dict[str, str]) -> Labels:
    return tuple(sorted(metric.items()))


@dataclass(frozen=True)
class Sample:
    labels: Labels
    value: float

    def label(self, name: str, default: str = "") -> str:
        return dict(self.labels).get(name, default)


@dataclass(frozen=True)
class Series:
    labels: Labels
    timestamps: tuple[float, ...]
    values: tuple[float, ...]

    def finite_values(self) -> list[float]:
        return [v for v in self.values if math.isfinite(v)]


class PrometheusClient:
    """One aiohttp session per client; use ``async with`` or call :meth:`close`."""

    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> PrometheusClient:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def query(
        self, expr: str, at: float | None = None, require_data: bool = False
    ) -> list[Sample]:
        params = {"query": expr} | ({"time": f"{at:.3f}"} if at is not None else {})
        data = await self._get("/api/v1/query", params)
        samples = [_sample(item) for item in _vector(data)]
        if require_data and not samples:
            raise EmptyResult(f"no data for {expr!r}")
        return samples

    async def query_range(
        self, expr: str, start: float, end: float, step_s: float, require_data: bool = False
    ) -> list[Series]:
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": str(step_s)}
        data = await self._get("/api/v1/query_range", params)
        if data.get("resultType") != "matrix":
            raise PrometheusQueryError(f"expected a matrix, got {data.get('resultType')!r}")
        series = [_series(item) for item in data.get("result", [])]
        if require_data and not series:
            raise EmptyResult(f"no data for {expr!r}")
        return series

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        try:
            async with self._session.get(self.base_url + path, params=params) as resp:
                body = await resp.text()
                return _payload(resp.status, body)
        except (TimeoutError, aiohttp.ClientConnectionError, OSError) as exc:
            raise PrometheusUnavailable(f"{self.base_url}: {type(exc).__name__} {exc}") from exc
        except aiohttp.ClientError as exc:
            raise PrometheusQueryError(f"{self.base_url}: {exc}") from exc


def _payload(status: int, body: str) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except ValueError:
        raise PrometheusQueryError(f"HTTP {status}: not JSON: {body[:200]!r}") from None
    if not isinstance(doc, dict) or doc.get("status") != "success":
        error = doc.get("error", body[:200]) if isinstance(doc, dict) else body[:200]
        raise PrometheusQueryError(f"HTTP {status}: {error}")
    data = doc.get("data")
    if not isinstance(data, dict):
        raise PrometheusQueryError(f"HTTP {status}: missing data")
    return data


def _vector(data: dict[str, Any]) -> list[dict[str, Any]]:
    kind = data.get("resultType")
    if kind == "scalar":
        return [{"metric": {}, "value": data["result"]}]
    if kind != "vector":
        raise PrometheusQueryError(f"expected a vector, got {kind!r}")
    result: list[dict[str, Any]] = data.get("result", [])
    return result


def _sample(item: dict[str, Any]) -> Sample:
    return Sample(labels_of(item.get("metric", {})), float(item["value"][1]))


def _series(item: dict[str, Any]) -> Series:
    points = item.get("values", [])
    return Series(
        labels_of(item.get("metric", {})),
        tuple(float(t) for t, _ in points),
        tuple(float(v) for _, v in points),
    )
