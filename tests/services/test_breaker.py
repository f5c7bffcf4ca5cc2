"""CircuitBreaker state machine, driven by a fake clock."""

from __future__ import annotations

import pytest

from omninode_bridge.services.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("steps", "state", "allowed"),
    [
        pytest.param("ff", CLOSED, True, id="below-threshold"),
        pytest.param("fff", OPEN, False, id="opens-at-threshold"),
        pytest.param("ffsff", CLOSED, True, id="success-resets-count"),
        pytest.param("fffw", HALF_OPEN, True, id="half-open-after-reset"),
        pytest.param("fffwaf", OPEN, False, id="failed-trial-reopens"),
        pytest.param("fffwas", CLOSED, True, id="successful-trial-closes"),
    ],
)
def test_breaker_transitions(steps: str, state: str, allowed: bool) -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=3, reset_s=10.0, clock=clock)
    for step in steps:
        if step == "f":
            breaker.failure()
        elif step == "s":
            breaker.success()
        elif step == "w":
            clock.now += 10.0
        elif step == "a":
            assert breaker.allow()
    assert breaker.allow() is allowed
    assert breaker.state == state


def test_half_open_lets_one_trial_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, reset_s=5.0, clock=clock)
    breaker.failure()
    assert breaker.retry_after() == 5.0
    clock.now = 5.0
    assert [breaker.allow() for _ in range(3)] == [True, False, False]
