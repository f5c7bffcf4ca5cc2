"""tool_proxy over HTTP: error mapping, retries, timeout, circuit breaker (real registry)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from omninode_bridge.services.launcher import ServicesHandle
from tests.services._client import call, get, post


@pytest.fixture(scope="module")
def proxy(stack: ServicesHandle) -> str:
    return stack.base_urls["tool_proxy"]


@pytest.mark.parametrize(
    ("body", "status", "attempts"),
    [
        pytest.param(
            {"tool": "test_tool", "parameters": {"test": "value"}}, 200, 1, id="seed-test-tool"
        ),
        pytest.param({"tool": "sleep", "parameters": {"ms": 10}}, 200, 1, id="sleep-ok"),
        pytest.param({"tool": "cpu", "parameters": {"units": 2}}, 200, 1, id="cpu-ok"),
        pytest.param({"tool": "no-such-tool"}, 404, None, id="unknown-tool"),
        pytest.param({"tool": "sleep", "parameters": {"ms": "x"}}, 400, 1, id="tool-rejects"),
        pytest.param({"tool": "test_tool", "parameters": [1]}, 400, None, id="bad-parameters"),
        pytest.param({"parameters": {}}, 400, None, id="missing-tool"),
    ],
)
def test_proxy_call_mapping(
    proxy: str, body: dict[str, Any], status: int, attempts: int | None
) -> None:
    got, out = post(f"{proxy}/proxy/call", body)
    assert got == status, out
    if status == 200:
        assert out["tool"] == body["tool"] and out["attempts"] == attempts
        assert out["duration_ms"] >= 0
    if body.get("tool") == "test_tool" and status == 200:
        assert out["result"] == {"test": "value"}


def test_wrong_content_type_is_415(proxy: str) -> None:
    assert call("POST", f"{proxy}/proxy/call", raw=b"x", content_type="text/plain")[0] == 415


def register(stack: ServicesHandle, tool: str, path: str, idempotent: bool) -> None:
    registry = stack.base_urls["service_registry"]
    body = {
        "name": f"svc-{tool}",
        "url": stack.base_urls["tool_proxy"],
        "tools": [{"name": tool, "path": path, "idempotent": idempotent}],
    }
    assert post(f"{registry}/services", body)[0] == 201


def test_failing_idempotent_tool_is_retried_then_502(stack: ServicesHandle, proxy: str) -> None:
    tool = f"flaky-{uuid.uuid4().hex[:6]}"
    register(stack, tool, "/tools/fail", idempotent=True)
    status, out = post(f"{proxy}/proxy/call", {"tool": tool, "parameters": {"rate": 1}})
    assert status == 502 and out["attempts"] == 3


def test_timeout_is_504_and_not_retried_when_not_idempotent(
    stack: ServicesHandle, proxy: str
) -> None:
    tool = f"slow-{uuid.uuid4().hex[:6]}"
    register(stack, tool, "/tools/sleep", idempotent=False)
    started = time.monotonic()
    status, out = post(f"{proxy}/proxy/call", {"tool": tool, "parameters": {"ms": 1000}})
    assert status == 504 and out["attempts"] == 1
    assert time.monotonic() - started < 0.9  # the 0.3 s timeout, not the 1 s sleep


def test_breaker_opens_then_recovers(stack: ServicesHandle, proxy: str) -> None:
    tool = f"breaker-{uuid.uuid4().hex[:6]}"
    register(stack, tool, "/tools/fail", idempotent=False)
    statuses = [post(f"{proxy}/proxy/call", {"tool": tool})[0] for _ in range(4)]
    assert statuses == [502, 502, 502, 503]  # --breaker-failures 3
    register(stack, tool, "/tools/echo", idempotent=False)  # the tool is fixed
    time.sleep(2.2)  # breaker reset (1 s) and the proxy's lookup cache (2 s)
    status, out = post(f"{proxy}/proxy/call", {"tool": tool, "parameters": {"ok": 1}})
    assert status == 200 and out["result"] == {"ok": 1}
    assert post(f"{proxy}/proxy/call", {"tool": tool})[0] == 200


def test_tools_lists_the_builtins(proxy: str) -> None:
    status, out = get(f"{proxy}/tools")
    assert status == 200
    names = {t["tool"] for t in out["tools"] if t["service"] == "tool_proxy"}
    assert names == {"echo", "sleep", "fail", "cpu", "test_tool"}
