"""The error taxonomy and exit codes, in one place.

Exception tree::

    PerfError                      base of everything this toolkit raises on purpose
    ├── UsageError                 bad CLI arguments (exit 2)
    ├── ConfigError                bad config; carries every Problem found (exit 2)
    ├── TargetUnreachable          the target refused from the start (exit 3)
    ├── InvalidRun                 the generator could not keep its schedule (exit 3)
    └── Interrupted                SIGINT / SIGTERM during a run (exit 130 / 143)

A failed request is never an exception: it is an ``ErrorKind`` value counted in the
metrics (see ``omninode_bridge.engine.outcome``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    OK = 0
    CRITERIA_FAILED = 1
    USAGE = 2
    INVALID_RUN = 3
    INTERNAL = 4  # a bug; not 1, which CI reads as "a criterion failed"
    SIGINT = 130
    SIGTERM = 143


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located precisely."""

    file: str
    line: int | None
    path: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class PerfError(Exception):
    exit_code: ExitCode = ExitCode.USAGE


class UsageError(PerfError):
    exit_code = ExitCode.USAGE


class ConfigError(PerfError):
    exit_code = ExitCode.USAGE

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class TargetUnreachable(PerfError):
    exit_code = ExitCode.INVALID_RUN


class InvalidRun(PerfError):
    exit_code = ExitCode.INVALID_RUN


class Interrupted(PerfError):
    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = ExitCode.SIGTERM if signum == 15 else ExitCode.SIGINT
        super().__init__(f"interrupted by signal {signum}")
