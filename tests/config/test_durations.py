"""Durations and sizes: the accepted spellings and the rejected ones."""

from __future__ import annotations

import pytest

from omninode_bridge.config import parse_duration, parse_size


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param(10, 10.0, id="int-seconds"),
        pytest.param(0.5, 0.5, id="float-seconds"),
        pytest.param("10", 10.0, id="numeric-string"),
        pytest.param("250ms", 0.25, id="ms"),
        pytest.param("10s", 10.0, id="s"),
        pytest.param("5m", 300.0, id="m"),
        pytest.param("1h", 3600.0, id="h"),
        pytest.param("1h30m", 5400.0, id="h-m"),
        pytest.param("1m30s", 90.0, id="m-s"),
        pytest.param("1.5s", 1.5, id="fractional"),
        pytest.param("100us", 0.0001, id="us"),
        pytest.param(" 2s ", 2.0, id="padded"),
        pytest.param(0, 0.0, id="zero"),
    ],
)
def test_parse_duration_accepts(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("abc", id="word"),
        pytest.param("10 minutes", id="long-unit"),
        pytest.param("5x", id="unknown-unit"),
        pytest.param("", id="empty"),
        pytest.param("1h 30m", id="inner-space"),
        pytest.param("-5", id="negative-string"),
        pytest.param(-1, id="negative"),
        pytest.param(True, id="bool"),
        pytest.param([1], id="list"),
        pytest.param(float("nan"), id="nan"),
    ],
)
def test_parse_duration_rejects(text: object) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        pytest.param(65536, 65536, id="int-bytes"),
        pytest.param("512", 512, id="numeric-string"),
        pytest.param("512B", 512, id="B"),
        pytest.param("64KB", 64_000, id="KB-decimal"),
        pytest.param("1MB", 1_000_000, id="MB-decimal"),
        pytest.param("10MiB", 10 * 1024 * 1024, id="MiB-binary"),
        pytest.param("4KiB", 4096, id="KiB"),
        pytest.param("1.5MiB", 1_572_864, id="fractional"),
        pytest.param("1gb", 1_000_000_000, id="lower-case"),
        pytest.param("2 MB", 2_000_000, id="space-before-unit"),
    ],
)
def test_parse_size_accepts(text: object, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("10 parsecs", id="unknown-unit"),
        pytest.param("MB", id="unit-only"),
        pytest.param(1.5, id="fractional-bytes"),
        pytest.param(-1, id="negative"),
        pytest.param(None, id="none"),
        pytest.param(False, id="bool"),
    ],
)
def test_parse_size_rejects(text: object) -> None:
    with pytest.raises(ValueError, match="expected a size"):
        parse_size(text)
