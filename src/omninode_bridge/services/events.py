"""The hook event: validation of ``POST /hooks`` bodies and the row every store keeps.

Validation is hand-written (not pydantic) because it sits on the hot path.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import Any, NamedTuple, Protocol

MAX_FIELD_CHARS = 256
REQUIRED = ("type", "service", "event")


class EventRow(NamedTuple):
    """An accepted event, ready for the store (``metadata`` already serialised)."""

    id: str
    type: str
    service: str
    event: str
    timestamp: float
    received_at: float
    metadata: str


class StoredEvent(NamedTuple):
    seq: int
    row: EventRow


class InvalidEvent(ValueError):
    """The body is not a valid event; the message says why."""


class EventStore(Protocol):
    """What the hook receiver needs from a store (SQLite or PostgreSQL)."""

    async def start(self) -> None: ...

    async def append(self, row: EventRow) -> int:
        """Store ``row`` durably (group commit) and return its sequence number."""
        ...

    async def query(self, service: str | None, since: int, limit: int) -> list[StoredEvent]: ...

    async def close(self) -> None:
        """Commit everything already accepted, then release the store."""
        ...


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"'{key}' must be a non-empty string")
    _check_text(value, key)
    return value


def _check_text(value: str, key: str) -> None:
    if len(value) > MAX_FIELD_CHARS:
        raise InvalidEvent(f"'{key}' is longer than {MAX_FIELD_CHARS} characters")
    if "\x00" in value:
        raise InvalidEvent(f"'{key}' contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidEvent(f"'{key}' is not valid Unicode") from None


def _timestamp(body: dict[str, Any], received_at: float) -> float:
    value = body.get("timestamp")
    if value is None:
        return received_at
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidEvent("'timestamp' must be a number (ms since the epoch)")
    try:
        number = float(value)
    except OverflowError:
        raise InvalidEvent("'timestamp' is out of range") from None
    if not math.isfinite(number):
        raise InvalidEvent("'timestamp' must be finite")
    return number


def _event_id(body: dict[str, Any]) -> str:
    value = body.get("id")
    if value is None:
        return uuid.uuid4().hex
    if not isinstance(value, str) or not value:
        raise InvalidEvent("'id' must be a non-empty string")
    _check_text(value, "id")
    return value


def _metadata(body: dict[str, Any]) -> str:
    value = body.get("metadata")
    if value is None:
        return "{}"
    if not isinstance(value, dict):
        raise InvalidEvent("'metadata' must be an object")
    # ensure_ascii escapes lone surrogates and NULs, so any store can keep the text.
    try:
        return json.dumps(value, separators=(",", ":"))
    except (ValueError, RecursionError):
        raise InvalidEvent("'metadata' cannot be stored") from None


def parse_event(body: Any, received_at: float) -> EventRow:
    """Validate a decoded JSON body; raise ``InvalidEvent`` with a readable message."""
    if not isinstance(body, dict):
        raise InvalidEvent("the event must be a JSON object")
    type_, service, event = (_text(body, key) for key in REQUIRED)
    return EventRow(
        _event_id(body),
        type_,
        service,
        event,
        _timestamp(body, received_at),
        received_at,
        _metadata(body),
    )


def event_json(stored: StoredEvent) -> dict[str, Any]:
    """The ``GET /events`` shape of a stored event."""
    row = stored.row
    return {
        "seq": stored.seq,
        "id": row.id,
        "type": row.type,
        "service": row.service,
        "event": row.event,
        "timestamp": row.timestamp,
        "received_at": row.received_at,
        "metadata": json.loads(row.metadata),
    }
