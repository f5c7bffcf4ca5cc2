"""The service registry's persistent store: one SQLite table, TTL checked on read.

A service is live while ``now <= last_heartbeat + ttl``; expired rows are invisible to
every read and are deleted by ``sweep``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS services (
    name TEXT PRIMARY KEY, url TEXT NOT NULL, tools TEXT NOT NULL, ttl_s REAL NOT NULL,
    registered_at REAL NOT NULL, last_heartbeat REAL NOT NULL
)
"""
LIVE = "last_heartbeat + ttl_s * 1000.0 >= ?"


@dataclass(frozen=True)
class ServiceRecord:
    name: str
    url: str
    tools: list[dict[str, Any]]
    ttl_s: float
    registered_at: float  # ms since the epoch
    last_heartbeat: float  # ms since the epoch

    @property
    def expires_at(self) -> float:
        return self.last_heartbeat + self.ttl_s * 1000.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "tools": self.tools,
            "ttl_s": self.ttl_s,
            "registered_at": self.registered_at,
            "last_heartbeat": self.last_heartbeat,
            "expires_at": self.expires_at,
        }


def _record(row: tuple[Any, ...]) -> ServiceRecord:
    name, url, tools, ttl_s, registered_at, last_heartbeat = row
    return ServiceRecord(name, url, json.loads(tools), ttl_s, registered_at, last_heartbeat)


class RegistryStore:
    """Small synchronous store; each call is one short SQLite statement."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute(SCHEMA)

    def upsert(self, record: ServiceRecord) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO services VALUES (?, ?, ?, ?, ?, ?)",
            (
                record.name,
                record.url,
                json.dumps(record.tools),
                record.ttl_s,
                record.registered_at,
                record.last_heartbeat,
            ),
        )

    def get(self, name: str, now: float) -> ServiceRecord | None:
        row = self.conn.execute(
            f"SELECT * FROM services WHERE name = ? AND {LIVE}", (name, now)
        ).fetchone()
        return _record(row) if row else None

    def live(self, now: float) -> list[ServiceRecord]:
        rows = self.conn.execute(
            f"SELECT * FROM services WHERE {LIVE} ORDER BY name", (now,)
        ).fetchall()
        return [_record(row) for row in rows]

    def delete(self, name: str, now: float) -> bool:
        cursor = self.conn.execute(f"DELETE FROM services WHERE name = ? AND {LIVE}", (name, now))
        return cursor.rowcount > 0

    def heartbeat(self, name: str, now: float) -> ServiceRecord | None:
        self.conn.execute(
            f"UPDATE services SET last_heartbeat = ? WHERE name = ? AND {LIVE}", (now, name, now)
        )
        return self.get(name, now)

    def find_tool(self, tool: str, now: float) -> tuple[ServiceRecord, dict[str, Any]] | None:
        """The most recently heartbeated live service offering ``tool``."""
        services = sorted(self.live(now), key=lambda s: s.last_heartbeat, reverse=True)
        for service in services:
            for entry in service.tools:
                if entry.get("name") == tool:
                    return service, entry
        return None

    def sweep(self, now: float) -> int:
        cursor = self.conn.execute(f"DELETE FROM services WHERE NOT ({LIVE})", (now,))
        return cursor.rowcount

    def close(self) -> None:
        self.conn.close()
