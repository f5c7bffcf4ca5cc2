"""service_registry over HTTP: register, list, get, deregister, heartbeat, TTL expiry."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from omninode_bridge.services.launcher import ServicesHandle
from tests.services._client import call, get, post


@pytest.fixture(scope="module")
def registry(stack: ServicesHandle) -> str:
    return stack.base_urls["service_registry"]


def service(ttl_s: float = 30.0) -> dict[str, Any]:
    name = f"svc-{uuid.uuid4().hex[:8]}"
    return {
        "name": name,
        "url": "http://127.0.0.1:9",
        "ttl_s": ttl_s,
        "tools": [{"name": f"{name}-tool", "path": "/run", "idempotent": True}],
    }


def test_register_get_list_lookup_delete(registry: str) -> None:
    body = service()
    status, created = post(f"{registry}/services", body)
    assert status == 201 and created["name"] == body["name"]
    assert get(f"{registry}/services/{body['name']}")[1]["url"] == "http://127.0.0.1:9"
    names = {s["name"] for s in get(f"{registry}/services")[1]["services"]}
    assert body["name"] in names
    status, tool = get(f"{registry}/tools/{body['name']}-tool")
    assert status == 200 and tool == {
        "tool": f"{body['name']}-tool",
        "service": body["name"],
        "url": "http://127.0.0.1:9/run",
        "idempotent": True,
    }
    assert call("DELETE", f"{registry}/services/{body['name']}")[0] == 204
    assert get(f"{registry}/services/{body['name']}")[0] == 404
    assert call("DELETE", f"{registry}/services/{body['name']}")[0] == 404


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"url": "http://x"}, id="no-name"),
        pytest.param({"name": "a b", "url": "http://x"}, id="bad-name"),
        pytest.param({"name": "a", "url": "ftp://x"}, id="bad-url"),
        pytest.param({"name": "a", "url": "http://x:70000"}, id="bad-port"),
        pytest.param({"name": "a", "url": "http://x", "ttl_s": 0}, id="zero-ttl"),
        pytest.param({"name": "a", "url": "http://x", "tools": [{"name": "t"}]}, id="tool-no-path"),
        pytest.param({"name": "a", "url": "http://x", "tools": "t"}, id="tools-not-list"),
    ],
)
def test_register_rejects_bad_body(registry: str, body: dict[str, Any]) -> None:
    status, out = post(f"{registry}/services", body)
    assert status == 400 and out["error"]


def test_ttl_expiry_and_heartbeat(registry: str) -> None:
    body = service(ttl_s=0.6)
    name = body["name"]
    assert post(f"{registry}/services", body)[0] == 201
    time.sleep(0.4)
    assert post(f"{registry}/services/{name}/heartbeat")[0] == 200  # extends to +0.6 s
    time.sleep(0.4)
    assert get(f"{registry}/services/{name}")[0] == 200  # alive thanks to the heartbeat
    time.sleep(0.5)
    assert get(f"{registry}/services/{name}")[0] == 404
    assert name not in {s["name"] for s in get(f"{registry}/services")[1]["services"]}
    assert get(f"{registry}/tools/{name}-tool")[0] == 404
    assert post(f"{registry}/services/{name}/heartbeat")[0] == 404  # must register again
