"""Load shapes as pure pacers: arrival times from an exactly integrated rate curve.

A pacer is a piecewise-linear rate curve r(t). The n-th request (0-based) is due at the
time t where the area under r from 0 to t equals n, so ramps have no per-second batching
and nothing drifts. No clock, no I/O: the scheduler asks for absolute offsets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """A stretch of ``duration`` seconds whose rate moves linearly from start to end."""

    duration: float
    start_rps: float
    end_rps: float

    def arrivals(self) -> float:
        return (self.start_rps + self.end_rps) * self.duration / 2.0

    def rate_at(self, dt: float) -> float:
        if self.duration <= 0:
            return self.end_rps
        return self.start_rps + (self.end_rps - self.start_rps) * dt / self.duration

    def time_of(self, count: float) -> float:
        """Offset into the segment at which ``count`` arrivals have accumulated."""
        if count <= 0:
            return 0.0
        a = self.start_rps
        slope = (self.end_rps - self.start_rps) / self.duration if self.duration > 0 else 0.0
        if slope == 0.0:
            return count / a if a > 0 else math.inf
        # Solve a·t + slope·t²/2 = count in its cancellation-free form.
        disc = a * a + 2.0 * slope * count
        if disc < 0:
            return math.inf
        denom = a + math.sqrt(disc)
        return 2.0 * count / denom if denom > 0 else math.inf


class Pacer:
    """Arrival schedule over a sequence of segments."""

    def __init__(self, segments: list[Segment]) -> None:
        if not segments:
            raise ValueError("a pacer needs at least one segment")
        self.segments = tuple(segments)
        self._starts: list[float] = []
        self._cum: list[float] = []
        t = 0.0
        total = 0.0
        for seg in self.segments:
            self._starts.append(t)
            self._cum.append(total)
            t += seg.duration
            total += seg.arrivals()
        self.duration = t
        self.area = total
        # Request n is due where the area reaches n, so the window holds every n < area:
        # 0.5 req/s for 3 s is two requests (t = 0 and t = 2), not one.
        self.total_arrivals = max(0, math.ceil(total - 1e-9))

    def rate(self, t: float) -> float:
        for start, seg in zip(self._starts, self.segments, strict=True):
            if t < start + seg.duration:
                return seg.rate_at(max(0.0, t - start))
        return self.segments[-1].end_rps

    def arrival_time(self, n: int) -> float | None:
        """Seconds from the start at which request ``n`` (0-based) is due; None past the end."""
        if n >= self.total_arrivals or n < 0:
            return None
        for i in range(len(self.segments) - 1, -1, -1):
            if n >= self._cum[i] - 1e-9:
                seg = self.segments[i]
                offset = seg.time_of(n - self._cum[i])
                if offset <= seg.duration + 1e-9:
                    return self._starts[i] + min(offset, seg.duration)
        return None

    def mean_rate(self) -> float:
        """The curve's mean rate, as configured (not rounded to whole requests)."""
        return self.area / self.duration if self.duration > 0 else 0.0


def constant(rps: float, duration: float) -> Pacer:
    return Pacer([Segment(duration, rps, rps)])


def ramp_and_hold(start_rps: float, max_rps: float, ramp_s: float, hold_s: float) -> Pacer:
    segments = [Segment(ramp_s, start_rps, max_rps)]
    if hold_s > 0:
        segments.append(Segment(hold_s, max_rps, max_rps))
    return Pacer(segments)


def spike(base_rps: float, spike_rps: float, pre_s: float, spike_s: float, post_s: float) -> Pacer:
    return Pacer(
        [
            Segment(pre_s, base_rps, base_rps),
            Segment(spike_s, spike_rps, spike_rps),
            Segment(post_s, base_rps, base_rps),
        ]
    )
