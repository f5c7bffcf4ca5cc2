"""Test type → load shape: the pacer of the open model, with the phase boundaries."""

from __future__ import annotations

from dataclasses import dataclass

from omninode_bridge.config import TestConfig
from omninode_bridge.plan.pacers import Pacer, constant, ramp_and_hold, spike


@dataclass(frozen=True)
class Shape:
    pacer: Pacer | None  # None: closed model
    planned_s: float
    phases: dict[str, float]  # named boundaries in seconds from the start


def scaled(seconds: float, scale: float) -> float:
    return max(1.0, seconds * scale) if seconds > 0 else 0.0


def shape_of(test: TestConfig, scale: float = 1.0) -> Shape:
    if test.model == "closed":
        duration = scaled(test.duration, scale)
        return Shape(None, duration, {"end": duration})
    if test.type == "stress":
        ramp, hold = scaled(test.ramp_duration, scale), scaled(test.hold_duration, scale)
        pacer = ramp_and_hold(test.start_rps, test.max_rps, ramp, hold)
        return Shape(pacer, ramp + hold, {"ramp_end": ramp, "end": ramp + hold})
    if test.type == "spike":
        pre = scaled(test.pre_duration, scale)
        spk = scaled(test.spike_duration, scale)
        post = scaled(test.post_duration, scale)
        assert test.base_rps is not None and test.spike_rps is not None  # validated
        pacer = spike(test.base_rps, test.spike_rps, pre, spk, post)
        return Shape(pacer, pre + spk + post, {"pre_end": pre, "spike_end": pre + spk})
    duration = scaled(test.duration, scale)
    assert test.target_rps is not None  # validated for open-model load/volume/endurance
    return Shape(constant(test.target_rps, duration), duration, {"end": duration})
