"""SLO error-budget burn rates, multi-window and multi-burn-rate (SRE Workbook, ch. 5).

Pure functions: no clock, no I/O. A window pair fires when the burn rate over *both* its
long and its short window exceeds its factor; the short window makes the alert reset soon
after the burn stops. Defaults: page at 14.4× over 1h & 5m and 6× over 6h & 30m; ticket at
1× over 3d & 6h.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from omninode_bridge.monitoring.config import BurnWindowSettings


@dataclass(frozen=True)
class BurnVerdict:
    window: BurnWindowSettings
    long_rate: float | None
    short_rate: float | None
    firing: bool


def error_ratio(errors: float | None, total: float | None) -> float | None:
    """Errors / total, or None when there was no traffic to judge."""
    if total is None or not math.isfinite(total) or total <= 0:
        return None
    if errors is None or not math.isfinite(errors):
        return 0.0  # no error series at all means no errors
    return errors / total


def burn_rate(ratio: float | None, objective: float) -> float | None:
    """How many times faster than sustainable the error budget is being spent."""
    return None if ratio is None else ratio / (1.0 - objective)


def windows_needed(windows: Iterable[BurnWindowSettings]) -> list[str]:
    """Every distinct window duration the given pairs need, in first-seen order."""
    seen: dict[str, None] = {}
    for w in windows:
        seen.setdefault(w.long)
        seen.setdefault(w.short)
    return list(seen)


def evaluate(
    ratios: Mapping[str, float | None],
    objective: float,
    windows: Iterable[BurnWindowSettings],
) -> list[BurnVerdict]:
    """One verdict per window pair, from the error ratio measured over each duration."""
    verdicts = []
    for w in windows:
        long_rate = burn_rate(ratios.get(w.long), objective)
        short_rate = burn_rate(ratios.get(w.short), objective)
        firing = (
            long_rate is not None
            and short_rate is not None
            and long_rate > w.factor
            and short_rate > w.factor
        )
        verdicts.append(BurnVerdict(w, long_rate, short_rate, firing))
    return verdicts
