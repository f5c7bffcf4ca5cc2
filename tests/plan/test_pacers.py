from __future__ import annotations

import math
from fractions import Fraction

import pytest

from omninode_bridge.plan.pacers import Pacer, Segment, constant, ramp_and_hold, spike


def exact_ramp_time(n: int, r0: Fraction, r1: Fraction, dur: Fraction) -> Fraction | float:
    """Reference: solve r0·t + (r1-r0)/(2·dur)·t² = n with exact arithmetic where possible."""
    slope = (r1 - r0) / dur
    if slope == 0:
        return Fraction(n) / r0
    disc = r0 * r0 + 2 * slope * n
    return float((-r0 + Fraction(math.sqrt(disc))) / slope)


@pytest.mark.parametrize(
    ("r0", "r1", "dur"),
    [(10, 500, 300), (0, 100, 10), (1000, 10, 20), (50, 50, 7)],
    ids=["ramp-up", "ramp-from-zero", "ramp-down", "flat"],
)
def test_ramp_matches_exact_integral(r0: int, r1: int, dur: int) -> None:
    pacer = Pacer([Segment(dur, r0, r1)])
    total = Fraction(r0 + r1, 2) * dur
    assert pacer.total_arrivals == math.ceil(total)  # every n below the area is due in time
    for n in range(0, pacer.total_arrivals, max(1, pacer.total_arrivals // 200)):
        got = pacer.arrival_time(n)
        want = float(exact_ramp_time(n, Fraction(r0), Fraction(r1), Fraction(dur)))
        assert got is not None
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9)


def test_count_in_any_second_matches_area_under_curve() -> None:
    pacer = ramp_and_hold(10, 500, 60, 10)
    times = [pacer.arrival_time(n) for n in range(pacer.total_arrivals)]
    assert all(t is not None for t in times)
    for second in (0, 10, 30, 59, 65):
        in_second = sum(1 for t in times if t is not None and second <= t < second + 1)
        expected = (pacer.rate(second) + pacer.rate(second + 1 - 1e-12)) / 2
        assert abs(in_second - expected) <= 1.0


def test_a_fractional_area_keeps_its_last_request() -> None:
    pacer = constant(0.5, 3)
    assert pacer.total_arrivals == 2
    assert [pacer.arrival_time(n) for n in range(3)] == [0.0, 2.0, None]
    assert pacer.mean_rate() == 0.5


def test_constant_has_no_drift() -> None:
    pacer = constant(2000, 3600)
    assert pacer.arrival_time(7_199_999) == pytest.approx(7_199_999 / 2000, abs=1e-9)
    assert pacer.arrival_time(7_200_000) is None


def test_times_are_monotonic_across_segments() -> None:
    pacer = spike(100, 1000, 2, 1, 2)
    times = [pacer.arrival_time(n) for n in range(pacer.total_arrivals)]
    assert times == sorted(times)
    assert pacer.total_arrivals == 100 * 2 + 1000 + 100 * 2
    assert pacer.rate(2.5) == 1000 and pacer.rate(0.5) == 100
