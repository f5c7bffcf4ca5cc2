"""The hook receiver's default store: SQLite in WAL mode with group commit.

One writer thread owns the write connection. Each request puts ``(row, future)`` on a
queue; the writer takes everything that queued while the previous commit ran, writes it
in one transaction, commits (fsync), and only then resolves the futures, so a 202 always
means the event is on disk. Reads use a second connection in a worker thread.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from omninode_bridge.services.events import EventRow, StoredEvent

MAX_BATCH = 5000
SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, service TEXT NOT NULL,
    event TEXT NOT NULL, timestamp REAL NOT NULL, received_at REAL NOT NULL,
    metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_service_seq ON events (service, seq);
"""
INSERT = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
COLUMNS = "seq, id, type, service, event, timestamp, received_at, metadata"

Pending = tuple[EventRow, "asyncio.Future[int]"]
OnCommit = Callable[[list[StoredEvent]], None]


class StoreClosed(RuntimeError):
    """The store no longer accepts events (shutting down)."""


def open_db(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def rows_to_events(rows: Sequence[tuple[object, ...]]) -> list[StoredEvent]:
    return [StoredEvent(int(r[0]), EventRow(*r[1:])) for r in rows]  # type: ignore[call-overload, arg-type]


class SQLiteEventStore:
    """Group-commit SQLite store; see the module docstring."""

    def __init__(
        self, path: Path, on_commit: OnCommit | None = None, synchronous: str = "FULL"
    ) -> None:
        self.path = path
        self.on_commit = on_commit
        self.synchronous = synchronous
        self.batches = 0
        self._queue: queue.SimpleQueue[Pending | None] = queue.SimpleQueue()
        self._read_lock = threading.Lock()
        self._closed = True

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._writer_conn = open_db(self.path, self.synchronous)
        self._writer_conn.executescript(SCHEMA)
        self._reader = open_db(self.path, self.synchronous)
        (top,) = self._writer_conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
        self._next_seq = int(top) + 1
        self._thread = threading.Thread(target=self._write_loop, name="sqlite-writer", daemon=True)
        self._closed = False
        self._thread.start()

    async def append(self, row: EventRow) -> int:
        if self._closed:
            raise StoreClosed("store is closed")
        future: asyncio.Future[int] = self._loop.create_future()
        self._queue.put((row, future))
        return await future

    def _write_loop(self) -> None:
        running = True
        while running:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    running = False
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[Pending]) -> None:
        first_seq = self._next_seq
        conn = self._writer_conn
        try:
            conn.execute("BEGIN")
            conn.executemany(INSERT, [(first_seq + i, *row) for i, (row, _) in enumerate(batch)])
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._loop.call_soon_threadsafe(_fail, batch, exc)
            return
        self._next_seq += len(batch)
        self.batches += 1
        self._loop.call_soon_threadsafe(self._resolve, batch, first_seq)

    def _resolve(self, batch: list[Pending], first_seq: int) -> None:
        stored = []
        for offset, (row, future) in enumerate(batch):
            seq = first_seq + offset
            if not future.done():
                future.set_result(seq)
            stored.append(StoredEvent(seq, row))
        if self.on_commit is not None:
            self.on_commit(stored)

    async def query(self, service: str | None, since: int, limit: int) -> list[StoredEvent]:
        return await asyncio.to_thread(self._query, service, since, limit)

    def _query(self, service: str | None, since: int, limit: int) -> list[StoredEvent]:
        sql = f"SELECT {COLUMNS} FROM events WHERE seq > ?"
        params: list[object] = [since]
        if service is not None:
            sql += " AND service = ?"
            params.append(service)
        sql += " ORDER BY seq LIMIT ?"
        params.append(limit)
        with self._read_lock:
            return rows_to_events(self._reader.execute(sql, params).fetchall())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        await asyncio.to_thread(self._thread.join)
        await asyncio.sleep(0)  # let the last batch's futures resolve
        self._writer_conn.close()
        self._reader.close()


def _fail(batch: list[Pending], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
