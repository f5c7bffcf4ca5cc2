from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from omninode_bridge.analysis.endurance import analyze_endurance
from omninode_bridge.resources import GeneratorCpuMeter, ResourceSampler, resolve_source
from omninode_bridge.resources.sampler import FIELDS, SampleStore
from tests.servers import start_server


@pytest.mark.parametrize("count", [5, 64, 65, 1000, 100_000], ids=lambda n: f"{n}-samples")
def test_store_is_bounded_and_evenly_spaced(count: int) -> None:
    store = SampleStore(capacity=64, cores=2)
    for k in range(count):
        store.add(np.full(len(FIELDS), float(k)), np.zeros(2))
    kept = store.rows[: store.n, 0]
    assert store.n <= 64
    assert kept[0] == 0.0
    steps = np.diff(kept)
    assert len(set(steps.tolist())) <= 1  # one stride throughout
    assert kept[-1] >= count - 1 - (steps[0] if len(steps) else 0)


def _sample_leak(kind: str, mb_per_s: float, seconds: float) -> list[dict[str, object]]:
    with start_server(kind, mb_per_s=mb_per_s, max_mb=200) as server:

        async def run() -> ResourceSampler:
            sampler = ResourceSampler(resolve_source(port="auto", target_url=server.url), 0.25)
            await sampler.start()
            await asyncio.sleep(seconds)
            await sampler.stop()
            return sampler

        return asyncio.run(run()).samples


@pytest.mark.parametrize(
    ("kind", "mb_per_s"), [("leaking", 4.0), ("not_leaking", 0.0)], ids=["leaks-4MBps", "flat"]
)
def test_leak_rate_from_real_rss_samples(kind: str, mb_per_s: float) -> None:
    samples = _sample_leak(kind, mb_per_s, 4.0)
    result = analyze_endurance([], samples, warmup_s=0.5)
    truth = mb_per_s * 3600
    assert result["leak_suspected"] is (mb_per_s > 0)
    if mb_per_s:
        assert result["memory_growth_mb_per_hour"] == pytest.approx(truth, rel=0.25)
    else:
        assert abs(result["memory_growth_mb_per_hour"]) < 0.05 * 4 * 3600


def test_generator_meter_sees_its_own_busy_loop() -> None:
    meter = GeneratorCpuMeter()
    end = time.process_time() + 0.4
    while time.process_time() < end:  # burn 0.4 s of CPU, however long that takes
        pass
    meter.tick()
    busy = meter.mean_percent()
    assert busy is not None and busy > 25
    assert meter.invalid_reason(threshold=10) is not None
    assert "add --workers" in (meter.invalid_reason(threshold=10) or "")
    idle = GeneratorCpuMeter()
    time.sleep(0.5)
    assert idle.tick() and (idle.mean_percent() or 0) < 10
    assert idle.invalid_reason() is None
