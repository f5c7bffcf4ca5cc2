"""Truth under a stall and honest counts, against real servers on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.conftest import Nginx, load_json, run_cli
from tests.servers import start_server


@pytest.mark.slow
def test_latency_from_intended_start_sees_the_stall(tmp_path: Path) -> None:
    """1 s stall every 5 s, 300 req/s open model for 10 s: 20% of arrivals wait U(0,1] s,
    so P(latency > x) = 0.2·(1 − x): analytic p99 = 0.95 s, p90 = 0.5 s, p50 ≈ normal."""
    out = tmp_path / "stall.json"
    with start_server("stall") as server:
        run = run_cli(
            "load", server.url + "/", "--rate", "300", "-d", "10s", "-c", "1000", "--json", str(out)
        )
    assert run.code == 0, run.stderr
    metrics = load_json(out)["metrics"]
    latency, service = metrics["latency_ms"], metrics["service_time_ms"]
    assert latency["p99"] == pytest.approx(950, rel=0.10)
    assert latency["p90"] == pytest.approx(500, rel=0.15)
    assert latency["p50"] < 50
    assert service["p99"] == pytest.approx(950, rel=0.10)  # nothing queued: all connections free
    assert metrics["requests"] == metrics["offered"] == 3000


@pytest.mark.slow
def test_pool_limit_shows_up_in_latency_not_in_silence(tmp_path: Path) -> None:
    """With too few connections for a stall, requests queue: the intended-start latency
    keeps the queueing, the service time does not, and nothing is silently skipped."""
    out = tmp_path / "stall-pool.json"
    with start_server("stall") as server:
        run = run_cli(
            "load", server.url + "/", "--rate", "300", "-d", "10s", "-c", "20", "--json", str(out)
        )
    assert run.code == 0, run.stderr
    m = load_json(out)["metrics"]
    assert m["latency_ms"]["p99"] > 900
    assert m["latency_ms"]["p99"] > 1.5 * m["service_time_ms"]["p90"]
    assert m["requests"] + m["dropped"] == m["offered"] == 3000


@pytest.mark.parametrize(
    "args",
    [
        ("--rate", "1500", "-d", "3s"),
        ("-d", "2s", "-c", "20"),
        ("-d", "2s", "-w", "2"),
        ("--rate", "1000", "-d", "3s", "-w", "2"),
    ],
    ids=["open", "closed", "closed-2-workers", "open-2-workers"],
)
def test_request_count_equals_nginx_count(
    nginx: Nginx, tmp_path: Path, args: tuple[str, ...]
) -> None:
    out = tmp_path / "r.json"
    before = nginx.handled_requests()
    run = run_cli("load", nginx.url + "/", *args, "--json", str(out))
    assert run.code == 0, run.stderr
    after = nginx.handled_requests()
    m = load_json(out)["metrics"]
    assert m["requests"] == after - before - 1  # minus the `before` status request
    assert m["errors_by_kind"] == {}
    assert m["status_codes"] == {"200": m["requests"]}
    if "--rate" in args:
        assert m["offered"] == m["requests"] == int(args[1]) * int(args[3][:-1])


def test_every_interval_carries_its_own_measurements(nginx: Nginx, tmp_path: Path) -> None:
    """Each second's send lag and latency come from that second, not only the first one
    (the dispatch loop holds the recorder's lists, so they must be reset in place)."""
    out = tmp_path / "r.json"
    run = run_cli("load", nginx.url + "/", "--rate", "400", "-d", "4s", "--json", str(out))
    assert run.code == 0, run.stderr
    result = load_json(out)
    intervals = result["intervals"]
    assert len(intervals) == 4
    assert sum(i["offered"] for i in intervals) == sum(i["requests"] for i in intervals) == 1600
    for interval in intervals:
        assert interval["requests"] == pytest.approx(400, abs=5)
        assert interval["send_lag_us"]["p50"] is not None, interval["t"]
        assert interval["latency_ms"]["p50"] is not None, interval["t"]


def test_open_model_rate_is_per_planned_second(nginx: Nginx, tmp_path: Path) -> None:
    """A run lasts its whole window even when its last arrival is due early: 2 req/s for
    2 s is 4 requests over 2 s (2 req/s), not over the 1.5 s until the last was sent."""
    out = tmp_path / "r.json"
    run = run_cli("load", nginx.url + "/", "--rate", "2", "-d", "2s", "--json", str(out))
    assert run.code == 0, run.stderr
    result = load_json(out)
    assert result["metrics"]["requests"] == 4
    assert result["duration"] >= 2.0
    assert result["metrics"]["achieved_rps"] == pytest.approx(2.0, rel=0.02)
