"""``omninode-perf serve`` and the launcher: start cleanly, stop cleanly, fail clearly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest

from omninode_bridge.services.launcher import ServiceStartError, free_port, start_services
from tests.services._client import get


def read_urls(proc: subprocess.Popen[str], count: int, limit_s: float = 30.0) -> dict[str, str]:
    urls: dict[str, str] = {}
    deadline = time.monotonic() + limit_s
    assert proc.stdout is not None
    while len(urls) < count and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        name, url = line.split()[:2]
        urls[name] = url
    return urls


def serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "omninode_bridge", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_all_then_sigterm_exits_zero(tmp_path: Path) -> None:
    proc = serve("--data-dir", str(tmp_path))
    try:
        urls = read_urls(proc, 3)
        assert set(urls) == {"hook_receiver", "tool_proxy", "service_registry"}
        for url in urls.values():
            assert get(f"{url}/health")[0] == 200
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for url in urls.values():  # the children are gone too
        with pytest.raises(urllib.error.URLError):
            get(f"{url}/health", timeout=1)


def test_serve_only_one_service_on_a_given_port(tmp_path: Path) -> None:
    port = free_port()
    proc = serve("--only", "service_registry", "--port", str(port), "--data-dir", str(tmp_path))
    try:
        urls = read_urls(proc, 1)
        assert urls == {"service_registry": f"http://127.0.0.1:{port}"}
        assert get(f"{urls['service_registry']}/health")[1]["service"] == "service_registry"
        os.kill(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_port_without_only_is_a_usage_error() -> None:
    proc = serve("--port", "1234")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "--only" in err and "Traceback" not in err


def test_launcher_names_the_failing_service_and_its_log(tmp_path: Path) -> None:
    with pytest.raises(ServiceStartError) as info:
        start_services(
            ports={"hook_receiver": free_port()},
            data_dir=str(tmp_path),
            only=["hook_receiver"],
            extra_args={"hook_receiver": ["--bogus-flag"]},
        )
    message = str(info.value)
    assert "hook_receiver" in message and str(tmp_path / "logs" / "hook_receiver.log") in message


def test_wait_for_services_script(tmp_path: Path) -> None:
    script = Path(__file__).parents[2] / "scripts" / "wait-for-services.sh"
    with start_services(
        ports={"service_registry": free_port()}, data_dir=str(tmp_path), only=["service_registry"]
    ) as handle:
        ok = subprocess.run(
            [str(script), handle.base_urls["service_registry"]],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert ok.returncode == 0, ok.stderr
    down = subprocess.run(
        [str(script), f"http://127.0.0.1:{free_port()}"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "WAIT_TIMEOUT": "1"},
    )
    assert down.returncode == 3 and "not healthy" in down.stderr
