"""The Prometheus client against a real Prometheus, a dead port and a too-slow server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from omninode_bridge.monitoring.prometheus import (
    EmptyResult,
    PrometheusClient,
    PrometheusError,
    PrometheusQueryError,
    PrometheusUnavailable,
)
from tests.monitoring.stack import Proc, free_port, start_prometheus

pytestmark = [pytest.mark.prometheus]


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    tmp: Path = tmp_path_factory.mktemp("prom")
    proc = start_prometheus(tmp, {})  # scrapes nothing: queries on constants only
    yield proc
    proc.stop()


async def _query(url: str, expr: str, require: bool = False, timeout: float = 2.0) -> list[float]:
    async with PrometheusClient(url, timeout) as client:
        return [s.value for s in await client.query(expr, require_data=require)]


def test_vector_scalar_and_range(prom: Proc) -> None:
    assert asyncio.run(_query(prom.url, "vector(2) * 3")) == [6.0]
    assert asyncio.run(_query(prom.url, "scalar(vector(4))")) == [4.0]

    async def ranged() -> int:
        async with PrometheusClient(prom.url) as client:
            series = await client.query_range("vector(1)", 1000.0, 1060.0, 10.0)
            return len(series[0].values)

    assert asyncio.run(ranged()) == 7


ERRORS = [
    ("bad-promql", "sum(", PrometheusQueryError),
    ("empty-with-require", "absent_metric_xyz", EmptyResult),
]


@pytest.mark.parametrize(("expr", "error"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_query_errors(prom: Proc, expr: str, error: type[PrometheusError]) -> None:
    with pytest.raises(error):
        asyncio.run(_query(prom.url, expr, require=True))


def test_empty_without_require_is_no_samples(prom: Proc) -> None:
    assert asyncio.run(_query(prom.url, "absent_metric_xyz")) == []


def test_dead_port_is_unavailable() -> None:
    with pytest.raises(PrometheusUnavailable):
        asyncio.run(_query(f"http://127.0.0.1:{free_port()}", "up"))


async def _slow_and_broken(expr: str, timeout: float) -> list[float]:
    async def slow(request: web.Request) -> web.Response:
        if request.query["query"] == "slow":
            await asyncio.sleep(2)
        return web.Response(status=502, text="<html>bad gateway</html>")

    app = web.Application()
    app.router.add_get("/api/v1/query", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        return await _query(f"http://127.0.0.1:{port}", expr, timeout=timeout)
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("expr", "error"), [("slow", PrometheusUnavailable), ("x", PrometheusQueryError)],
    ids=["slow-times-out", "proxy-502-not-json"],
)  # fmt: skip
def test_slow_or_broken_server(expr: str, error: type[PrometheusError]) -> None:
    with pytest.raises(error):
        asyncio.run(_slow_and_broken(expr, timeout=0.3))
