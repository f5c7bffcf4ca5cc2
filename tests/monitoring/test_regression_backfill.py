"""24h-vs-previous-24h regression on data backfilled with ``promtool tsdb create-blocks-from
openmetrics``: three services share one TSDB — ``steady`` (no change), ``degraded`` (every
latency 20 % slower in the last 24 h) and ``improved`` (20 % faster)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from omninode_bridge.monitoring.alerts import Finding
from omninode_bridge.monitoring.baseline import BaselineStore
from omninode_bridge.monitoring.config import parse_config
from omninode_bridge.monitoring.evaluators import Evaluators
from omninode_bridge.monitoring.prometheus import PrometheusClient
from tests.monitoring.stack import PROMTOOL, start_prometheus

pytestmark = [
    pytest.mark.prometheus,
]

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10)
FACTORS = {"steady": 1.0, "degraded": 1.2, "improved": 0.8}
DAY = 86400
STEP = 60


def openmetrics(end: int, seed: int = 7) -> str:
    """Two days + 10 min of a latency histogram per service, one sample a minute."""
    rng = np.random.default_rng(seed)
    lines = ["# TYPE http_request_duration_seconds histogram"]
    counts = {s: np.zeros(len(BUCKETS) + 1) for s in FACTORS}
    sums = dict.fromkeys(FACTORS, 0.0)
    start = end - 2 * DAY - 600
    for ts in range(start, end + 1, STEP):
        for service, factor in FACTORS.items():
            scale = factor if ts > end - DAY else 1.0
            latencies = rng.lognormal(np.log(0.04), 0.5, 60) * scale
            counts[service] += np.bincount(np.searchsorted(BUCKETS, latencies), minlength=12)
            sums[service] += float(latencies.sum())
            lines += _points(service, ts, np.cumsum(counts[service]), sums[service])
    return "\n".join([*lines, "# EOF", ""])


def _points(service: str, ts: int, cumulative: np.ndarray, total: float) -> list[str]:
    labels = f'service="{service}",method="POST",route="/hooks",status="202"'
    name = "http_request_duration_seconds"
    out = [
        f'{name}_bucket{{{labels},le="{le}"}} {int(c)} {ts}'
        for le, c in zip([*map(str, BUCKETS), "+Inf"], cumulative, strict=True)
    ]
    return [*out, f"{name}_count{{{labels}}} {int(cumulative[-1])} {ts}",
            f"{name}_sum{{{labels}}} {total:.6f} {ts}"]  # fmt: skip


def monitor_config(prom_url: str, tmp: Path) -> str:
    doc = {
        "production_monitoring": {
            "prometheus": {"url": prom_url, "timeout_s": 20},
            "services": list(FACTORS),
            "regression": {"window": "24h", "offset": "24h", "step": "5m"},
            "baseline_file": str(tmp / "baseline.json"),
        }
    }
    return json.dumps(doc)


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[Finding], Path]]:
    tmp = tmp_path_factory.mktemp("backfill")
    now = int(time.time())
    (tmp / "input.om").write_text(openmetrics(end=now - 600))
    data = tmp / "prom-data"
    cmd = [
        str(PROMTOOL),
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        str(tmp / "input.om"),
        str(data),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    prom = start_prometheus(tmp, {}, storage=data, extra=["--storage.tsdb.retention.time=30d"])
    baseline = BaselineStore(tmp / "baseline.json")
    baseline.set("degraded POST /hooks", "p95_response_time", 1.0)  # better than now: kept
    baseline.set("improved POST /hooks", "p95_response_time", 1000.0)  # worse: replaced
    baseline.save()
    try:
        yield asyncio.run(_evaluate(prom.url, tmp)), tmp
    finally:
        prom.stop()


async def _evaluate(prom_url: str, tmp: Path) -> list[Finding]:
    config = parse_config(monitor_config(prom_url, tmp))
    async with PrometheusClient(prom_url, 20) as prom:
        baselines = BaselineStore.load(config.baseline_file)
        return await Evaluators(config, prom, baselines, time.time).regression()


@pytest.mark.parametrize(
    ("service", "regressed"),
    [("degraded", True), ("steady", False), ("improved", False)],
    ids=["20pct-slower-detected", "unchanged-not-detected", "faster-not-detected"],
)
def test_regression_detected_only_for_the_degraded_service(
    outcome: tuple[list[Finding], Path], service: str, regressed: bool
) -> None:
    findings, _ = outcome
    mine = [f for f in findings if f.service == service and f.metric == "p95_response_time"]
    assert bool(mine) is regressed, findings
    if regressed:
        degradation = float(mine[0].summary.rsplit(" ", 1)[1].rstrip("%"))
        # true shift 20 %; linear interpolation inside the 0.1–0.2 s bucket inflates it a bit
        assert 12 < degradation < 40, mine[0].summary


@pytest.mark.parametrize(
    ("service", "expected"),
    [("degraded", "kept"), ("improved", "replaced"), ("steady", "learned")],
    ids=["worse-keeps-baseline", "better-replaces-baseline", "missing-is-learned"],
)
def test_baseline_moves_only_when_performance_improves(
    outcome: tuple[list[Finding], Path], service: str, expected: str
) -> None:
    _, tmp = outcome
    value = BaselineStore.load(tmp / "baseline.json").get(
        f"{service} POST /hooks", "p95_response_time"
    )
    assert value is not None
    if expected == "kept":
        assert value == 1.0
    else:
        assert 40 < value < 200  # a p95 in ms of the current day, not the seeded 1000
