"""A table's output (``Section``), the run settings (``Settings``) and shared helpers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from peerbench.machine import loadavg, now_utc

GEN_CPUS = "1"  # the generator's core
TARGET_CPUS = "0"  # nginx / the service under test


@dataclass(frozen=True)
class Settings:
    """Durations (s) and rounds; ``make(quick)`` gives the two standard sets."""

    quick: bool
    rounds: int
    open_rounds: int
    closed_s: float
    open_s: float
    stall_s: float
    memory_s: float
    hooks_s: float
    open_rates: tuple[int, ...] = (1000, 5000, 20000)

    @classmethod
    def make(cls, quick: bool) -> Settings:
        if quick:
            return cls(True, 1, 1, 2.0, 2.0, 5.0, 30.0, 3.0)
        return cls(False, 3, 2, 8.0, 8.0, 10.0, 600.0, 10.0)


@dataclass
class Section:
    key: str
    title: str
    body: str = ""
    reading: str = ""
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    acceptance: list[tuple[str, bool | None, str]] = field(default_factory=list)
    started: str = ""
    load_before: float = 0.0
    load_after: float = 0.0
    seconds: float = 0.0
    skipped: str | None = None
    extra: str = ""


@contextmanager
def timed(section: Section) -> Iterator[Section]:
    """Record date, 1-min load average before/after and wall time around a table."""
    section.started = now_utc()
    section.load_before = loadavg()
    start = time.monotonic()
    try:
        yield section
    finally:
        section.seconds = time.monotonic() - start
        section.load_after = loadavg()


Builder = Callable[[Settings], Section]


def unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
