"""Real processes for the resource tests: an exporter and a Prometheus scraping it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

EXPORTER = """
import sys, time
from prometheus_client import start_http_server
start_http_server(int(sys.argv[1]), addr="127.0.0.1")
hoard = []
for _ in range(600):  # bounded: at most 60 s, 1 MB per 100 ms up to 30 MB
    if len(hoard) < 30:
        hoard.append(b"\\x01" * (1 << 20))
    time.sleep(0.1)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)


@pytest.fixture
def exporter() -> Iterator[tuple[int, int]]:
    """(pid, port) of a prometheus_client exporter whose RSS grows by ~30 MB."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", EXPORTER, str(port)])
    try:
        wait_http(f"http://127.0.0.1:{port}/metrics", proc)
        yield proc.pid, port
    finally:
        stop(proc)


@pytest.fixture
def prometheus(tmp_path: Path, exporter: tuple[int, int]) -> Iterator[str]:
    """URL of a real Prometheus scraping ``exporter`` every second (job ``svc``)."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("Debian package 'prometheus' is not installed")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: svc\n    static_configs: [{{targets: ['127.0.0.1:{exporter[1]}']}}]\n"
    )
    port = free_port()
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/-/ready", proc)
        yield url
    finally:
        stop(proc)
