"""Spike analysis: peak degradation and recovery time after a spike.

"Recovered" means p95 and the error rate are back within ``tolerance`` of the pre-spike
level and stay there for ``hold`` consecutive intervals. The pre-spike level is taken over
the pre-spike intervals after the first (connection warm-up). Because a 20% band around a
millisecond-scale p95 is narrower than scheduling noise, each limit also has an absolute
floor: ``min_slack_ms`` for p95 and ``min_slack_error`` for the error rate.

Sub-second resolution: the recovery instant falls inside the last bad interval. Its
position there is estimated from how much of that interval was still degraded: its mean
latency and error rate are mixtures of the degraded level (the interval before) and the
recovered level (the interval after), and the mixing weight is the degraded share.
Recovery time is measured from ``spike_end_s`` (null when the service never recovered
before the test ended).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from omninode_bridge.analysis.windows import (
    dig,
    duration_s,
    error_rate,
    mixture_cdf,
    mixture_quantile,
    num,
    start_s,
)

Interval = Mapping[str, Any]


def _max(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _pre(intervals: Sequence[Interval], pre_end_s: float) -> list[Interval]:
    pre = [i for i in intervals if start_s(i) + duration_s(i) <= pre_end_s + 1e-9]
    return pre[1:] if len(pre) > 2 else pre


class Limits:
    """What counts as "back to normal" for one interval."""

    def __init__(self, p95: float, err: float) -> None:
        self.p95, self.err = p95, err

    def ok(self, interval: Interval) -> bool:
        p95 = num(dig(interval, "latency_ms", "p95"))
        err = error_rate([interval])
        return (p95 is None or p95 <= self.p95) and (err is None or err <= self.err)


def _share(value: float | None, good: float | None, bad: float | None) -> float | None:
    """Where ``value`` sits between a good and a bad level, as a fraction in [0, 1]."""
    if value is None or good is None or bad is None or bad <= good:
        return None
    return min(1.0, max(0.0, (value - good) / (bad - good)))


def bad_fraction(last_bad: Interval, bad: Interval, good: Interval, limits: Limits) -> float:
    """Estimated share of ``last_bad`` that was still degraded.

    Its mean latency (and error rate) is a mixture of the degraded level (``bad``, the
    interval before it) and the recovered one (``good``, the interval after it); the
    mixing weight is the degraded share. Falls back to the share of requests above the
    p95 limit when means are missing.
    """
    shares = [
        _share(_mean(last_bad), _mean(good), _mean(bad)),
        _share(error_rate([last_bad]), error_rate([good]), error_rate([bad])),
    ]
    known = [s for s in shares if s is not None]
    if known:
        return max(known)
    below = mixture_cdf([last_bad], limits.p95)
    return 1.0 if below is None else 1.0 - below


def _mean(interval: Interval) -> float | None:
    return num(dig(interval, "latency_ms", "mean"))


def _recovery(
    intervals: Sequence[Interval], first_post: int, limits: Limits, spike_end_s: float, hold: int
) -> float | None:
    ok = [limits.ok(i) for i in intervals]
    for k in range(first_post, len(intervals) - hold + 1):
        if not all(ok[k : k + hold]):
            continue
        if k == first_post:
            return 0.0
        last_bad = intervals[k - 1]
        bad = intervals[k - 2] if k >= 2 else last_bad
        share = bad_fraction(last_bad, bad, intervals[k], limits)
        end = start_s(last_bad) + share * duration_s(last_bad)
        return max(0.0, end - spike_end_s)
    return None


def analyze_spike(
    intervals: Sequence[Interval],
    pre_end_s: float,
    spike_end_s: float,
    tolerance: float = 0.2,
    hold: int = 3,
    min_slack_ms: float = 5.0,
    min_slack_error: float = 0.005,
) -> dict[str, Any]:
    """``custom_metrics.spike`` (see module docstring); times in s, latencies in ms."""
    pre = _pre(intervals, pre_end_s)
    after = [i for i in intervals if start_s(i) + duration_s(i) > pre_end_s + 1e-9]
    post = [i for i in intervals if start_s(i) + duration_s(i) > spike_end_s + 1e-9]
    pre_p95, pre_err = mixture_quantile(pre, 0.95), error_rate(pre)
    peak_err = _max([error_rate([i]) for i in after])
    result: dict[str, Any] = {
        "recovery_time_s": None,
        "recovered": False,
        "peak_p95": _max([num(dig(i, "latency_ms", "p95")) for i in after]),
        "peak_p99": _max([num(dig(i, "latency_ms", "p99")) for i in after]),
        "peak_error_rate": peak_err,
        "pre_p95": pre_p95,
        "pre_error_rate": pre_err,
        "tolerance": tolerance,
        "post_duration_s": sum(duration_s(i) for i in post),
    }
    if pre_p95 is None:
        return result
    base_err = pre_err or 0.0
    limits = Limits(
        max(pre_p95 * (1 + tolerance), pre_p95 + min_slack_ms),
        max(base_err * (1 + tolerance), base_err + min_slack_error),
    )
    first_post = len(intervals) - len(post)
    recovery = _recovery(intervals, first_post, limits, spike_end_s, hold)
    result.update(
        recovery_time_s=recovery,
        recovered=recovery is not None,
        p95_limit=limits.p95,
        error_rate_limit=limits.err,
    )
    return result


__all__ = ["analyze_spike"]
