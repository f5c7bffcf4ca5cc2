"""Test type → load shape: the pacer of the open model, with the phase boundaries.

A constant-rate test (load, volume, endurance, or any test in the closed model) may have a
``warmup``: that many whole seconds at the test's own rate run first and are left out of
every figure; ``phases`` and ``planned_s`` count them, the measured run starts after them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from omninode_bridge.config import TestConfig
from omninode_bridge.plan.pacers import Pacer, constant, ramp_and_hold, spike


@dataclass(frozen=True)
class Shape:
    pacer: Pacer | None  # None: closed model
    planned_s: float
    phases: dict[str, float]  # named boundaries in seconds from the start
    warmup_s: float = 0.0  # unmeasured lead-in, whole seconds, included in planned_s

    @property
    def measured_s(self) -> float:
        return self.planned_s - self.warmup_s


def scaled(seconds: float, scale: float) -> float:
    return max(1.0, seconds * scale) if seconds > 0 else 0.0


def warmup_seconds(test: TestConfig, scale: float = 1.0) -> float:
    """The test's warm-up, scaled and rounded up to whole seconds (interval boundaries)."""
    return float(math.ceil(scaled(test.warmup, scale)))


def shape_of(test: TestConfig, scale: float = 1.0) -> Shape:
    if test.model == "open" and test.type == "stress":
        ramp, hold = scaled(test.ramp_duration, scale), scaled(test.hold_duration, scale)
        pacer = ramp_and_hold(test.start_rps, test.max_rps, ramp, hold)
        return Shape(pacer, ramp + hold, {"ramp_end": ramp, "end": ramp + hold})
    if test.model == "open" and test.type == "spike":
        pre = scaled(test.pre_duration, scale)
        spk = scaled(test.spike_duration, scale)
        post = scaled(test.post_duration, scale)
        assert test.base_rps is not None and test.spike_rps is not None  # validated
        pacer = spike(test.base_rps, test.spike_rps, pre, spk, post)
        return Shape(pacer, pre + spk + post, {"pre_end": pre, "spike_end": pre + spk})
    # constant rate: the closed model, or open-model load/volume/endurance
    warm = warmup_seconds(test, scale)
    planned = warm + scaled(test.duration, scale)
    if test.model == "closed":
        return Shape(None, planned, {"end": planned}, warm)
    assert test.target_rps is not None  # validated for open-model load/volume/endurance
    return Shape(constant(test.target_rps, planned), planned, {"end": planned}, warm)
