"""Pure detection logic of the production monitor: values in, :class:`Finding` s out.

- the seed rules: p95 above 1.5× its baseline → warning; mean pattern discovery above
  10 s → warning; mean event processing above 1 s → critical (limits configurable);
- plain limits (error rate, CPU, memory) and a throughput floor relative to the baseline;
- day-over-day regression: one-sided Mann-Whitney U (current stochastically worse than
  previous) at p < 0.05 *and* a mean degradation above 10 %, as in the seed;
- which baselines to move when performance improved.

No clock, no I/O: values arrive as ``{key: value}`` maps keyed by :func:`endpoint_key`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from omninode_bridge.monitoring.alerts import Finding
from omninode_bridge.monitoring.prometheus import Labels

Values = Mapping[str, float]


def endpoint_key(labels: Labels) -> str:
    """``service METHOD route`` for per-endpoint series, ``service`` for per-service ones."""
    d = dict(labels)
    parts = [d.get("service", d.get("job", ""))] + [d[k] for k in ("method", "route") if k in d]
    return " ".join(p for p in parts if p) or "all"


def service_of(key: str) -> str:
    return key.split(" ", 1)[0]


def check_p95_baseline(p95_ms: Values, baseline_ms: Values, factor: float) -> list[Finding]:
    out = []
    for key, value in p95_ms.items():
        base = baseline_ms.get(key, 0.0)
        if base > 0 and math.isfinite(value) and value > base * factor:
            out.append(
                Finding(
                    "ResponseTimeDegradation", "warning", service_of(key), "p95_response_time",
                    f"Endpoint {key} P95 response time increased "
                    f"from {base:.1f}ms to {value:.1f}ms",
                    f"p95 {value:.1f} ms > {factor:g} x baseline {base:.1f} ms",
                    (("endpoint", key),),
                )
            )  # fmt: skip
    return out


@dataclass(frozen=True)
class Limit:
    alertname: str
    severity: str
    metric: str
    limit: float
    unit: str
    title: str


def check_above(values: Values, rule: Limit) -> list[Finding]:
    """One finding per key whose finite value exceeds the rule's limit."""
    return [
        Finding(
            rule.alertname, rule.severity, service_of(key), rule.metric,
            f"{rule.title}: {key} {value:.3g}{rule.unit} (threshold: {rule.limit:g}{rule.unit})",
            extra_labels=(("endpoint", key),) if " " in key else (),
        )
        for key, value in values.items()
        if math.isfinite(value) and value > rule.limit
    ]  # fmt: skip


def intelligence_limits(discovery_s: float, processing_s: float) -> tuple[Limit, Limit]:
    """Seed rules: pattern discovery above 10 s warns; event processing above 1 s is critical."""
    return (
        Limit("PatternDiscoverySlow", "warning", "pattern_discovery_time", discovery_s, " s",
              "Pattern discovery time"),
        Limit("EventProcessingSlow", "critical", "event_processing_latency", processing_s, " s",
              "Event processing latency"),
    )  # fmt: skip


def check_throughput_floor(rps: Values, baseline_rps: Values, factor: float) -> list[Finding]:
    out = []
    for key, value in rps.items():
        base = baseline_rps.get(key, 0.0)
        if base > 0 and math.isfinite(value) and value < base * factor:
            summary = f"Endpoint {key} throughput fell from {base:.1f}/s to {value:.1f}/s"
            labels = (("endpoint", key),)
            out.append(
                Finding(
                    "ThroughputDrop",
                    "warning",
                    service_of(key),
                    "throughput",
                    summary,
                    extra_labels=labels,
                )
            )
    return out


@dataclass(frozen=True)
class Regression:
    key: str
    metric: str
    degradation_percent: float
    p_value: float
    current_mean: float
    previous_mean: float


def detect_regression(
    key: str,
    metric: str,
    previous: Sequence[float],
    current: Sequence[float],
    *,
    p_threshold: float = 0.05,
    min_degradation_percent: float = 10.0,
    higher_is_worse: bool = True,
    min_samples: int = 10,
) -> Regression | None:
    """A regression when current is worse at p < threshold and by more than the min %."""
    prev = _finite(previous)
    cur = _finite(current)
    if len(prev) < min_samples or len(cur) < min_samples:
        return None
    alternative = "less" if higher_is_worse else "greater"
    p_value = float(stats.mannwhitneyu(prev, cur, alternative=alternative).pvalue)
    prev_mean, cur_mean = float(np.mean(prev)), float(np.mean(cur))
    if prev_mean == 0:
        return None
    change = (cur_mean - prev_mean) / abs(prev_mean) * 100.0
    degradation = change if higher_is_worse else -change
    if p_value < p_threshold and degradation > min_degradation_percent:
        return Regression(key, metric, degradation, p_value, cur_mean, prev_mean)
    return None


def regression_finding(r: Regression) -> Finding:
    return Finding(
        "PerformanceRegression", "warning", service_of(r.key), r.metric,
        f"Metric {r.metric} of {r.key} degraded by {r.degradation_percent:.1f}%",
        f"mean {r.previous_mean:.4g} -> {r.current_mean:.4g}, Mann-Whitney U p={r.p_value:.2g}",
        (("endpoint", r.key),),
    )  # fmt: skip


def improved(current: float, baseline: float | None, lower_is_better: bool = True) -> bool:
    """Whether ``current`` should replace ``baseline`` (missing baselines are replaced)."""
    if not math.isfinite(current):
        return False
    if baseline is None:
        return True
    return current < baseline if lower_is_better else current > baseline


def _finite(values: Sequence[float]) -> npt.NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    finite: npt.NDArray[np.float64] = arr[np.isfinite(arr)]
    return finite
