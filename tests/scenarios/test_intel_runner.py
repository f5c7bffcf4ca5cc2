"""Intelligence tests end to end, against real hook receivers on 127.0.0.1.

The figures must follow reality: a slower discovery interval lengthens time to discovery, an
artificial processing delay moves end-to-end latency by about that delay, a broken
discoverer gives recall 0, and a target without the endpoints fails with a clear message.

Run as a script (``python test_intel_runner.py --port 0``) this file is a tiny aiohttp server
that answers 404 to everything: the "target without these endpoints".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.config.loader import load_config
from omninode_bridge.config.model import TestConfig
from omninode_bridge.scenarios.intelligence import IntelligenceOutcome, run_intelligence_test
from omninode_bridge.services.launcher import start_services

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)


@contextlib.contextmanager
def hook_receiver(data_dir: Path, *flags: str) -> Iterator[str]:
    """A real hook receiver started by the services launcher; yields its base URL."""
    extra = {"hook_receiver": list(flags)}
    with start_services(
        "127.0.0.1", data_dir=str(data_dir), extra_args=extra, only=["hook_receiver"]
    ) as handle:
        yield handle.base_urls["hook_receiver"]


@contextlib.contextmanager
def not_found_server() -> Iterator[str]:
    """This file run as a script: an aiohttp server that 404s everything."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(HERE), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        end = time.monotonic() + 15
        while time.monotonic() < end:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.05)
        yield url
    finally:
        _stop(proc)


def make_test(cases: list[dict[str, Any]], criteria: dict[str, float] | None = None) -> TestConfig:
    return TestConfig.model_validate(
        {
            "name": "intel",
            "type": "intelligence",
            "intelligence_tests": cases,
            "success_criteria": {"intelligence": criteria or {}},
        }
    )


def run(test: TestConfig, url: str) -> IntelligenceOutcome:
    return asyncio.run(run_intelligence_test(test, {"hook_receiver": url}))


def _verdict(outcome: IntelligenceOutcome, name: str) -> dict[str, Any]:
    return next(c for c in outcome.criteria if c["name"] == f"intelligence.{name}")


# --------------------------------------------------------------------------- the seed suite


def test_seed_intelligence_suite_reports_real_figures(tmp_path: Path) -> None:
    """The seed's intelligence_performance cases (plus a learning case) against the services."""
    test = make_test(
        [
            {"type": "pattern_discovery", "event_count": 1000, "timeout": 10},
            {"type": "event_processing", "event_count": 500, "timeout": 10},
            {"type": "prediction", "prediction_count": 100, "event_count": 500, "timeout": 10},
            {"type": "learning_update", "event_count": 400, "block_size": 50, "timeout": 10},
        ],
        {
            "max_pattern_discovery_time": 5000,
            "max_event_processing_time": 100,
            "min_pattern_recall": 0.8,
        },
    )
    started = time.monotonic()
    with hook_receiver(tmp_path) as url:
        out = run(test, url)
    assert time.monotonic() - started < 30
    fig = out.intelligence
    assert out.errors == [] and out.error_count == 0
    assert out.requests > 1000 + 500 + 600 + 8
    for key in (
        "avg_pattern_discovery_time",
        "avg_event_processing_time",
        "avg_prediction_time",
        "avg_learning_update_time",
        "p95_pattern_discovery_time",
        "p95_event_processing_time",
    ):
        assert isinstance(fig[key], float) and fig[key] > 0, key
    discovery = next(c for c in fig["cases"] if c["type"] == "pattern_discovery")
    times = [p["time_to_discovery"] for p in discovery["patterns"]]
    assert all(t is not None and 0 < t < 10_000 for t in times)
    assert len(set(times)) > 1  # per-pattern, not one constant
    for p in discovery["patterns"]:  # our clock agrees with the target's own measurement
        assert p["server_time_to_discovery"] is not None
        assert abs(p["time_to_discovery"] - p["server_time_to_discovery"]) < 250
    assert fig["recall"] == 1.0 and fig["precision"] is not None and fig["precision"] >= 0.9
    e2e = fig["event_end_to_end_latency"]
    assert e2e["count"] == 500 and e2e["min"] < e2e["p50"] <= e2e["p99"] <= e2e["max"]
    assert fig["event_ack_latency"]["p50"] < e2e["p50"]  # ack comes before discovery counts it
    assert fig["top1_accuracy"] >= 0.9 and fig["top3_accuracy"] >= fig["top1_accuracy"]
    curve = fig["learning_curve"]
    assert curve[0] == {"events": 0, "top1_accuracy": 0.0, "top3_accuracy": 0.0}
    assert [p["events"] for p in curve] == list(range(0, 401, 50))
    assert fig["events_to_target_accuracy"] is not None
    assert 0 < fig["events_to_target_accuracy"] <= 400
    assert _verdict(out, "min_pattern_recall")["passed"] is True
    assert (
        _verdict(out, "max_pattern_discovery_time")["actual"] == fig["avg_pattern_discovery_time"]
    )


