from __future__ import annotations

import asyncio
import time

import psutil
import pytest

from omninode_bridge.resources import ResourceSampler, ResourceSourceError, resolve_source
from omninode_bridge.resources.sources import PrometheusSource

pytestmark = pytest.mark.prometheus


async def _first_value(source: PrometheusSource, field: str, timeout: float = 15.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = getattr(await source.read(), field)
        if value is not None:
            return float(value)
        await asyncio.sleep(0.5)
    raise AssertionError(f"Prometheus never returned {field}")


def test_prometheus_query_matches_the_process(prometheus: str, exporter: tuple[int, int]) -> None:
    pid, _ = exporter
    query = 'process_resident_memory_bytes{job="svc"}'
    source = resolve_source(prometheus={"url": prometheus, "query": query})
    assert isinstance(source, PrometheusSource) and source.name == f"prometheus:{query}"

    async def run() -> float:
        try:
            return await _first_value(source, "rss_bytes")
        finally:
            await source.close()

    rss = asyncio.run(run())
    truth = psutil.Process(pid).memory_info().rss
    assert rss == pytest.approx(truth, rel=0.5)  # scraped up to 1 s ago while it grows
    assert rss > 5 * 1024 * 1024


def test_prometheus_selector_feeds_the_sampler(prometheus: str) -> None:
    source = resolve_source(prometheus={"url": prometheus, "selector": '{job="svc"}'})

    async def run() -> ResourceSampler:
        assert isinstance(source, PrometheusSource)
        await _first_value(source, "cpu_percent")  # rate() needs two scrapes
        sampler = ResourceSampler(source, interval_s=1.0)
        await sampler.start()
        await asyncio.sleep(3.2)
        await sampler.stop()
        return sampler

    sampler = asyncio.run(run())
    samples = sampler.samples
    assert len(samples) >= 3
    assert all(s["rss_mb"] > 5 and s["fds"] >= 1 for s in samples)
    assert all(s["cpu_percent"] is not None and 0 <= s["cpu_percent"] < 100 for s in samples)
    assert sampler.to_result()["source"] == 'prometheus:{job="svc"}'


def test_bad_promql_is_a_one_line_error(prometheus: str) -> None:
    source = resolve_source(prometheus={"url": prometheus, "query": "sum(("})

    async def run() -> None:
        try:
            await source.read()
        finally:
            await source.close()

    with pytest.raises(ResourceSourceError, match="failed") as info:
        asyncio.run(run())
    assert "\n" not in str(info.value)
