from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from omninode_bridge.errors import ExitCode
from omninode_bridge.resources import ResourceSampler, ResourceSourceError, resolve_source
from omninode_bridge.resources.sources import ProcessSource
from tests.resources.conftest import free_port, stop
from tests.servers import RunningServer, start_server


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with start_server("capacity", service_ms=1, concurrency=8) as running:
        yield running


def test_port_auto_finds_the_server_started_by_the_test(server: RunningServer) -> None:
    source = resolve_source(port="auto", target_url=f"{server.url}/hooks")
    assert isinstance(source, ProcessSource)
    assert source.name == f"port:{server.port}"
    assert [p.pid for p in source.roots] == [server.pid]


def test_explicit_port_and_pid_and_name(server: RunningServer) -> None:
    assert [p.pid for p in resolve_source(port=server.port).roots] == [server.pid]  # type: ignore[attr-defined]
    assert resolve_source(pid=server.pid).name == f"pid:{server.pid}"
    name = psutil.Process(server.pid).name()
    by_name = resolve_source(process_name=name)
    assert server.pid in [p.pid for p in by_name.processes()]  # type: ignore[attr-defined]


def test_children_are_included() -> None:
    code = "import subprocess, sys, time; subprocess.Popen(['sleep', '20']); time.sleep(20)"
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 5
        while not psutil.Process(parent.pid).children() and time.monotonic() < deadline:
            time.sleep(0.05)
        child = psutil.Process(parent.pid).children()[0].pid
        with_kids = resolve_source(pid=parent.pid)
        alone = resolve_source(pid=parent.pid, include_children=False)
        assert {p.pid for p in with_kids.processes()} == {parent.pid, child}  # type: ignore[attr-defined]
        assert {p.pid for p in alone.processes()} == {parent.pid}  # type: ignore[attr-defined]
    finally:
        for proc in psutil.Process(parent.pid).children():
            os.kill(proc.pid, 15)
        stop(parent)  # type: ignore[arg-type]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("nothing", {}, "give exactly one of"),
    ("two-sources", {"pid": 1, "port": 80}, "got pid, port"),
    ("auto-without-url", {"port": "auto"}, "needs a target URL"),
    ("auto-remote", {"port": "auto", "target_url": "http://example.com:8001"}, "localhost"),
    ("bad-port-text", {"port": "eighty"}, "expected a port number or 'auto'"),
    ("port-out-of-range", {"port": 70000}, "not a valid port"),
    ("no-listener", {"port": free_port()}, "no process listening on port"),
    ("no-such-name", {"process_name": "no-such-process-xyz"}, "no process named"),
    ("prometheus-empty", {"prometheus": {"url": "http://127.0.0.1:9"}}, "'selector' or 'query'"),
    ("cpu-counter-no-rate", {"prometheus": "process_cpu_seconds_total"}, "needs rate("),
]


@pytest.mark.parametrize(("kwargs", "words"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_resource_options_give_one_line_errors(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(ResourceSourceError) as info:
        resolve_source(**kwargs)
    assert words in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.exit_code == ExitCode.USAGE


def test_dead_pid_is_an_error() -> None:
    with pytest.raises(ResourceSourceError, match="no process with pid"):
        resolve_source(pid=_dead_pid())


def _cpu_s(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def test_sampler_measures_the_service_not_the_generator() -> None:
    burn = "import time\nend = time.time() + 6\nwhile time.time() < end: pass\n"
    proc = subprocess.Popen([sys.executable, "-c", burn])
    used: dict[str, float] = {}

    async def run() -> ResourceSampler:
        sampler = ResourceSampler(resolve_source(pid=proc.pid), interval_s=0.5)
        used["before"] = _cpu_s(proc.pid)
        await sampler.start()
        await asyncio.sleep(2.6)  # the test process itself stays idle meanwhile
        await sampler.sample_once()
        used["after"] = _cpu_s(proc.pid)
        await sampler.stop()
        return sampler

    try:
        sampler = asyncio.run(run())
    finally:
        stop(proc)  # type: ignore[arg-type]
    samples = sampler.samples
    measured = sum(
        b["cpu_percent"] / 100 * (b["t"] - a["t"]) for a, b in itertools.pairwise(samples)
    )
    truth = used["after"] - used["before"]
    assert truth > 0.3  # it did burn CPU (the machine is shared, so not a full core)
    assert measured == pytest.approx(truth, rel=0.15, abs=0.05)
    per_core = samples[-2]["cpu_percent_per_core"]
    assert per_core is not None and len(per_core) == psutil.cpu_count()
    assert sum(per_core) == pytest.approx(samples[-2]["cpu_percent"], abs=15)
    assert samples[-1]["threads"] >= 1 and samples[-1]["fds"] >= 3