def test_seed_example_config_suite_runs_as_written(tmp_path: Path) -> None:
    """examples/performance_test_config.yaml's intelligence_performance test, unchanged."""
    config = load_config(REPO / "examples" / "performance_test_config.yaml")
    suite = config.performance_testing.test_suites["intelligence_performance"]
    (test,) = suite.tests
    with hook_receiver(tmp_path) as url:
        out = run(test, url)
    fig = out.intelligence
    assert out.errors == []
    assert [c["type"] for c in fig["cases"]] == [
        "pattern_discovery",
        "event_processing",
        "prediction",
    ]
    assert fig["recall"] == 1.0 and fig["top1_accuracy"] is not None
    assert fig["pattern_discovery_time"]["min"] < fig["pattern_discovery_time"]["max"]
    assert fig["event_end_to_end_latency"]["count"] == 500
    assert [c["name"] for c in out.criteria] == [
        "intelligence.max_pattern_discovery_time",
        "intelligence.max_event_processing_time",
    ]
    assert out.criteria[0]["actual"] == fig["avg_pattern_discovery_time"] > 0


# ------------------------------------------------------------------ figures follow reality


def _discovery_mean(tmp_path: Path, interval: float) -> float:
    cases = [
        {
            "type": "pattern_discovery",
            "event_count": 600,
            "rate": 1000,
            "seed": seed,
            "timeout": 2 * interval + 3,
            "poll_interval": 0.02,
        }
        for seed in (1, 2, 3)
    ]
    with hook_receiver(tmp_path / f"i{interval}", "--discovery-interval", str(interval)) as url:
        out = run(make_test(cases), url)
    assert out.errors == []
    assert out.intelligence["recall"] == 1.0
    mean = out.intelligence["avg_pattern_discovery_time"]
    assert isinstance(mean, float)
    return mean


@pytest.mark.timeout(60)
def test_slower_discovery_interval_gives_proportionally_longer_discovery(tmp_path: Path) -> None:
    """Discovery waits for the next tick: on average about half an interval, or a whole one
    when a case starts right after a tick; so the mean grows by a large share of the
    difference in interval, and never by more than the difference itself (plus slack)."""
    fast_s, slow_s = 0.1, 1.5
    fast = _discovery_mean(tmp_path, fast_s)
    slow = _discovery_mean(tmp_path, slow_s)
    delta = (slow_s - fast_s) * 1000
    print(f"time to discovery mean: {fast:.0f} ms at {fast_s}s, {slow:.0f} ms at {slow_s}s")
    assert 0.25 * delta <= slow - fast <= delta + 400, (fast, slow)


async def _both(test: TestConfig, urls: list[str]) -> list[IntelligenceOutcome]:
    return list(
        await asyncio.gather(*(run_intelligence_test(test, {"hook_receiver": u}) for u in urls))
    )


@pytest.mark.timeout(60)
def test_processing_delay_moves_end_to_end_latency_by_about_d(tmp_path: Path) -> None:
    """Both receivers run side by side, so machine load hits both alike."""
    delay = 300
    case = {
        "type": "event_processing",
        "event_count": 400,
        "rate": 400,
        "timeout": 5,
        "poll_interval": 0.01,
    }
    flags = ("--discovery-interval", "0.02", "--processing-delay-ms")
    with (
        hook_receiver(tmp_path / "d0", *flags, "0") as base_url,
        hook_receiver(tmp_path / "d1", *flags, str(delay)) as delayed_url,
    ):
        outs = asyncio.run(_both(make_test([case]), [base_url, delayed_url]))
    for out in outs:
        assert out.errors == []
        section = out.intelligence["cases"][0]
        assert section["completed"] == 400 and section["end_to_end_signal"] == "events+processed"
    base, delayed = (o.intelligence["avg_event_processing_time"] for o in outs)
    print(f"end-to-end mean: {base:.1f} ms at D=0, {delayed:.1f} ms at D={delay}")
    assert abs((delayed - base) - delay) <= 0.2 * delay, (base, delayed)


