"""Nothing acknowledged is lost: overload, SIGTERM mid-load, restart, SIGKILL mid-load, restart.

Every id that got a 202 must be in the store afterwards. The load is a ramp of aiohttp
workers (closed loop, no think time) to well past the receiver's capacity, on loopback,
bounded in time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import aiohttp
import pytest

from omninode_bridge.services.launcher import ServicesHandle, free_port, start_services
from tests.services._client import all_events

MAX_WORKERS = 96
RAMP_EVERY_S = 0.2
WORKERS_PER_STEP = 16


async def _worker(
    session: aiohttp.ClientSession, url: str, tag: str, acked: set[str], stop: asyncio.Event
) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        event_id = f"{tag}-{n}"
        body = {"id": event_id, "type": "load", "service": "durability", "event": f"e{n % 7}"}
        try:
            async with session.post(url, json=body) as resp:
                if resp.status == 202:
                    acked.add((await resp.json())["id"])
                else:
                    await resp.read()
        except (TimeoutError, aiohttp.ClientError):
            await asyncio.sleep(0.01)  # refused while the server is down: not acknowledged


async def _load(
    url: str, phase: str, acked: set[str], seconds: float, kill_at: float, kill: callable
) -> None:  # type: ignore[valid-type]
    stop = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=0)
    ) as session:
        tasks: list[asyncio.Task[None]] = []
        started = time.monotonic()
        killed = False
        while time.monotonic() - started < seconds:
            if len(tasks) < MAX_WORKERS:
                for _ in range(WORKERS_PER_STEP):
                    tag = f"{phase}-w{len(tasks)}"
                    tasks.append(asyncio.create_task(_worker(session, url, tag, acked, stop)))
            if not killed and time.monotonic() - started >= kill_at:
                kill()
                killed = True
            await asyncio.sleep(RAMP_EVERY_S)
        stop.set()
        await asyncio.gather(*tasks)


def _start(data_dir: Path, port: int) -> ServicesHandle:
    return start_services(
        ports={"hook_receiver": port}, data_dir=str(data_dir), only=["hook_receiver"]
    )


@pytest.mark.slow
def test_every_acknowledged_event_survives_sigterm_and_sigkill(tmp_path: Path) -> None:
    port = free_port()
    acked: set[str] = set()

    first = _start(tmp_path, port)
    url = f"{first.base_urls['hook_receiver']}/hooks"
    pid = first.pids["hook_receiver"]
    try:
        asyncio.run(_load(url, "term", acked, 4.0, 2.5, lambda: os.kill(pid, signal.SIGTERM)))
    finally:
        first.stop()  # never leave a service behind, even when the load fails
    assert first.returncodes() == {"hook_receiver": 0}  # graceful: drained, flushed, exit 0
    after_term = len(acked)

    second = _start(tmp_path, port)
    pid = second.pids["hook_receiver"]
    try:
        asyncio.run(_load(url, "kill", acked, 4.0, 2.5, lambda: os.kill(pid, signal.SIGKILL)))
    finally:
        second.stop()
    assert second.returncodes() == {"hook_receiver": -signal.SIGKILL}

    third = _start(tmp_path, port)
    try:
        stored = [e["id"] for e in all_events(third.base_urls["hook_receiver"])]
    finally:
        third.stop()
    missing = acked - set(stored)
    print(
        f"acknowledged {len(acked)} ({after_term} before SIGTERM restart), "
        f"stored {len(stored)}, missing {len(missing)}"
    )
    assert after_term > 500 and len(acked) - after_term > 500  # the load really ran
    assert missing == set()
    assert len(stored) == len(set(stored))  # nothing stored twice
