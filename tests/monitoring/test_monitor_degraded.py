"""Prometheus killed during monitoring → one degraded alert, no crash; back → recovery.

The monitor runs as ``python -m omninode_bridge.monitoring`` with ``--alert-webhook`` (no
Alertmanager), so this also covers the entry point, the webhook sink and SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.monitoring.stack import (
    REPO_ROOT,
    WebhookReceiver,
    free_port,
    start_exporter,
    start_prometheus,
    steady_load,
    wait_scraped,
)

pytestmark = [
    pytest.mark.prometheus,
    pytest.mark.slow,
]


def write_config(tmp: Path, prom_url: str) -> Path:
    doc = {
        "production_monitoring": {
            "prometheus": {"url": prom_url, "timeout_s": 1, "backoff_initial_s": 0.5},
            "services": ["hook_receiver"],
            "window": "10s",
            "regression": {"enabled": False},
            "baseline_file": str(tmp / "baseline.json"),
            "alert_log": str(tmp / "alerts.jsonl"),
        }
    }
    path = tmp / "monitor.yaml"
    path.write_text(json.dumps(doc))
    return path


def own_metrics(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as resp:
        text: str = resp.read().decode()
        return text


async def scenario(tmp: Path) -> None:
    target = start_exporter(tmp)
    webhook = await WebhookReceiver().start()
    prom_port = free_port()
    jobs = {"hook_receiver": [f"127.0.0.1:{target.port}"]}
    prom = start_prometheus(tmp, jobs, port=prom_port)
    metrics_port = free_port()
    load_stop = asyncio.Event()
    load = asyncio.create_task(steady_load(target.url + "/hooks", load_stop, workers=2))
    await wait_scraped(prom.url, "http_request_duration_seconds_count")
    await asyncio.sleep(2)
    cmd = [
        sys.executable, "-m", "omninode_bridge.monitoring", "--config",
        str(write_config(tmp, prom.url)), "--alert-webhook", webhook.url, "--interval", "1",
        "--resend-interval", "2", "--backoff-max", "2", "--metrics-port", str(metrics_port),
    ]  # fmt: skip
    log = (tmp / "monitor.log").open("wb")
    monitor = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    try:
        await asyncio.sleep(3)
        assert monitor.poll() is None
        assert not webhook.alerts("firing", "MonitoringDegraded")
        prom.stop()
        firing = await webhook.wait_for("firing", "MonitoringDegraded", 20)
        assert "unavailable" in firing["annotations"]["description"]
        await asyncio.sleep(3)
        assert monitor.poll() is None, "monitor crashed while Prometheus was down"
        text = own_metrics(metrics_port)
        assert 'omninode_monitor_query_errors_total{kind="unavailable"' in text
        assert "omninode_monitor_degraded 1.0" in text
        prom = start_prometheus(tmp, jobs, port=prom_port)
        resolved = await webhook.wait_for("resolved", "MonitoringDegraded", 20)
        assert resolved["labels"]["alertname"] == "MonitoringDegraded"
        assert "omninode_monitor_degraded 0.0" in own_metrics(metrics_port)
        assert monitor.poll() is None
        os.kill(monitor.pid, signal.SIGTERM)
        assert monitor.wait(10) == 143
    finally:
        if monitor.poll() is None:
            os.kill(monitor.pid, signal.SIGKILL)
            monitor.wait(5)
        log.close()
        load_stop.set()
        await load
        prom.stop()
        target.stop()
        await webhook.stop()


def test_prometheus_down_raises_degraded_alert_then_recovers(tmp_path: Path) -> None:
    asyncio.run(asyncio.wait_for(scenario(tmp_path), 120))
    log = (tmp_path / "monitor.log").read_text()
    assert "Traceback" not in log
