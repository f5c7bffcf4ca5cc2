"""Validation helpers for query strings and JSON bodies; they raise ``BadRequest``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from omninode_bridge.services.app import BadRequest

MAX_NAME = 256


def query_int(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be an integer") from None
    if not low <= value <= high:
        raise BadRequest(f"'{name}' must be between {low} and {high}")
    return value


def query_float(
    query: Mapping[str, str], name: str, default: float, low: float, high: float
) -> float:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise BadRequest(f"'{name}' must be between {low:g} and {high:g}")
    return value


def parse_time_ms(raw: str, name: str) -> float:
    """A time given as ms since the epoch or as an ISO 8601 string (naive = UTC)."""
    try:
        value = float(raw)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            raise BadRequest(f"'{name}' must be ms since the epoch or ISO 8601") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp() * 1000.0
    if not math.isfinite(value):
        raise BadRequest(f"'{name}' must be finite")
    return value


def body_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def name_field(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value or len(value) > MAX_NAME:
        raise BadRequest(f"'{key}' must be a non-empty string of at most {MAX_NAME} characters")
    if "\x00" in value or not _encodable(value):
        raise BadRequest(f"'{key}' must be valid Unicode without NUL characters")
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def string_list(body: Mapping[str, Any], key: str, max_items: int = 10_000) -> list[str]:
    value = body.get(key)
    if not isinstance(value, list) or len(value) > max_items:
        raise BadRequest(f"'{key}' must be a list of at most {max_items} strings")
    if not all(isinstance(item, str) for item in value):
        raise BadRequest(f"'{key}' must contain only strings")
    return value


def int_field(body: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"'{key}' must be an integer between {low} and {high}")
    return value


def number_field(
    body: Mapping[str, Any], key: str, default: float, low: float, high: float
) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest(f"'{key}' must be a number")
    try:
        number = float(value)
    except OverflowError:
        raise BadRequest(f"'{key}' is out of range") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise BadRequest(f"'{key}' must be between {low:g} and {high:g}")
    return number
