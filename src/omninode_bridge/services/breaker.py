"""A per-tool circuit breaker (closed → open → half-open), with an injectable clock.

``failures`` consecutive failed calls open it; after ``reset_s`` one trial call is let
through (half-open): success closes it, failure opens it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class CircuitBreaker:
    def __init__(
        self, failures: int, reset_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.failures = failures
        self.reset_s = reset_s
        self.clock = clock
        self.state = CLOSED
        self.consecutive = 0
        self.opened_at = 0.0
        self._trial_running = False

    def allow(self) -> bool:
        """May a call go through now? (In half-open, only one trial at a time.)"""
        if self.state == OPEN and self.clock() >= self.opened_at + self.reset_s:
            self.state = HALF_OPEN
            self._trial_running = False
        if self.state == HALF_OPEN:
            if self._trial_running:
                return False
            self._trial_running = True
            return True
        return self.state == CLOSED

    def retry_after(self) -> float:
        return max(0.0, self.opened_at + self.reset_s - self.clock())

    def success(self) -> None:
        self.state = CLOSED
        self.consecutive = 0
        self._trial_running = False

    def failure(self) -> None:
        self.consecutive += 1
        if self.state == HALF_OPEN or self.consecutive >= self.failures:
            self.state = OPEN
            self.opened_at = self.clock()
            self._trial_running = False
