"""The power simulation's calibration (benchmarks/regression_power.py): the moment-matching
fit recovers a known noise model from runs measured the way real runs are measured, and
the smallest-shift prediction agrees with direct simulation."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from tests.regression.synth import make_result

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import regression_power as rp

TRUTH = rp.Noise(median_ms=21.0, sigma=0.3, rho=0.4, interval_sd=0.08, run_sd=0.04)


@pytest.fixture(scope="module")
def fitted() -> dict[str, float]:
    runs = [
        rp.measure_run(make_result(100 + i, seconds=25, rate=rp.RATE, **vars(TRUTH)))
        for i in range(40)
    ]
    got: dict[str, float] = rp.fit(runs, 25)["calibrated"]
    return got


@pytest.mark.parametrize(
    ("key", "tolerance"),
    [("median_ms", 0.05), ("sigma", 0.1), ("interval_sd", 0.15), ("rho", 0.5), ("run_sd", 0.4)],
    ids=["median", "sigma", "per-second-sd", "autocorrelation", "per-run-sd"],
)
def test_fit_recovers_known_noise(fitted: dict[str, float], key: str, tolerance: float) -> None:
    """Relative error of each fitted parameter (40 synthetic runs of 25 s; per-run sd is
    the hardest: one value per run)."""
    want = getattr(TRUTH, key)
    assert abs(fitted[key] / want - 1) <= tolerance, (key, fitted[key], want)


def test_measure_run_marks_invalid_runs() -> None:
    got = rp.measure_run(make_result(7, seconds=10, valid=False))
    assert got["valid"] is False and got["invalid_reasons"]


@pytest.mark.parametrize(
    ("weak", "margin", "want"),
    [(10, -0.0198, 10), (11, -0.0198, 18), (100, 0.001, 15), (50, -math.inf, 10_000)],
    ids=["10pct-may-fail", "11pct-weak", "all-at-the-edge", "half-unusable"],
)
def test_predicted_smallest_shift(weak: int, margin: float, want: int) -> None:
    """100 pairs: ``weak`` of them with ``margin`` at +15 %, the rest with +0.05. At 90 %
    power up to 10 pairs may still fail, so the 90th-from-top margin decides."""
    out = [rp.PairOutcome(False, False, 0.0, 0.0, margin if i < weak else 0.05)
           for i in range(100)]  # fmt: skip
    assert rp.predicted_smallest(out) == want
