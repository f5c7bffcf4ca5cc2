"""hook_receiver over HTTP: validation, durable ack, queries, discovery, prediction, metrics."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from omninode_bridge.services.launcher import ServicesHandle
from tests.services._client import all_events, call, get, post
from tests.services.conftest import launch

GOOD = {"type": "service_lifecycle", "service": "svc", "event": "startup"}


@pytest.fixture(scope="module")
def hook(stack: ServicesHandle) -> str:
    return stack.base_urls["hook_receiver"]


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        pytest.param(json.dumps(GOOD).encode(), "application/json", 202, id="minimal-event"),
        pytest.param(
            json.dumps(
                {**GOOD, "id": "x1", "timestamp": 1.5e12, "metadata": {"k": [1, 2]}}
            ).encode(),
            "application/json",
            202,
            id="full-event",
        ),
        pytest.param(b"{not json", "application/json", 400, id="malformed-json"),
        pytest.param(b"[1, 2]", "application/json", 400, id="not-an-object"),
        pytest.param(
            json.dumps({**GOOD, "type": ""}).encode(), "application/json", 400, id="empty-type"
        ),
        pytest.param(
            json.dumps({"type": "t", "event": "e"}).encode(),
            "application/json",
            400,
            id="missing-service",
        ),
        pytest.param(
            json.dumps({**GOOD, "timestamp": "now"}).encode(),
            "application/json",
            400,
            id="timestamp-string",
        ),
        pytest.param(
            json.dumps({**GOOD, "timestamp": True}).encode(),
            "application/json",
            400,
            id="timestamp-bool",
        ),
        pytest.param(
            b'{"type":"t","service":"s","event":"e","timestamp":NaN}',
            "application/json",
            400,
            id="timestamp-nan",
        ),
        pytest.param(
            json.dumps({**GOOD, "metadata": [1]}).encode(),
            "application/json",
            400,
            id="metadata-list",
        ),
        pytest.param(
            json.dumps({**GOOD, "event": "a\u0000b"}).encode(),
            "application/json",
            400,
            id="nul-in-event",
        ),
        pytest.param(
            b'{"type":"t","service":"s","event":"\\ud800"}',
            "application/json",
            400,
            id="lone-surrogate",
        ),
        pytest.param(json.dumps(GOOD).encode(), "text/plain", 415, id="wrong-content-type"),
        pytest.param(
            json.dumps({**GOOD, "metadata": {"x": "y" * 5000}}).encode(),
            "application/json",
            413,
            id="too-large",
        ),
    ],
)
def test_post_hooks_validation(hook: str, raw: bytes, content_type: str, status: int) -> None:
    got, body = call("POST", f"{hook}/hooks", raw=raw, content_type=content_type)
    assert got == status, body
    if status == 202:
        assert body["accepted"] is True and isinstance(body["seq"], int)
    else:
        assert isinstance(body["error"], str) and body["error"]


def test_acknowledged_event_is_queryable(hook: str) -> None:
    service = f"q-{uuid.uuid4().hex[:8]}"
    seqs = []
    for i in range(5):
        status, ack = post(
            f"{hook}/hooks",
            {**GOOD, "service": service, "id": f"{service}-{i}", "metadata": {"i": i}},
        )
        assert status == 202
        seqs.append(ack["seq"])
    assert seqs == sorted(seqs)
    events = all_events(hook, service)
    assert [e["id"] for e in events] == [f"{service}-{i}" for i in range(5)]
    assert [e["metadata"]["i"] for e in events] == list(range(5))
    status, page = get(f"{hook}/events?service={service}&since={seqs[2]}&limit=1")
    assert status == 200 and [e["seq"] for e in page["events"]] == [seqs[3]]


@pytest.mark.parametrize("query", ["since=-1", "limit=0", "limit=abc", "limit=10001"])
def test_get_events_rejects_bad_query(hook: str, query: str) -> None:
    assert get(f"{hook}/events?{query}")[0] == 400


def post_cycle(hook: str, service: str, cycle: list[str], rounds: int) -> int:
    last = 0
    for _ in range(rounds):
        for event in cycle:
            status, ack = post(f"{hook}/hooks", {**GOOD, "service": service, "event": event})
            assert status == 202
            last = ack["seq"]
    return int(last)


def test_patterns_long_poll_returns_new_pattern(hook: str) -> None:
    service = f"lp-{uuid.uuid4().hex[:8]}"
    _, before = get(f"{hook}/patterns?wait=0")
    post_cycle(hook, service, ["login", "search", "checkout"], 10)
    started = time.monotonic()
    status, page = get(f"{hook}/patterns?since={before['now']}&wait=1")
    assert status == 200 and time.monotonic() - started < 1.5
    ids = {p["id"] for p in page["patterns"]}
    assert f"seq:{service}:login>search" in ids
    pattern = next(p for p in page["patterns"] if p["id"] == f"seq:{service}:login>search")
    assert pattern["first_event_at"] <= pattern["discovered_at"]
    assert pattern["support"] >= 5 and pattern["confidence"] == 1.0


def test_patterns_since_in_the_future_waits_then_returns_empty(hook: str) -> None:
    started = time.monotonic()
    status, page = get(f"{hook}/patterns?since=2100-01-01T00:00:00&wait=0.3")
    assert status == 200 and page["patterns"] == []
    assert 0.25 <= time.monotonic() - started < 3


def test_predict_learn_and_model_stats(hook: str) -> None:
    service = f"pred-{uuid.uuid4().hex[:8]}"
    status, learned = post(
        f"{hook}/learn",
        {"service": service, "events": ["a", "b", "c", "a", "b", "d", "a", "b", "c"]},
    )
    assert status == 200 and learned["updated"] is True
    status, out = post(
        f"{hook}/predict", {"service": service, "recent_events": ["a", "b"], "top_k": 2}
    )
    assert status == 200
    assert out["predictions"][0] == {"event": "c", "probability": pytest.approx(2 / 3)}
    assert [p["event"] for p in out["predictions"]] == ["c", "d"]
    status, fb = post(
        f"{hook}/learn",
        {"service": service, "feedback": {"recent_events": ["a", "b"], "actual": "c"}},
    )
    assert status == 200 and fb["correct"] is True
    status, stats = get(f"{hook}/model/stats")
    assert status == 200 and stats["accuracy"] is not None and stats["predictions"] >= 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"recent_events": []}, id="no-service"),
        pytest.param({"service": "s", "recent_events": "a"}, id="events-not-list"),
        pytest.param({"service": "s", "recent_events": [], "top_k": 0}, id="top_k-zero"),
    ],
)
def test_predict_rejects_bad_body(hook: str, body: dict[str, object]) -> None:
    assert post(f"{hook}/predict", body)[0] == 400


def test_metrics_expose_contract_names(hook: str) -> None:
    post(f"{hook}/hooks", GOOD)
    status, text = get(f"{hook}/metrics")
    assert status == 200
    for name in (
        "http_request_duration_seconds_bucket",
        "http_requests_total",
        "http_requests_in_flight",
        "omninode_events_ingested_total",
        "omninode_patterns_discovered_total",
        "omninode_pattern_discovery_seconds_bucket",
        "omninode_event_processing_seconds_bucket",
        "process_cpu_seconds_total",
    ):
        assert name in text, name
    assert 'le="0.2"' in text and 'route="/hooks"' in text


def wait_processed(hook: str, seq: int, limit_s: float = 10.0) -> float:
    """Seconds until discovery has counted ``seq`` (bounded)."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        _, stats = get(f"{hook}/discovery/stats")
        if stats["last_processed_seq"] >= seq:
            return time.monotonic() - started
        time.sleep(0.01)
    raise AssertionError(f"seq {seq} not processed within {limit_s} s")


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Hook receivers with a 400 ms processing delay and with the broken discoverer."""
    delayed = launch(
        tmp_path_factory.mktemp("delayed"),
        ["hook_receiver"],
        {"hook_receiver": ["--processing-delay-ms", "400", "--discovery-interval", "0.05"]},
    )
    broken = launch(
        tmp_path_factory.mktemp("broken"),
        ["hook_receiver"],
        {"hook_receiver": ["--discoverer", "none", "--discovery-interval", "0.05"]},
    )
    yield {
        "delayed": delayed.base_urls["hook_receiver"],
        "broken": broken.base_urls["hook_receiver"],
    }
    delayed.stop()
    broken.stop()


def test_processing_delay_adds_about_the_delay(hook: str, variants: dict[str, str]) -> None:
    fast = [wait_processed(hook, post(f"{hook}/hooks", GOOD)[1]["seq"]) for _ in range(3)]
    slow_url = variants["delayed"]
    slow = [wait_processed(slow_url, post(f"{slow_url}/hooks", GOOD)[1]["seq"]) for _ in range(3)]
    assert max(fast) < 0.35
    assert min(slow) >= 0.38 and max(slow) < 0.4 + 0.6


def test_broken_discoverer_counts_events_but_finds_nothing(variants: dict[str, str]) -> None:
    url = variants["broken"]
    last = post_cycle(url, "svc", ["login", "search", "checkout"], 8)
    wait_processed(url, last)
    status, page = get(f"{url}/patterns")
    assert status == 200 and page["patterns"] == []
    assert get(f"{url}/discovery/stats")[1]["events_processed"] == 24


def test_sigterm_exits_zero_and_keeps_events(tmp_path: Path) -> None:
    handle = launch(tmp_path, ["hook_receiver"])
    url = handle.base_urls["hook_receiver"]
    acked = [post(f"{url}/hooks", {**GOOD, "id": f"e{i}"})[1]["id"] for i in range(20)]
    handle.stop(timeout=10)
    assert handle.returncodes() == {"hook_receiver": 0}
    again = launch(tmp_path, ["hook_receiver"])
    try:
        stored = {e["id"] for e in all_events(again.base_urls["hook_receiver"])}
        assert set(acked) <= stored
    finally:
        again.stop()
