"""Periodic samples of the service under test, in bounded memory.

``ResourceSampler`` reads a ``ResourceSource`` every ``interval_s`` (absolute schedule, no
drift) and turns consecutive cumulative readings into samples::

    {t, cpu_percent, cpu_percent_per_core, rss_mb, memory_percent, threads, fds, ctx_switches}

``t`` is seconds since ``start()``; CPU is in % of one core; ``ctx_switches`` counts the
switches during the interval. Samples live in a preallocated numpy array of
``capacity`` rows: when it fills up, every other row is dropped and from then on only
every second sample is kept (and so on), so a run of any length keeps an evenly spaced
series of at most ``capacity`` samples. Running max/mean of CPU and RSS stay exact.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from typing import Any

import numpy as np
import psutil

from omninode_bridge.resources.sources import Reading, ResourceSource, ResourceSourceError

FIELDS = ("t", "cpu_percent", "rss_mb", "memory_percent", "threads", "fds", "ctx_switches")
INT_FIELDS = frozenset({"threads", "fds", "ctx_switches"})
MB = 1024 * 1024


def _opt(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _cpu_percent(prev: Reading, cur: Reading, dt: float) -> float | None:
    if cur.cpu_percent is not None:
        return cur.cpu_percent
    common = cur.cpu_s_by_pid.keys() & prev.cpu_s_by_pid.keys()
    if not common or dt <= 0:
        return None
    used = sum(max(0.0, cur.cpu_s_by_pid[p] - prev.cpu_s_by_pid[p]) for p in common)
    return used / dt * 100


def _per_core(prev: Reading, cur: Reading, dt: float, cores: int) -> np.ndarray:
    out = np.full(cores, math.nan)
    if not cur.cpu_s_by_thread or dt <= 0:
        return out
    out[:] = 0.0
    for tid, (cpu_s, core) in cur.cpu_s_by_thread.items():
        before = prev.cpu_s_by_thread.get(tid)
        if before is not None and 0 <= core < cores:
            out[core] += max(0.0, cpu_s - before[0]) / dt * 100
    return out


class SampleStore:
    """At most ``capacity`` evenly spaced rows; decimates by 2 when full."""

    def __init__(self, capacity: int, cores: int) -> None:
        self.rows = np.full((capacity, len(FIELDS)), math.nan)
        self.cores = np.full((capacity, cores), math.nan)
        self.n = 0
        self.stride = 1
        self.seen = 0

    def add(self, row: np.ndarray, cores: np.ndarray) -> None:
        self.seen += 1
        if (self.seen - 1) % self.stride:
            return
        if self.n == len(self.rows):
            half = (self.n + 1) // 2
            self.rows[:half] = self.rows[: self.n : 2]
            self.cores[:half] = self.cores[: self.n : 2]
            self.n, self.stride = half, self.stride * 2
            if (self.seen - 1) % self.stride:
                return
        self.rows[self.n], self.cores[self.n] = row, cores
        self.n += 1

    def as_dicts(self) -> list[dict[str, Any]]:
        return [_row_dict(self.rows[i], self.cores[i]) for i in range(self.n)]


def _row_dict(row: np.ndarray, cores: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in zip(FIELDS, row, strict=True):
        number = float(value)
        if math.isnan(number):
            out[name] = None
        else:
            out[name] = int(number) if name in INT_FIELDS else round(number, 3)
    per_core = [None if math.isnan(c) else round(float(c), 2) for c in cores]
    out["cpu_percent_per_core"] = per_core if any(c is not None for c in per_core) else None
    return out


class ResourceSampler:
    """Samples a ``ResourceSource`` every ``interval_s`` until ``stop()``."""

    def __init__(
        self, source: ResourceSource, interval_s: float = 1.0, capacity: int = 8192
    ) -> None:
        self.source = source
        self.interval_s = interval_s
        self.cores = psutil.cpu_count() or 1
        self.store = SampleStore(capacity, self.cores)
        self.errors: list[str] = []
        self._prev: Reading | None = None
        self._latest: dict[str, Any] | None = None
        self._t0 = time.monotonic()
        self._task: asyncio.Task[None] | None = None
        self._max = {"cpu_percent": math.nan, "rss_mb": math.nan, "memory_percent": math.nan}

    async def start(self) -> None:
        """Take a first reading (errors surface here) and start sampling."""
        self._t0 = time.monotonic()
        await self.sample_once()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.source.close()

    async def _loop(self) -> None:
        ticks = 1
        while True:
            delay = self._t0 + ticks * self.interval_s - time.monotonic()
            await asyncio.sleep(max(0.0, delay))
            ticks = max(ticks + 1, int((time.monotonic() - self._t0) / self.interval_s) + 1)
            try:
                await self.sample_once()
            except ResourceSourceError as exc:  # the service went away: keep what we have
                self.errors.append(str(exc))
                return

    async def sample_once(self) -> dict[str, Any] | None:
        """Read the source now and record a sample (the first one has no CPU figure)."""
        cur = await self.source.read()
        prev, self._prev = self._prev, cur
        dt = cur.t - prev.t if prev is not None else 0.0
        row = self._row(prev, cur, dt)
        per_core = _per_core(prev, cur, dt, self.cores) if prev else np.full(self.cores, math.nan)
        self.store.add(row, per_core)
        self._track_max(row)
        self._latest = _row_dict(row, per_core)
        return self._latest

    def _row(self, prev: Reading | None, cur: Reading, dt: float) -> np.ndarray:
        rss_mb = None if cur.rss_bytes is None else cur.rss_bytes / MB
        mem = None
        if cur.rss_bytes is not None and cur.memory_total_bytes:
            mem = cur.rss_bytes / cur.memory_total_bytes * 100
        cpu = _cpu_percent(prev, cur, dt) if prev else cur.cpu_percent
        ctx = None
        if prev and cur.ctx_switches is not None and prev.ctx_switches is not None:
            ctx = max(0, cur.ctx_switches - prev.ctx_switches)
        values = (cur.t - self._t0, cpu, rss_mb, mem, cur.threads, cur.fds, ctx)
        return np.array([_opt(v) for v in values])

    def _track_max(self, row: np.ndarray) -> None:
        for name in self._max:
            value = row[FIELDS.index(name)]
            if not math.isnan(value):
                self._max[name] = np.fmax(self._max[name], value)

    def latest(self) -> dict[str, Any] | None:
        return self._latest

    @property
    def samples(self) -> list[dict[str, Any]]:
        return self.store.as_dicts()

    def _stats(self, name: str) -> dict[str, float] | None:
        column = self.store.rows[: self.store.n, FIELDS.index(name)]
        column = column[~np.isnan(column)]
        if not len(column):
            return None
        peak = float(self._max[name])
        return {
            "mean": float(column.mean()),
            "max": peak if not math.isnan(peak) else float(column.max()),
            "p95": float(np.percentile(column, 95)),
        }

    def summary(self) -> dict[str, Any]:
        """``cpu_stats`` and ``memory_stats`` for ``custom_metrics`` (service under test)."""
        memory: dict[str, float | None] | None = None
        percent, rss = self._stats("memory_percent"), self._stats("rss_mb")
        if percent is not None or rss is not None:
            memory = {**(percent or {}), "rss_mb_max": None if rss is None else rss["max"]}
        return {"cpu_stats": self._stats("cpu_percent"), "memory_stats": memory}

    def to_result(self) -> dict[str, Any]:
        """The test result's ``resources`` object."""
        return {"source": self.source.name, "samples": self.samples, "errors": list(self.errors)}


__all__ = ["ResourceSampler", "SampleStore"]