def test_broken_discoverer_gives_recall_zero_and_fails_recall(tmp_path: Path) -> None:
    case = {"type": "pattern_discovery", "event_count": 300, "rate": 1000, "timeout": 1.5}
    test = make_test([case], {"min_pattern_recall": 0.5, "max_pattern_discovery_time": 5000})
    started = time.monotonic()
    with hook_receiver(tmp_path, "--discoverer", "none") as url:
        out = run(test, url)
    assert time.monotonic() - started < 15
    assert out.intelligence["recall"] == 0.0
    assert out.intelligence["avg_pattern_discovery_time"] is None
    recall = _verdict(out, "min_pattern_recall")
    assert recall["actual"] == 0.0 and recall["passed"] is False
    assert _verdict(out, "max_pattern_discovery_time")["passed"] is False


# ------------------------------------------------------------- targets without the endpoints

MISSING = [
    pytest.param("pattern_discovery", "GET", "/patterns", "pattern-discovery", id="patterns"),
    pytest.param("event_processing", "GET", "/events", "event-query", id="events"),
    pytest.param("prediction", "GET", "/model/stats", "model-stats", id="model-stats"),
    pytest.param("learning_update", "POST", "/predict", "prediction", id="predict"),
]


@pytest.fixture(scope="module")
def not_found_url() -> Iterator[str]:
    with not_found_server() as url:
        yield url


@pytest.mark.parametrize(("kind", "method", "path", "purpose"), MISSING)
def test_target_without_endpoints_fails_with_clear_message(
    not_found_url: str, kind: str, method: str, path: str, purpose: str
) -> None:
    test = make_test([{"type": kind, "timeout": 2}], {"min_pattern_recall": 0.5})
    started = time.monotonic()
    out = run(test, not_found_url)
    assert time.monotonic() - started < 5
    expected = f"{method} {not_found_url}{path} returned 404: the target has no {purpose} endpoint"
    assert out.errors == [f"{kind}: {expected}"]
    assert out.error_count == 1
    assert all(c["passed"] is False for c in out.criteria)


@pytest.mark.parametrize(
    "kind", ["pattern_discovery", "event_processing", "prediction", "learning_update"]
)
def test_unreachable_target_fails_fast(kind: str) -> None:
    url = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    started = time.monotonic()
    out = run(make_test([{"type": kind, "timeout": 2}]), url)
    assert time.monotonic() - started < 5
    assert len(out.errors) == 1 and "the target is unreachable" in out.errors[0]
    assert url in out.errors[0]


@pytest.fixture(scope="module")
def silent_url() -> Iterator[str]:
    from tests.servers import start_server

    with start_server("silent") as server:
        yield server.url


@pytest.mark.parametrize(
    ("kind", "method", "path"),
    [
        pytest.param("pattern_discovery", "GET", "/patterns", id="patterns"),
        pytest.param("event_processing", "GET", "/events", id="events"),
        pytest.param("prediction", "GET", "/model/stats", id="model-stats"),
        pytest.param("learning_update", "POST", "/predict", id="predict"),
    ],
)
def test_silent_target_costs_one_timeout(
    silent_url: str, kind: str, method: str, path: str
) -> None:
    """A target that accepts connections and never answers: bounded by the case's timeout."""
    started = time.monotonic()
    out = run(make_test([{"type": kind, "timeout": 1}]), silent_url)
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 4
    assert out.errors == [
        f"{kind}: {method} {silent_url}{path} failed (timeout after 1s): "
        f"the target's {_PURPOSE[path]} endpoint does not answer"
    ]


_PURPOSE = {
    "/patterns": "pattern-discovery",
    "/events": "event-query",
    "/model/stats": "model-stats",
    "/predict": "prediction",
}


def test_custom_paths_are_used(tmp_path: Path) -> None:
    """Paths are configurable: pointing one at a missing route names that route."""
    case = {"type": "pattern_discovery", "timeout": 2, "paths": {"patterns": "/v2/patterns"}}
    with hook_receiver(tmp_path) as url:
        out = run(make_test([case]), url)
    assert out.errors == [
        f"pattern_discovery: GET {url}/v2/patterns returned 404: "
        "the target has no pattern-discovery endpoint"
    ]


# ------------------------------------------------------------------- the 404 server itself


def _serve_404(port: int) -> None:
    from aiohttp import web

    async def nothing(request: web.Request) -> web.Response:
        return web.json_response({"error": "not found"}, status=404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", nothing)
    web.run_app(app, host="127.0.0.1", port=port, print=None, handle_signals=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    _serve_404(parser.parse_args().port)
