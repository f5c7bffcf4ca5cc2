"""The PostgreSQL store against the local PostgreSQL, in a throw-away table per run."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from tests.services._client import all_events
from tests.services.conftest import launch

DSN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def table() -> Iterator[str]:
    name = f"omninode_test_{uuid.uuid4().hex[:12]}"
    yield name

    async def drop() -> None:
        conn = await asyncpg.connect(DSN)
        try:
            await conn.execute(f"DROP TABLE IF EXISTS {name}")
        finally:
            await conn.close()

    asyncio.run(drop())


async def post_concurrently(url: str, count: int, concurrency: int) -> set[str]:
    acked: set[str] = set()
    queue = list(range(count))

    async def worker(session: aiohttp.ClientSession) -> None:
        while queue:
            i = queue.pop()
            body = {"id": f"pg-{i}", "type": "t", "service": "pg", "event": f"e{i % 3}"}
            async with session.post(f"{url}/hooks", json=body) as resp:
                if resp.status == 202:
                    acked.add((await resp.json())["id"])

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return acked


async def table_rows(table: str) -> tuple[int, int]:
    conn = await asyncpg.connect(DSN)
    try:
        row = await conn.fetchrow(f"SELECT count(*), count(DISTINCT id) FROM {table}")
        return int(row[0]), int(row[1])
    finally:
        await conn.close()


def test_postgres_store_group_commits_and_survives_restart(tmp_path: Path, table: str) -> None:
    args = {
        "hook_receiver": ["--store", "postgres", "--postgres-dsn", DSN, "--postgres-table", table]
    }
    handle = launch(tmp_path, ["hook_receiver"], args)
    url = handle.base_urls["hook_receiver"]
    try:
        acked = asyncio.run(post_concurrently(url, 600, 32))
        stored = all_events(url)
    finally:
        handle.stop()
    assert handle.returncodes() == {"hook_receiver": 0}
    assert len(acked) == 600 and acked == {e["id"] for e in stored}
    seqs = [e["seq"] for e in stored]
    assert seqs == sorted(seqs) and len(set(seqs)) == 600
    assert asyncio.run(table_rows(table)) == (600, 600)
    again = launch(tmp_path, ["hook_receiver"], args)
    try:
        more = asyncio.run(post_concurrently(again.base_urls["hook_receiver"], 10, 2))
        assert len(more) == 10 and len(all_events(again.base_urls["hook_receiver"])) == 610
    finally:
        again.stop()
