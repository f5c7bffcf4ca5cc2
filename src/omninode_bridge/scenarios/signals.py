"""SIGINT/SIGTERM during a run: stop the engine gracefully and remember which signal."""

from __future__ import annotations

import asyncio
import signal
import sys

from omninode_bridge.engine.scheduler import StopFlag
from omninode_bridge.errors import ExitCode


class SignalCatcher:
    def __init__(self, stop: StopFlag) -> None:
        self.stop = stop
        self.signum: int | None = None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._on_signal, signum)

    def _on_signal(self, signum: int) -> None:
        if self.signum is None:
            name = signal.Signals(signum).name
            print(f"\n{name} received: stopping, writing partial results", file=sys.stderr)
        self.signum = signum
        self.stop.stop(f"interrupted by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> ExitCode | None:
        if self.signum is None:
            return None
        return ExitCode.SIGTERM if self.signum == signal.SIGTERM else ExitCode.SIGINT
