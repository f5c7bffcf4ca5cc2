"""CPU of the load generator itself: a generator too busy to keep its schedule makes the
run invalid (the engine applies the verdict; this module measures).

``GeneratorCpuMeter`` tracks the generator's processes (by default this one; the engine
adds worker pids). ``tick()`` returns each process's CPU % of one core since the previous
tick; ``percent_by_pid()`` gives each one's mean over the whole measurement (cumulative
CPU time / wall time, so short bursts do not decide). A process over ``threshold``
(default 85%) of a core on average marks the run invalid.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

import psutil

BUSY_THRESHOLD_PERCENT = 85.0


class GeneratorCpuMeter:
    def __init__(
        self, pids: Sequence[int] | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.clock = clock
        self._procs: dict[int, psutil.Process] = {}
        self._first: dict[int, tuple[float, float]] = {}
        self._last: dict[int, tuple[float, float]] = {}
        for pid in pids if pids is not None else [os.getpid()]:
            self.add_pid(pid)

    def add_pid(self, pid: int) -> None:
        proc = psutil.Process(pid)
        self._procs[pid] = proc
        self._first[pid] = self._last[pid] = (self.clock(), self._cpu(proc))

    @staticmethod
    def _cpu(proc: psutil.Process) -> float:
        times = proc.cpu_times()
        return float(times.user + times.system)

    def tick(self) -> dict[int, float]:
        """CPU % of one core per process since the last tick (gone processes are dropped)."""
        out: dict[int, float] = {}
        for pid, proc in list(self._procs.items()):
            try:
                now, cpu = self.clock(), self._cpu(proc)
            except psutil.Error:
                del self._procs[pid]
                continue
            then, before = self._last[pid]
            self._last[pid] = (now, cpu)
            out[pid] = (cpu - before) / (now - then) * 100 if now > then else 0.0
        return out

    def percent_by_pid(self) -> dict[int, float]:
        """Mean CPU % of one core per process from the first to the latest tick."""
        out = {}
        for pid, (t1, c1) in self._last.items():
            t0, c0 = self._first[pid]
            if t1 > t0:
                out[pid] = (c1 - c0) / (t1 - t0) * 100
        return out

    def mean_percent(self) -> float | None:
        """Mean over processes of their mean CPU % (``metrics.generator_cpu_percent``)."""
        values = list(self.percent_by_pid().values())
        return sum(values) / len(values) if values else None

    def invalid_reason(self, threshold: float = BUSY_THRESHOLD_PERCENT) -> str | None:
        """Why the run is invalid, or None: a generator process busier than ``threshold``."""
        busy = {pid: pct for pid, pct in self.percent_by_pid().items() if pct > threshold}
        if not busy:
            return None
        pid, pct = max(busy.items(), key=lambda kv: kv[1])
        return (
            f"generator overloaded: process {pid} used {pct:.0f}% of a core "
            f"(limit {threshold:.0f}%); results may understate latency: add --workers"
        )


__all__ = ["BUSY_THRESHOLD_PERCENT", "GeneratorCpuMeter"]
