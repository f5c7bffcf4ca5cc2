"""Real binaries for the monitor's tests: Prometheus, Alertmanager, an exporter, a webhook.

Everything listens on 127.0.0.1, lives in a temp dir and is stopped by its PID.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

REPO_ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = shutil.which("prometheus")
ALERTMANAGER = shutil.which("prometheus-alertmanager")
PROMTOOL = shutil.which("promtool")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Proc:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(5)


def start(cmd: list[str], port: int, log: Path, ready_path: str, timeout: float = 20.0) -> Proc:
    with log.open("ab") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    proc = Proc(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited {process.returncode}: {log.read_text()[-2000:]}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(proc.url + ready_path, timeout=1) as resp,
        ):
            if resp.status == 200:
                return proc
        time.sleep(0.1)
    proc.stop()
    raise RuntimeError(f"{cmd[0]} not ready in {timeout}s: {log.read_text()[-2000:]}")


def start_exporter(tmp: Path, port: int | None = None) -> Proc:
    port = port or free_port()
    cmd = [sys.executable, "-m", "tests.monitoring.exporter", "--port", str(port)]
    return start(cmd, port, tmp / f"exporter-{port}.log", "/health")


def write_prometheus_config(tmp: Path, jobs: dict[str, list[str]], interval: str = "1s") -> Path:
    scrape = [
        {"job_name": job, "scrape_interval": interval, "scrape_timeout": interval,
         "static_configs": [{"targets": targets}]}
        for job, targets in jobs.items()
    ]  # fmt: skip
    path = tmp / "prometheus.yml"
    doc = {"global": {"scrape_interval": interval, "evaluation_interval": interval}}
    path.write_text(json.dumps(doc | {"scrape_configs": scrape}))
    return path


def start_prometheus(
    tmp: Path,
    jobs: dict[str, list[str]],
    port: int | None = None,
    storage: Path | None = None,
    extra: list[str] | None = None,
) -> Proc:
    assert PROMETHEUS, "prometheus binary not installed"
    port = port or free_port()
    config = write_prometheus_config(tmp, jobs)
    storage = storage or tmp / "prom-data"
    cmd = [
        PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={storage}",
        f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn", *(extra or []),
    ]  # fmt: skip
    return start(cmd, port, tmp / "prometheus.log", "/-/ready")


def start_alertmanager(tmp: Path, webhook_url: str) -> Proc:
    assert ALERTMANAGER, "prometheus-alertmanager binary not installed"
    port = free_port()
    config = tmp / "alertmanager.yml"
    doc = {
        "route": {
            "receiver": "test", "group_by": ["alertname", "service", "endpoint"],
            "group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h",
        },
        "receivers": [
            {"name": "test", "webhook_configs": [{"url": webhook_url, "send_resolved": True}]}
        ],
    }  # fmt: skip
    config.write_text(json.dumps(doc))
    cmd = [
        ALERTMANAGER, f"--config.file={config}", f"--storage.path={tmp / 'am-data'}",
        f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
        "--log.level=warn",
    ]  # fmt: skip
    return start(cmd, port, tmp / "alertmanager.log", "/-/ready")


@dataclass
class WebhookReceiver:
    """An aiohttp server that records every Alertmanager-style webhook body it gets."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> WebhookReceiver:
        async def hook(request: web.Request) -> web.Response:
            self.bodies.append(await request.json())
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post("/hook", hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def alerts(self, status: str, alertname: str) -> list[dict[str, Any]]:
        return [
            a
            for body in self.bodies
            for a in body.get("alerts", [])
            if a.get("status") == status and a["labels"].get("alertname") == alertname
        ]

    async def wait_for(self, status: str, alertname: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.alerts(status, alertname)
            if found:
                return found[-1]
            await asyncio.sleep(0.2)
        raise AssertionError(f"no {status} {alertname} within {timeout}s: {self.bodies}")


async def steady_load(
    url: str,
    stop: asyncio.Event,
    workers: int = 4,
    pause_s: float = 0.05,
    max_requests: int = 20_000,
    max_s: float = 120.0,
) -> int:
    """Closed-loop load on loopback, bounded in count and time; returns requests sent."""
    sent = 0
    deadline = time.monotonic() + max_s

    async def worker(session: ClientSession) -> None:
        nonlocal sent
        while not stop.is_set() and sent < max_requests and time.monotonic() < deadline:
            sent += 1
            with contextlib.suppress(Exception):
                async with session.post(url, json={"type": "t", "service": "s", "event": "e"}):
                    pass
            await asyncio.sleep(pause_s)

    async with ClientSession(timeout=ClientTimeout(total=5)) as session:
        await asyncio.gather(*(worker(session) for _ in range(workers)))
    return sent


async def wait_scraped(prom_url: str, expr: str, timeout: float = 20.0) -> None:
    """Wait until ``expr`` returns data in Prometheus (its first scrapes have landed)."""
    deadline = time.monotonic() + timeout
    async with ClientSession(timeout=ClientTimeout(total=2)) as session:
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                params = {"query": expr}
                async with session.get(prom_url + "/api/v1/query", params=params) as resp:
                    if (await resp.json())["data"]["result"]:
                        return
            await asyncio.sleep(0.2)
    raise AssertionError(f"Prometheus never returned data for {expr}")
