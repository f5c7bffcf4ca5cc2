"""Verdicts: current runs against baseline runs, per test, per endpoint, per metric.

Owns the decision rules (documented in docs/regression.md):

- metrics p50 p90 p95 p99 (latency from the intended start), throughput, error_rate;
- one run per side (or too few runs for rank tests): block bootstrap over the per-second
  interval histograms; ``min_runs`` or more runs on each side: runs are the unit
  (Mann-Whitney U, Hodges-Lehmann interval);
- one-sided questions: bounds are one-sided at ``confidence`` (the 5th / 95th percentiles
  for 95 %), and Benjamini-Hochberg runs over every metric judged, separately for the
  "worse" and the "better" family; then per metric:
  REGRESSION (rejected, lower bound beyond ``1 + threshold`` on the bad side), IMPROVEMENT
  (the mirror), PASS (the interval rules out a change beyond the threshold), INCONCLUSIVE
  (too wide to decide; reports the minimum detectable effect), INVALID (a run on either
  side is invalid: it can neither pass nor fail);
- validity gate: a quantile q is judged only with n·(1−q) ≥ 100 samples per side.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from omninode_bridge.errors import ExitCode
from omninode_bridge.regression import stats
from omninode_bridge.regression.loader import IntervalData, TestRun, endpoint_names, interval_data

METRICS = ("p50", "p90", "p95", "p99", "throughput", "error_rate")
QUANTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99}
SIGN = {"p50": 1, "p90": 1, "p95": 1, "p99": 1, "throughput": -1, "error_rate": 1}
MIN_TAIL_SAMPLES = 100
MIN_INTERVALS = 5


class Verdict(enum.StrEnum):
    REGRESSION = "REGRESSION"
    IMPROVEMENT = "IMPROVEMENT"
    INCONCLUSIVE = "INCONCLUSIVE"
    PASS = "PASS"
    INVALID = "INVALID"


@dataclass(frozen=True)
class Settings:
    """Thresholds are fractions (0.10 = 10 %); ``metric_thresholds`` override per metric."""

    threshold: float = 0.10
    metric_thresholds: Mapping[str, float] = field(default_factory=dict)
    confidence: float = 0.95
    n_boot: int = 2000
    block_len: int | None = None
    min_runs: int = 3
    power: float = 0.9
    seed: int = 0
    resolution: float = 0.002

    def threshold_for(self, metric: str) -> float:
        return float(self.metric_thresholds.get(metric, self.threshold))


@dataclass(frozen=True)
class MetricResult:
    test: str
    endpoint: str | None
    metric: str
    verdict: Verdict
    threshold: float
    baseline: float | None = None
    current: float | None = None
    ratio: float | None = None
    low: float | None = None
    high: float | None = None
    confidence: float | None = None
    p_value: float | None = None
    mde: float | None = None
    method: str = ""
    n_baseline: int = 0
    n_current: int = 0
    runs_baseline: int = 0
    runs_current: int = 0
    reason: str = ""


@dataclass(frozen=True)
class Comparison:
    results: list[MetricResult]
    notes: list[str]
    settings: Settings

    def count(self, verdict: Verdict) -> int:
        return sum(1 for r in self.results if r.verdict is verdict)

    def exit_code(self, fail_on_inconclusive: bool = False) -> ExitCode:
        """1 on any regression; else 3 if anything is INVALID; else 1 on INCONCLUSIVE
        with ``fail_on_inconclusive``; else 0."""
        if self.count(Verdict.REGRESSION):
            return ExitCode.CRITERIA_FAILED
        if self.count(Verdict.INVALID):
            return ExitCode.INVALID_RUN
        if fail_on_inconclusive and self.count(Verdict.INCONCLUSIVE):
            return ExitCode.CRITERIA_FAILED
        return ExitCode.OK

    @property
    def overall(self) -> Verdict:
        for v in (Verdict.REGRESSION, Verdict.INVALID, Verdict.INCONCLUSIVE):
            if self.count(v):
                return v
        return Verdict.IMPROVEMENT if self.count(Verdict.IMPROVEMENT) else Verdict.PASS


@dataclass
class _Pending:
    """A metric that entered the BH family; ``at`` recomputes its interval at a level."""

    base: MetricResult
    estimate: stats.RatioEstimate
    at: Callable[[float], stats.RatioEstimate]


def compare(
    baseline: Sequence[TestRun], current: Sequence[TestRun], settings: Settings | None = None
) -> Comparison:
    """Compare every test present on both sides."""
    settings = settings or Settings()
    pairs, notes = match_tests(baseline, current)
    done: list[MetricResult] = []
    pending: list[_Pending] = []
    for name, (b_runs, c_runs) in pairs.items():
        for scope in [None, *_shared_endpoints(b_runs, c_runs)]:
            d, p = _judge_scope(name, scope, b_runs, c_runs, settings)
            done += d
            pending += p
    results = sorted(done + _decide(pending, settings), key=_order)
    return Comparison(results, notes, settings)


def _order(r: MetricResult) -> tuple[str, str, int]:
    return r.test, r.endpoint or "", METRICS.index(r.metric)


def match_tests(
    baseline: Sequence[TestRun], current: Sequence[TestRun]
) -> tuple[dict[str, tuple[list[TestRun], list[TestRun]]], list[str]]:
    """Group runs by test; a bare TestResult (no suite) matches by test name alone."""
    pairs: dict[str, tuple[list[TestRun], list[TestRun]]] = {}
    notes: list[str] = []
    for run in current:
        b = [r for r in baseline if r.key == run.key] or [
            r for r in baseline if r.test_name == run.test_name and not (r.suite and run.suite)
        ]
        if not b:
            notes.append(f"{run.key}: no baseline for this test; not compared")
            continue
        slot = pairs.setdefault(run.key, (b, []))
        slot[1].append(run)
    current_names = {r.test_name for r in current}
    for key in sorted({r.key for r in baseline if r.test_name not in current_names}):
        notes.append(f"{key}: in the baseline but not in the current results")
    return pairs, notes


def _shared_endpoints(b_runs: list[TestRun], c_runs: list[TestRun]) -> list[str]:
    b = set.intersection(*(set(endpoint_names(r)) for r in b_runs))
    c = set.intersection(*(set(endpoint_names(r)) for r in c_runs))
    return sorted(b & c)


def _judge_scope(
    name: str, scope: str | None, b_runs: list[TestRun], c_runs: list[TestRun], s: Settings
) -> tuple[list[MetricResult], list[_Pending]]:
    base = {
        m: MetricResult(
            name, scope, m, Verdict.INCONCLUSIVE, s.threshold_for(m),
            runs_baseline=len(b_runs), runs_current=len(c_runs),
        )
        for m in METRICS
    }  # fmt: skip
    invalid = [f"{r.source}: {'; '.join(r.invalid_reasons) or 'marked invalid'}"
               for r in (*b_runs, *c_runs) if not r.valid]  # fmt: skip
    if invalid:
        reason = "invalid run: " + " | ".join(invalid)
        return [replace(r, verdict=Verdict.INVALID, reason=reason) for r in base.values()], []
    b_data = [interval_data(r, scope) for r in b_runs]
    c_data = [interval_data(r, scope) for r in c_runs]
    return _estimate_all(base, b_data, c_data, s)


def _estimate_all(
    base: dict[str, MetricResult],
    b_data: list[IntervalData],
    c_data: list[IntervalData],
    s: Settings,
) -> tuple[list[MetricResult], list[_Pending]]:
    grid, b_runs, c_runs = _to_runs(b_data, c_data, s.resolution)
    use_mwu = min(len(b_runs), len(c_runs)) >= s.min_runs
    short = min(r.n_intervals for r in (*b_runs, *c_runs))
    if not use_mwu and short < MIN_INTERVALS:
        why = f"only {short} per-second intervals in a run; need {MIN_INTERVALS}"
        return [replace(r, reason=why) for r in base.values()], []
    estimators = (
        _mwu_estimators(b_runs, c_runs, grid, s)
        if use_mwu
        else _bootstrap_estimators(b_runs, c_runs, grid, s)
    )
    done: list[MetricResult] = []
    pending: list[_Pending] = []
    for m in METRICS:
        res = _fill_counts(base[m], b_runs, c_runs, grid, use_mwu)
        gate = _gate(m, res)
        if gate:
            done.append(replace(res, reason=gate))
            continue
        at = estimators[m]
        pending.append(_Pending(res, at(s.confidence), at))
    return done, pending


def _to_runs(
    b_data: list[IntervalData], c_data: list[IntervalData], resolution: float
) -> tuple[np.ndarray, list[stats.Run], list[stats.Run]]:
    hists = [h for d in (*b_data, *c_data) for h in d.hists]
    grid, mapped = stats.common_grid(hists, resolution)
    runs: list[stats.Run] = []
    i = 0
    for d in (*b_data, *c_data):
        rows = mapped[i : i + len(d.hists)]
        i += len(d.hists)
        counts = np.vstack(rows) if rows else np.zeros((0, grid.size))
        runs.append(
            stats.Run(counts, np.array(d.requests), np.array(d.errors), np.array(d.durations))
        )
    return grid, runs[: len(b_data)], runs[len(b_data) :]


def _fill_counts(
    r: MetricResult, b: list[stats.Run], c: list[stats.Run], grid: np.ndarray, per_run: bool
) -> MetricResult:
    """Sample counts for the gate (per run when runs are the unit) and point values."""
    pick = min if per_run else sum
    nb = int(pick(x.n_samples for x in b))
    nc = int(pick(x.n_samples for x in c))
    return replace(
        r, n_baseline=nb, n_current=nc, baseline=_point(r.metric, b, grid),
        current=_point(r.metric, c, grid),
    )  # fmt: skip


def _point(metric: str, runs: list[stats.Run], grid: np.ndarray) -> float | None:
    req = sum(float(r.requests.sum()) for r in runs)
    if metric in QUANTILES:
        total = sum((r.counts.sum(axis=0) for r in runs), np.zeros(grid.size))
        value = float(stats.quantiles_of(total, grid, [QUANTILES[metric]])[0]) / 1000.0
        return None if math.isnan(value) else value
    if metric == "throughput":
        return req / max(sum(float(r.durations.sum()) for r in runs), 1e-12)
    return sum(float(r.errors.sum()) for r in runs) / req if req else None


def _gate(metric: str, r: MetricResult) -> str:
    n = min(r.n_baseline, r.n_current)
    if metric in QUANTILES:
        need = math.ceil(MIN_TAIL_SAMPLES / (1 - QUANTILES[metric]) - 1e-9)
        if n < need:
            return f"too few samples to judge {metric}: n={n}, need n·(1−q) ≥ 100 (n ≥ {need})"
    elif r.baseline is None or r.current is None:
        return "no requests on one side"
    return ""


Estimator = Callable[[float], stats.RatioEstimate]


def _bootstrap_estimators(
    b: list[stats.Run], c: list[stats.Run], grid: np.ndarray, s: Settings
) -> dict[str, Estimator]:
    rng = np.random.default_rng(s.seed)
    qs = [QUANTILES[m] for m in METRICS if m in QUANTILES]
    block = s.block_len or block_length([*b, *c], grid, qs)
    sb = stats.side_stats(b, grid, qs, s.n_boot, block, rng)
    sc = stats.side_stats(c, grid, qs, s.n_boot, block, rng)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = {m: np.log(sc.quantiles[:, j] / sb.quantiles[:, j]) for j, m in enumerate(QUANTILES)}
        logs["throughput"] = np.log(sc.throughput / sb.throughput)
        floor = stats.ERROR_RATE_FLOOR
        logs["error_rate"] = np.log((sc.error_rate + floor) / (sb.error_rate + floor))
    return {m: _boot_at(logs[m], m, s) for m in METRICS}


def block_length(runs: Sequence[stats.Run], grid: np.ndarray, qs: Sequence[float]) -> int:
    """Automatic block length: Politis-White on each run's per-second log quantile
    series; the largest over quantiles of the median over runs, at most the shortest run."""
    per_q: list[float] = []
    for j in range(len(qs)):
        lengths = []
        for r in runs:
            with np.errstate(divide="ignore"):
                series = np.log(stats.quantiles_of(r.counts, grid, qs)[:, j])
            lengths.append(stats.auto_block_length(series))
        per_q.append(float(np.median(lengths)))
    n_min = min(r.n_intervals for r in runs)
    return int(min(max(1, math.ceil(max(per_q, default=1.0))), n_min))


def _boot_at(log_ratios: np.ndarray, m: str, s: Settings) -> Estimator:
    return lambda conf: stats.ratio_from_replicates(log_ratios, SIGN[m], s.threshold_for(m), conf)


def _mwu_estimators(
    b: list[stats.Run], c: list[stats.Run], grid: np.ndarray, s: Settings
) -> dict[str, Estimator]:
    floor = stats.ERROR_RATE_FLOOR

    def values(runs: list[stats.Run], m: str) -> list[float]:
        v = [_point(m, [r], grid) for r in runs]
        return [(x or 0.0) + floor if m == "error_rate" else x or math.nan for x in v]

    def make(m: str) -> Estimator:
        bv, cv = values(b, m), values(c, m)
        return lambda conf: stats.mann_whitney_ratio(bv, cv, SIGN[m], s.threshold_for(m), conf)

    return {m: make(m) for m in METRICS}


def _decide(pending: list[_Pending], s: Settings) -> list[MetricResult]:
    """Two one-sided families, each under Benjamini-Hochberg at ``1 − confidence``:
    "worse by more than the threshold" (REGRESSION) and "better by more" (IMPROVEMENT).
    Selected metrics get their bounds at the Benjamini-Yekutieli level ``1 − R·α/m``."""
    alpha = 1 - s.confidence
    m = max(len(pending), 1)
    p_reg = [p.estimate.p_regression for p in pending]
    p_imp = [p.estimate.p_improvement for p in pending]
    reg, r_reg = stats.benjamini_hochberg(p_reg, alpha)
    imp, r_imp = stats.benjamini_hochberg(p_imp, alpha)
    out: list[MetricResult] = []
    for i, p in enumerate(pending):
        if reg[i] or imp[i]:
            level = 1 - (r_reg if reg[i] else r_imp) * alpha / m
            est, pv = p.at(level), p_reg[i] if reg[i] else p_imp[i]
        else:
            level, est, pv = s.confidence, p.estimate, min(p_reg[i], p_imp[i])
        out.append(_verdict(p.base, est, pv, (reg[i], imp[i]), level, s))
    return out


def _verdict(
    r: MetricResult,
    e: stats.RatioEstimate,
    p: float,
    rejected: tuple[bool, bool],
    level: float,
    s: Settings,
) -> MetricResult:
    """``rejected`` = (regression family, improvement family). The verdict also needs the
    one-sided bound itself beyond the threshold, so REGRESSION always means that."""
    sign = SIGN[r.metric]
    bound = math.log1p(r.threshold)
    ok = e.low > 0 and math.isfinite(e.high)
    worst = sign * math.log(e.high if sign > 0 else e.low) if ok else math.inf
    best = sign * math.log(e.low if sign > 0 else e.high) if ok else -math.inf
    mde = stats.minimum_detectable_effect(e.se_log, r.threshold, 1 - s.confidence, s.power)
    r = replace(
        r, ratio=e.ratio, low=e.low, high=e.high, confidence=level, p_value=p,
        mde=mde, method=e.method,
    )  # fmt: skip
    if rejected[0] and best > bound:
        return replace(r, verdict=Verdict.REGRESSION, reason=_beyond(r, "worse"))
    if rejected[1] and worst < -bound:
        return replace(r, verdict=Verdict.IMPROVEMENT, reason=_beyond(r, "better"))
    if worst <= bound:
        return replace(r, verdict=Verdict.PASS, reason="interval rules out a regression")
    why = f"interval too wide to decide; detectable change at {s.power:.0%} power ≈ {mde:+.1%}"
    return replace(r, verdict=Verdict.INCONCLUSIVE, reason=why)


def _beyond(r: MetricResult, word: str) -> str:
    return f"{word} than the ±{r.threshold:.0%} threshold at {r.confidence:.1%} (one-sided)"
