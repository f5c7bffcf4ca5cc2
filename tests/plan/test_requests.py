from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from omninode_bridge.plan.requests import RenderedRequest, RequestSpec, weighted_cycle


def body_of(wire: bytes) -> bytes:
    head, _, body = wire.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
    assert length == len(body)
    return body


def test_static_request_is_one_reused_bytes_object() -> None:
    req = RenderedRequest(
        RequestSpec(
            "POST", "http://127.0.0.1:8001/hooks?x=1", body=b"{}", content_type="application/json"
        )
    )
    first = req.render(0)
    assert first is req.render(1)
    assert first.startswith(b"POST /hooks?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8001\r\n")
    assert b"Content-Type: application/json\r\n" in first
    assert body_of(first) == b"{}"


@pytest.mark.parametrize(
    ("placeholder", "check"),
    [
        ("{{seq}}", lambda v, seq: v == str(seq)),
        ("{{uuid}}", lambda v, seq: re.fullmatch(r"[0-9a-f-]{36}", v) is not None),
        ("{{ now_ms }}", lambda v, seq: v.isdigit() and len(v) == 13),
    ],
    ids=["seq", "uuid", "now_ms"],
)
def test_placeholders_are_filled_per_request(placeholder: str, check) -> None:  # type: ignore[no-untyped-def]
    spec = RequestSpec("POST", "http://h/p", body=json.dumps({"v": placeholder}).encode())
    req = RenderedRequest(spec)
    values = [json.loads(body_of(req.render(seq)))["v"] for seq in (7, 8)]
    assert all(check(v, seq) for v, seq in zip(values, (7, 8), strict=True))
    assert values[0] != values[1] or placeholder == "{{ now_ms }}"


def test_head_and_get_have_no_body_and_posts_say_length_zero() -> None:
    assert RenderedRequest(RequestSpec("HEAD", "http://h/")).head
    assert b"Content-Length" not in RenderedRequest(RequestSpec("GET", "http://h/")).render(0)
    assert b"Content-Length: 0\r\n" in RenderedRequest(RequestSpec("POST", "http://h/")).render(0)


@pytest.mark.parametrize(
    "weights", [[1.0], [1.0, 1.0], [3.0, 1.0], [5.0, 2.0, 1.0]], ids=["one", "even", "3:1", "5:2:1"]
)
def test_weighted_cycle_matches_weights_and_interleaves(weights: list[float]) -> None:
    order = weighted_cycle(weights, length=120 if len(weights) > 1 else 1)
    counts = Counter(order)
    total = sum(weights)
    for i, w in enumerate(weights):
        assert counts[i] == pytest.approx(len(order) * w / total, abs=1)
    if len(weights) > 1:  # smooth: the heaviest never runs more than its share in a row
        assert "0000" not in "".join(map(str, order[:8])) or weights[0] / total > 0.75
