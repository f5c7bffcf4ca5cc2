"""The hook receiver's PostgreSQL store (asyncpg), also with group commit.

A single writer task drains the queue of pending events, reserves their sequence numbers
and inserts them with one ``unnest`` statement in one transaction; futures resolve after
``COMMIT``. The table name is configurable so tests can use a throw-away table.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import asyncpg

from omninode_bridge.services.events import EventRow, StoredEvent
from omninode_bridge.services.sqlite_store import MAX_BATCH, OnCommit, Pending, StoreClosed

_TABLE_RE = re.compile(r"^[a-z_][a-z0-9_]{0,50}$")
COLUMNS = "seq, id, type, service, event, timestamp, received_at, metadata"


def check_table_name(name: str) -> str:
    if not _TABLE_RE.match(name):
        raise ValueError(f"invalid PostgreSQL table name {name!r} (want [a-z_][a-z0-9_]*)")
    return name


class PostgresEventStore:
    """Group-commit PostgreSQL store; see the module docstring."""

    def __init__(
        self, dsn: str, table: str = "omninode_events", on_commit: OnCommit | None = None
    ) -> None:
        self.dsn = dsn
        self.table = check_table_name(table)
        self.on_commit = on_commit
        self.batches = 0
        self._queue: asyncio.Queue[Pending | None] = asyncio.Queue()
        self._closed = True

    async def start(self) -> None:
        self._pool: asyncpg.Pool[Any] = await asyncpg.create_pool(self.dsn, min_size=1, max_size=4)
        t = self.table
        await self._pool.execute(
            f"CREATE TABLE IF NOT EXISTS {t} (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL,"
            " type TEXT NOT NULL, service TEXT NOT NULL, event TEXT NOT NULL,"
            " timestamp DOUBLE PRECISION NOT NULL, received_at DOUBLE PRECISION NOT NULL,"
            f" metadata TEXT NOT NULL); CREATE INDEX IF NOT EXISTS {t}_service_seq"
            f" ON {t} (service, seq)"
        )
        self._closed = False
        self._writer = asyncio.create_task(self._write_loop(), name="pg-writer")

    async def append(self, row: EventRow) -> int:
        if self._closed:
            raise StoreClosed("store is closed")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((row, future))
        return await future

    async def _write_loop(self) -> None:
        async with self._pool.acquire() as conn:
            while True:
                first = await self._queue.get()
                if first is None:
                    return
                batch, stop = self._drain(first)
                await self._commit(conn, batch)
                if stop:
                    return

    def _drain(self, first: Pending) -> tuple[list[Pending], bool]:
        batch = [first]
        while len(batch) < MAX_BATCH and not self._queue.empty():
            item = self._queue.get_nowait()
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    async def _commit(self, conn: Any, batch: list[Pending]) -> None:
        rows = [row for row, _ in batch]
        try:
            async with conn.transaction():
                seqs = await conn.fetch(
                    f"SELECT nextval(pg_get_serial_sequence('{self.table}', 'seq'))"
                    " FROM generate_series(1, $1)",
                    len(rows),
                )
                numbers = [int(r[0]) for r in seqs]
                await conn.execute(
                    f"INSERT INTO {self.table} ({COLUMNS}) SELECT * FROM unnest("
                    "$1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],"
                    " $6::float8[], $7::float8[], $8::text[])",
                    numbers,
                    *(list(col) for col in zip(*rows, strict=True)),
                )
        except (asyncpg.PostgresError, OSError) as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        self.batches += 1
        self._resolve(batch, numbers)

    def _resolve(self, batch: list[Pending], numbers: list[int]) -> None:
        stored = []
        for (row, future), seq in zip(batch, numbers, strict=True):
            if not future.done():
                future.set_result(seq)
            stored.append(StoredEvent(seq, row))
        if self.on_commit is not None:
            self.on_commit(stored)

    async def query(self, service: str | None, since: int, limit: int) -> list[StoredEvent]:
        sql = f"SELECT {COLUMNS} FROM {self.table} WHERE seq > $1"
        params: list[object] = [since]
        if service is not None:
            sql += " AND service = $2"
            params.append(service)
        sql += f" ORDER BY seq LIMIT ${len(params) + 1}"
        params.append(limit)
        records = await self._pool.fetch(sql, *params)
        return [StoredEvent(int(r[0]), EventRow(*r[1:])) for r in records]

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put_nowait(None)
        await self._writer
        await self._pool.close()
