"""End to end with real binaries: load → injected slowdown → WARNING through Alertmanager →
slowdown ends → resolved."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import ClientSession

from omninode_bridge.monitoring.config import parse_config
from omninode_bridge.monitoring.monitor import Monitor
from omninode_bridge.services.launcher import start_services
from tests.monitoring.stack import (
    WebhookReceiver,
    free_port,
    start_alertmanager,
    start_prometheus,
    steady_load,
    wait_scraped,
)

pytestmark = [
    pytest.mark.prometheus,
    pytest.mark.slow,
]


def monitor_yaml(prom: str, am: str, tmp: Path) -> str:
    doc = {
        "production_monitoring": {
            "prometheus": {"url": prom, "timeout_s": 2, "backoff_max_s": 2},
            "alertmanager": {"url": am, "resend_interval_s": 2},
            "services": ["hook_receiver"],
            "window": "10s",
            "intervals": {
                "response_times_s": 1, "throughput_s": 5, "error_rates_s": 5,
                "resource_usage_s": 5, "intelligence_s": 5, "regression_s": 3600,
                "slo_s": 5, "health_s": 2,
            },
            "regression": {"enabled": False},
            "baseline_file": str(tmp / "baseline.json"),
            "alert_log": str(tmp / "alerts.jsonl"),
        }
    }  # fmt: skip
    return json.dumps(doc)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    """The real hook receiver, with ``POST /admin/faults`` enabled."""
    handle = start_services(
        only=["hook_receiver"],
        ports={"hook_receiver": free_port()},
        data_dir=str(tmp_path / "services"),
        extra_args={"hook_receiver": ["--enable-admin"]},
    )
    url = handle.base_urls["hook_receiver"]
    yield Target(url, int(url.rsplit(":", 1)[1]))
    handle.stop()


@dataclass(frozen=True)
class Target:
    url: str
    port: int


async def _set_delay(url: str, delay_ms: float) -> None:
    async with (
        ClientSession() as session,
        session.post(url + "/admin/faults", json={"delay_ms": delay_ms}) as resp,
    ):
        assert resp.status == 200


async def _wait_baseline(path: Path, timeout: float) -> float:
    for _ in range(int(timeout * 5)):
        with contextlib.suppress(OSError, ValueError, KeyError):
            doc = json.loads(path.read_text())
            return float(doc["endpoints"]["hook_receiver POST /hooks"]["p95_response_time"])
        await asyncio.sleep(0.2)
    raise AssertionError("monitor never learned a p95 baseline")


async def scenario(tmp: Path, target: Target) -> None:
    webhook = await WebhookReceiver().start()
    am = start_alertmanager(tmp, webhook.url)
    prom = start_prometheus(tmp, {"hook_receiver": [f"127.0.0.1:{target.port}"]})
    config = parse_config(monitor_yaml(prom.url, am.url, tmp))
    monitor, stop, load_stop = Monitor(config), asyncio.Event(), asyncio.Event()
    load = asyncio.create_task(steady_load(target.url + "/hooks", load_stop))
    await wait_scraped(prom.url, "http_request_duration_seconds_count")
    await asyncio.sleep(2)  # two scrapes, so rate() has something
    run = asyncio.create_task(monitor.run(stop))
    try:
        baseline = await _wait_baseline(tmp / "baseline.json", 30)
        assert baseline > 0
        # well past 1.5x whatever this shared machine gave as the baseline p95
        await _set_delay(target.url, min(max(200.0, 4 * baseline), 2000.0))
        firing = await webhook.wait_for("firing", "ResponseTimeDegradation", 40)
        assert firing["labels"]["severity"] == "warning"
        assert firing["labels"]["metric"] == "p95_response_time"
        assert firing["labels"]["service"] == "hook_receiver"
        assert "increased from" in firing["annotations"]["summary"]
        await _set_delay(target.url, 0)
        resolved = await webhook.wait_for("resolved", "ResponseTimeDegradation", 40)
        assert resolved["endsAt"] >= firing["startsAt"]
        events = [json.loads(line)["event"] for line in (tmp / "alerts.jsonl").open()]
        assert events.count("firing") >= 1 and events.count("resolved") >= 1
        assert not webhook.alerts("firing", "MonitoringDegraded")
    finally:
        stop.set()
        load_stop.set()
        await asyncio.gather(run, load, return_exceptions=True)
        await monitor.close()
        prom.stop()
        am.stop()
        await webhook.stop()


def test_slowdown_warning_reaches_webhook_through_alertmanager_and_resolves(
    tmp_path: Path, target: Target
) -> None:
    asyncio.run(asyncio.wait_for(scenario(tmp_path, target), 120))
