"""Stress analysis: breaking point, knee and per-step table of a ramping test.

Criteria are judged over sliding windows of ``window_s`` intervals (stride one interval):
a window's p50/p95/p99 are those of its intervals taken together (``windows.py``), its
error rate counts dropped requests as failures, its CPU is the service's peak.

- **breaking point**: the highest mean offered rate of a window in which every criterion
  held, among the windows before the final failing stretch (a transient failure earlier
  on does not hide a later pass; overload after the break does not count as a pass).
- **knee**: the mean offered rate of the first window that starts ``sustain`` windows in
  a row where achieved < ``follow`` x offered: where throughput stopped following.
- ``min_throughput`` is a whole-test criterion and is not judged per window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from omninode_bridge.analysis.windows import (
    chunks,
    dig,
    error_rate,
    mixture_quantile,
    num,
    rate,
    sliding,
)

Interval = Mapping[str, Any]
WINDOW_CRITERIA = {
    "max_response_time_p50": "p50",
    "max_response_time_p95": "p95",
    "max_response_time_p99": "p99",
    "max_error_rate": "error_rate",
    "max_cpu_usage": "cpu_max",
}


def window_stats(window: Sequence[Interval]) -> dict[str, float | None]:
    cpu = [num(dig(i, "resources", "cpu_percent")) for i in window]
    cpu_known = [c for c in cpu if c is not None]
    return {
        "offered_rps": rate(window, "target_rps"),
        "achieved_rps": rate(window, "achieved_rps"),
        "p50": mixture_quantile(window, 0.50),
        "p95": mixture_quantile(window, 0.95),
        "p99": mixture_quantile(window, 0.99),
        "error_rate": error_rate(window),
        "cpu_max": max(cpu_known) if cpu_known else None,
    }


def failing(stats: Mapping[str, float | None], criteria: Mapping[str, float | None]) -> list[str]:
    """Names of the window criteria that did not hold. A figure that was not measured
    (no completed request in the window) is not a failure: errors are judged separately."""
    out = []
    for name, limit in criteria.items():
        if limit is None or name not in WINDOW_CRITERIA:
            continue
        actual = stats[WINDOW_CRITERIA[name]]
        if actual is not None and actual > limit:
            out.append(name)
    return out


def _breaking(
    windows: Sequence[dict[str, Any]],
) -> tuple[float | None, str | None, bool]:
    last_fail = max((i for i, w in enumerate(windows) if w["failing"]), default=None)
    tail_start = last_fail
    while tail_start is not None and tail_start > 0 and windows[tail_start - 1]["failing"]:
        tail_start -= 1
    before = windows if tail_start is None else windows[:tail_start]
    passing = [w["offered_rps"] for w in before if not w["failing"] and w["offered_rps"]]
    first = None if tail_start is None else windows[tail_start]["failing"][0]
    return (max(passing) if passing else None), first, tail_start is not None


def _knee(windows: Sequence[dict[str, Any]], follow: float, sustain: int) -> float | None:
    lagging = [
        w["offered_rps"] is not None
        and w["achieved_rps"] is not None
        and w["achieved_rps"] < follow * w["offered_rps"]
        for w in windows
    ]
    for i in range(len(windows) - sustain + 1):
        if all(lagging[i : i + sustain]):
            offered: float = windows[i]["offered_rps"]
            return offered
    return None


def analyze_stress(
    intervals: Sequence[Interval],
    criteria: Mapping[str, float | None],
    window_s: int = 5,
    follow: float = 0.9,
    sustain: int = 3,
) -> dict[str, Any]:
    """``custom_metrics.stress`` of a stress test's intervals (see module docstring)."""
    windows = []
    for window in sliding(intervals, max(1, window_s)):
        stats = window_stats(window)
        windows.append({**stats, "failing": failing(stats, criteria)})
    breaking, first, broke = _breaking(windows)
    steps = [_step(chunk, criteria) for chunk in chunks(intervals, max(1, window_s))]
    achieved = [w["achieved_rps"] for w in windows if w["achieved_rps"] is not None]
    return {
        "breaking_point_rps": breaking,
        "knee_rps": _knee(windows, follow, sustain),
        "first_failing_criterion": first,
        "broke": broke,
        "max_achieved_rps": max(achieved) if achieved else None,
        "window_s": window_s,
        "limits": {k: v for k, v in criteria.items() if k in WINDOW_CRITERIA and v is not None},
        "steps": steps,
    }


def _step(chunk: Sequence[Interval], criteria: Mapping[str, float | None]) -> dict[str, Any]:
    stats = window_stats(chunk)
    return {
        "t": num(chunk[0].get("t")),
        "offered_rps": stats["offered_rps"],
        "achieved_rps": stats["achieved_rps"],
        "p50": stats["p50"],
        "p95": stats["p95"],
        "p99": stats["p99"],
        "error_rate": stats["error_rate"],
        "passed": not failing(stats, criteria),
    }


__all__ = ["analyze_stress", "window_stats"]
