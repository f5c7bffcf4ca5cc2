"""Multi-window multi-burn-rate verdicts (SRE Workbook defaults, 99.9 % SLO)."""

from __future__ import annotations

import pytest

from omninode_bridge.monitoring.burnrate import burn_rate, error_ratio, evaluate, windows_needed
from omninode_bridge.monitoring.config import DEFAULT_BURN_WINDOWS

OBJ = 0.999  # budget 0.001: a 1.44 % error ratio burns at 14.4x

CASES = [
    ("fast-burn-both-windows", {"1h": 0.015, "5m": 0.02}, ["page"]),
    ("fast-burn-over-but-short-recovered", {"1h": 0.015, "5m": 0.0001}, []),
    ("short-spike-only", {"1h": 0.001, "5m": 0.5}, []),
    ("slow-burn-6h", {"6h": 0.007, "30m": 0.0065}, ["page"]),
    ("just-below-6x", {"6h": 0.0059, "30m": 0.0059}, []),
    ("ticket-3d", {"3d": 0.0012, "6h": 0.0011}, ["ticket"]),
    ("no-traffic", {"1h": None, "5m": None, "6h": None, "30m": None, "3d": None}, []),
    ("everything-burning", dict.fromkeys(("1h", "5m", "6h", "30m", "3d"), 0.2),
     ["page", "page", "ticket"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("ratios", "severities"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_verdicts(ratios: dict[str, float | None], severities: list[str]) -> None:
    verdicts = evaluate(ratios, OBJ, DEFAULT_BURN_WINDOWS)
    assert [v.window.severity for v in verdicts if v.firing] == severities


@pytest.mark.parametrize(
    ("errors", "total", "ratio"),
    [(1, 100, 0.01), (None, 100, 0.0), (5, 0, None), (5, None, None), (float("nan"), 10, 0.0)],
    ids=["plain", "no-error-series", "zero-traffic", "no-traffic-series", "nan-errors"],
)
def test_error_ratio(errors: float | None, total: float | None, ratio: float | None) -> None:
    assert error_ratio(errors, total) == ratio


def test_burn_rate_and_windows() -> None:
    assert burn_rate(0.0144, OBJ) == pytest.approx(14.4)
    assert windows_needed(DEFAULT_BURN_WINDOWS) == ["1h", "5m", "6h", "30m", "3d"]
