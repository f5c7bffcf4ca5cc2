"""Counts that must agree: intervals vs the whole test, endpoints vs the test, and what
connections, queues and timeouts are charged with. Real servers on loopback."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.engine.transport import framed
from tests.engine.conftest import REPO, Nginx, load_json, run_cli
from tests.servers import start_server


def load_capacity_server(
    tmp_path: Path, service_ms: int, concurrency: int, *args: str
) -> dict[str, Any]:
    """``omninode-perf load`` against a capacity server; the result object."""
    out = tmp_path / "r.json"
    with start_server("capacity", service_ms=service_ms, concurrency=concurrency) as server:
        run = run_cli("load", server.url + "/", *args, "--json", str(out))
    assert run.code == 0, run.stderr
    return load_json(out)


@pytest.mark.slow
def test_drops_are_failures_counted_once(tmp_path: Path) -> None:
    """One connection to a 100 ms server at 40 req/s: most requests time out or are
    dropped. Each interval's errors exclude drops (requests = ok + errors), so the
    intervals add up to the test's figures, and the endpoint's error rate is the test's."""
    result = load_capacity_server(
        tmp_path, 100, 1, "--rate", "40", "-c", "1", "-d", "3s", "--timeout", "0.5s"
    )
    m, intervals = result["metrics"], result["intervals"]
    assert m["dropped"] > 0
    for interval in intervals:
        assert interval["requests"] == interval["ok"] + interval["errors"], interval["t"]
    assert sum(i["dropped"] for i in intervals) == m["dropped"]
    errors = sum(n for kind, n in m["errors_by_kind"].items() if kind != "dropped")
    assert sum(i["errors"] for i in intervals) == errors
    assert sum(i["requests"] for i in intervals) == m["requests"]
    (endpoint,) = m["endpoints"]
    assert endpoint["dropped"] == m["dropped"]
    assert endpoint["error_rate"] == pytest.approx(m["error_rate"])
    assert 0 < m["error_rate"] <= 1


@pytest.mark.slow
def test_workers_share_the_connections(tmp_path: Path) -> None:
    """-c 4 -w 2 is 4 connections in all, not 4 per worker: against a 20 ms server
    with room for 50 at once, a closed loop then does about 4 / 0.02 = 200 req/s."""
    result = load_capacity_server(tmp_path, 20, 50, "-c", "4", "-w", "2", "-d", "3s")
    assert result["metrics"]["achieved_rps"] == pytest.approx(200, rel=0.2)


@pytest.mark.slow
def test_closed_loop_backs_off_a_dead_service(tmp_path: Path) -> None:
    """When the service dies mid-run, reconnect attempts back off: a dead service must
    not look busier than the live one did (it retried every 10 ms per connection)."""
    out = tmp_path / "r.json"
    server = start_server("capacity", service_ms=20, concurrency=50)
    proc = subprocess.Popen(
        [sys.executable, "-m", "omninode_bridge", "load", server.url + "/", "-c", "4",
         "-d", "4s", "--json", str(out)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(2.0)
    finally:
        server.stop()
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode in (0, 1), stderr
    m = load_json(out)["metrics"]
    served = m["status_codes"].get("200", 0)
    assert served > 100
    assert 0 < m["errors_by_kind"].get("connect", 0) < 60
    assert m["requests"] < served + 60


@pytest.mark.slow
def test_a_timeout_is_charged_its_service_time_from_the_send(tmp_path: Path) -> None:
    """One connection to a 500 ms server with a 0.4 s timeout: latency from the intended
    start includes the queueing, service time stops at the timeout after the send."""
    m = load_capacity_server(
        tmp_path, 500, 1, "--rate", "10", "-c", "1", "-d", "2s", "--timeout", "0.4s"
    )["metrics"]
    assert m["errors_by_kind"].get("timeout", 0) > 0
    assert m["service_time_ms"]["max"] < 600  # 0.4 s + the 50 ms sweep, with slack
    assert m["latency_ms"]["max"] > m["service_time_ms"]["max"]


def test_queue_wait_counts_every_request(nginx: Nginx, tmp_path: Path) -> None:
    """Requests that find an idle connection waited 0 for one; they are in the figure."""
    out = tmp_path / "r.json"
    run = run_cli("load", nginx.url + "/", "--rate", "100", "-c", "8", "-d", "2s", "--json",
                  str(out))  # fmt: skip
    assert run.code == 0, run.stderr
    assert load_json(out)["metrics"]["queue_wait_ms"]["p50"] == 0


@pytest.mark.parametrize(
    ("chunk", "expected"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", True),
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nab", True),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until FIN", False),
        (b"HTTP/1.1 200 OK\r\nX-Content-Length: 5\r\n\r\n", False),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", False),  # head not complete: unknown
    ],
    ids=["content-length", "chunked", "until-close", "lookalike-header", "partial-head"],
)
def test_framing_is_read_from_the_response_head(chunk: bytes, expected: bool) -> None:
    assert framed(chunk) is expected
