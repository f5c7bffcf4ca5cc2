"""One measured run of one tool, and rounds that alternate tools (A B C A B C ...).

``run_once`` starts the tool pinned to the generator core and, while it runs, samples a
mid-run window: the CPU of the tool's whole process tree (psutil) against nginx's own
request count, which gives a steady-state CPU per request free of start-up cost. After
it exits, ``os.wait4`` gives the whole-run CPU (including reaped worker processes).
"""

from __future__ import annotations

import re
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from peerbench.procs import Measured, run_measured
from peerbench.tools import Parsed, Tool

Counter = Callable[[], int]


@dataclass
class Sample:
    """One run of one tool: its own figures plus what we measured from outside."""

    tool: str
    command: str
    parsed: Parsed | None
    cpu_s: float
    wall_s: float
    returncode: int
    served: int | None = None
    window_cpu_s: float | None = None
    window_served: int | None = None
    window_wall_s: float | None = None
    error: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    sys_s: float = 0.0  # the kernel's part of cpu_s

    @property
    def requests_done(self) -> int | None:
        """Counted by nginx when there is an nginx (the same yardstick for every tool),
        else by the tool."""
        return self.served if self.served else (self.parsed.requests if self.parsed else None)

    def split_us_per_request(self) -> tuple[float, float] | None:
        """(user, kernel) CPU µs per request over the whole run, as ``cpu_us_per_request``."""
        done = self.requests_done
        if not done:
            return None
        return (self.cpu_s - self.sys_s) * 1e6 / done, self.sys_s * 1e6 / done

    @property
    def cpu_us_per_request(self) -> float | None:
        """Whole-run user+sys CPU per request (start-up included)."""
        done = self.requests_done
        return self.cpu_s * 1e6 / done if done else None

    @property
    def steady_cpu_percent(self) -> float | None:
        """Mid-run window: CPU of the tool's process tree, % of one core."""
        if self.window_cpu_s is None or not self.window_wall_s:
            return None
        return 100.0 * self.window_cpu_s / self.window_wall_s

    @property
    def steady_us_per_request(self) -> float | None:
        """Mid-run window: CPU of the tool's process tree per request nginx served."""
        if not self.window_cpu_s or not self.window_served:
            return None
        return self.window_cpu_s * 1e6 / self.window_served


def tree_cpu(pid: int) -> float:
    """User+sys seconds of ``pid`` and its live descendants (plus reaped children)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


class WindowProbe:
    """Waits for traffic to start, then measures [15%, 85%] of the run's duration."""

    def __init__(self, counter: Counter, duration_s: float) -> None:
        self.counter = counter
        self.duration_s = duration_s
        self.cpu_s: float | None = None
        self.served: int | None = None
        self.wall_s: float | None = None

    def __call__(self, pid: int) -> None:
        if not self._wait_for_traffic(pid):
            return
        start = time.monotonic()
        self._sleep_until(start + 0.15 * self.duration_s)
        cpu0, n0, t0 = tree_cpu(pid), self.counter(), time.monotonic()
        self._sleep_until(start + 0.85 * self.duration_s)
        cpu1, n1, t1 = tree_cpu(pid), self.counter(), time.monotonic()
        if cpu1 > cpu0 and n1 > n0:
            self.cpu_s, self.served = cpu1 - cpu0, n1 - n0
            self.wall_s = t1 - t0

    def _wait_for_traffic(self, pid: int) -> bool:
        """True once nginx counts ≥ 10 requests in 50 ms (a probe request is not load)."""
        deadline = time.monotonic() + 60.0
        last = self.counter()
        while time.monotonic() < deadline and psutil.pid_exists(pid):
            time.sleep(0.05)
            now = self.counter()
            if now - last >= 10:
                return True
            last = now
        return False

    @staticmethod
    def _sleep_until(when: float) -> None:
        time.sleep(max(0.0, when - time.monotonic()))


def run_once(
    tool: Tool,
    argv: Sequence[str],
    *,
    duration_s: float,
    cpus: str | None,
    workdir: Path,
    counter: Counter | None = None,
) -> Sample:
    """Run one tool command and collect its figures and ours."""
    probe = WindowProbe(counter, duration_s) if counter else None
    before = counter() if counter else None
    m = run_measured(argv, cpus=cpus, timeout=duration_s * 3 + 60, cwd=workdir, probe=probe)
    served = counter() - before if counter and before is not None else None
    sample = Sample(
        tool.name,
        display_command(argv),
        None,
        m.cpu_s,
        m.wall_s,
        m.returncode,
        served=served,
        sys_s=m.sys_s,
    )
    if probe:
        sample.window_cpu_s, sample.window_served = probe.cpu_s, probe.served
        sample.window_wall_s = probe.wall_s
    _parse_into(sample, tool, m, workdir)
    return sample


def _parse_into(sample: Sample, tool: Tool, m: Measured, workdir: Path) -> None:
    try:
        sample.parsed = tool.parse(m, workdir)
    except (ValueError, KeyError, IndexError, OSError) as exc:
        sample.error = f"{type(exc).__name__}: {exc}"[:300]


def display_command(argv: Sequence[str]) -> str:
    """The command as a shell line, with ``python`` and ``$TMP`` for readability."""
    words = ["python" if a == sys.executable else a for a in argv]
    line = shlex.join(words)
    return re.sub(re.escape(tempfile.gettempdir()) + r"/[^ ']*/", "$TMP/", line)


Job = Callable[[Path], Sample]


def closed_loop_job(
    tool: Tool, url: str, connections: int, duration_s: float, cpus: str | None, counter: Counter
) -> Job:
    """A job running ``tool``'s closed loop on ``connections`` against ``url``."""

    def run(workdir: Path) -> Sample:
        argv = tool.closed(url, connections, duration_s, workdir)
        return run_once(
            tool, argv, duration_s=duration_s, cpus=cpus, workdir=workdir, counter=counter
        )

    return run


def alternate(jobs: Sequence[Job], rounds: int, *, pause_s: float = 0.5) -> list[list[Sample]]:
    """Run ``jobs`` A B C A B C ... for ``rounds``; result[i] holds job i's samples."""
    results: list[list[Sample]] = [[] for _ in jobs]
    for _ in range(rounds):
        for i, job in enumerate(jobs):
            with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
                results[i].append(job(Path(tmp)))
            time.sleep(pause_s)
    return results
