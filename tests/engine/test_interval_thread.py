"""Intervals are built off the event loop, delivered on it in order, and a failure in the
builder surfaces instead of vanishing into the loop's exception log."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
import uvloop

from omninode_bridge.engine import scheduler
from omninode_bridge.engine.plan import WorkerPlan
from omninode_bridge.engine.scheduler import StopFlag
from omninode_bridge.engine.workers import run_plan
from omninode_bridge.metrics.recorder import IntervalPart, RawInterval, Recorder, build_part
from omninode_bridge.plan.pacers import Segment
from omninode_bridge.plan.requests import RequestSpec
from tests.servers import RunningServer, start_server

RATE, SECONDS = 200, 3


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_server("capacity") as running:
        yield running


def _plan(url: str) -> WorkerPlan:
    return WorkerPlan(
        requests=(RequestSpec("GET", url + "/"),),
        model="open",
        segments=(Segment(SECONDS, RATE, RATE),),
        timeout_s=2.0,
    )


def _run(url: str) -> list[IntervalPart]:
    parts: list[IntervalPart] = []
    uvloop.run(run_plan(_plan(url), 1, parts.append, StopFlag()))
    return parts


def test_intervals_are_built_off_the_loop_and_delivered_in_order(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    built_on: list[int] = []
    delivered_on: list[int] = []

    def spy(raw: RawInterval) -> IntervalPart:
        built_on.append(threading.get_ident())
        return build_part(raw)

    monkeypatch.setattr(scheduler, "build_part", spy)
    parts: list[IntervalPart] = []

    def collect(part: IntervalPart) -> None:
        delivered_on.append(threading.get_ident())
        parts.append(part)

    uvloop.run(run_plan(_plan(server.url), 1, collect, StopFlag()))
    loop_thread = threading.get_ident()  # uvloop.run runs the loop in this thread
    assert [p.index for p in parts] == list(range(SECONDS))
    assert sum(p.requests for p in parts) == RATE * SECONDS
    assert set(delivered_on) == {loop_thread}
    # Every interval but the last (built after the drain, when timing no longer matters)
    # was built in the interval thread.
    assert all(t != loop_thread for t in built_on[:-1]) and built_on[-1] == loop_thread
    assert all(p.digest is not None for p in parts)  # encoded off the loop too


def test_a_builder_failure_is_raised_by_the_run(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(raw: RawInterval) -> IntervalPart:
        if raw.index == 1:
            raise RuntimeError("histogram exploded")
        return build_part(raw)

    monkeypatch.setattr(scheduler, "build_part", broken)
    with pytest.raises(RuntimeError, match="histogram exploded"):
        _run(server.url)


def test_the_gil_switch_interval_is_restored(server: RunningServer) -> None:
    before = sys.getswitchinterval()
    _run(server.url)
    assert sys.getswitchinterval() == before

    async def overlapping() -> None:  # the second ends after the first: still restored
        short = _plan(server.url)
        longer = replace(short, segments=(Segment(SECONDS + 1, RATE, RATE),))
        await asyncio.gather(
            run_plan(short, 1, lambda _: None, StopFlag()),
            run_plan(longer, 1, lambda _: None, StopFlag()),
        )

    uvloop.run(overlapping())
    assert sys.getswitchinterval() == before
    assert not [t for t in threading.enumerate() if t.name.startswith("interval-builder")]


def test_nothing_is_lost_when_the_loop_is_busy() -> None:
    # take() hands over the lists and starts new ones: what the hot path appends after
    # the take lands in the next interval, never in the one being built.
    rec = Recorder()
    rec.responses += (1_000, 2_000, 3_000, 1_002_000, 200, 0)
    raw = rec.take(0)
    rec.responses += (5_000, 6_000, 7_000, 2_006_000, 200, 0)
    assert build_part(raw).requests == 1
    assert build_part(rec.take(1)).requests == 1
