"""One evaluation of each monitor loop: query Prometheus, run the detectors, return findings.

Each method raises :class:`~omninode_bridge.monitoring.prometheus.PrometheusError` when it
could not get its data; the loop runner (``monitor.py``) turns that into the degraded alert.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable

from omninode_bridge.monitoring import burnrate, detectors
from omninode_bridge.monitoring.alerts import Finding
from omninode_bridge.monitoring.baseline import LOWER_IS_BETTER, BaselineStore
from omninode_bridge.monitoring.config import MonitorConfig, SloSettings, duration_seconds
from omninode_bridge.monitoring.detectors import Limit, endpoint_key
from omninode_bridge.monitoring.prometheus import PrometheusClient


class Evaluators:
    def __init__(
        self,
        config: MonitorConfig,
        prom: PrometheusClient,
        baselines: BaselineStore,
        clock: Callable[[], float],
    ) -> None:
        self.config = config
        self.prom = prom
        self.baselines = baselines
        self.clock = clock

    def table(self) -> dict[str, Callable[[], object]]:
        """Loop name → evaluation coroutine function (names as in the seed)."""
        return {
            "health": self.health,
            "response_times": self.response_times,
            "throughput": self.throughput,
            "error_rates": self.error_rates,
            "resource_usage": self.resource_usage,
            "intelligence": self.intelligence,
            "regression": self.regression,
            "slo": self.slo,
        }

    async def values(self, template: str, require: bool = False) -> dict[str, float]:
        expr = self.config.promql(template)
        samples = await self.prom.query(expr, require_data=require)
        return {endpoint_key(s.labels): s.value for s in samples}

    async def health(self) -> list[Finding]:
        await self.values(self.config.queries.health, require=True)
        return []

    async def response_times(self) -> list[Finding]:
        p95 = await self.values(self.config.queries.p95, require=True)
        self._learn("p95_response_time", p95)
        factor = self.config.thresholds.p95_baseline_factor
        return detectors.check_p95_baseline(p95, self.baselines.values("p95_response_time"), factor)

    async def throughput(self) -> list[Finding]:
        rps = await self.values(self.config.queries.throughput)
        self._learn("throughput", rps)
        factor = self.config.thresholds.throughput_min_baseline_factor
        if factor is None:
            return []
        return detectors.check_throughput_floor(rps, self.baselines.values("throughput"), factor)

    async def error_rates(self) -> list[Finding]:
        rates = await self.values(self.config.queries.error_rate)
        limit = self.config.thresholds.error_rate
        if limit is None:
            return []
        rule = Limit("HighErrorRate", "warning", "error_rate", limit, "", "Error rate high")
        return detectors.check_above(rates, rule)

    async def resource_usage(self) -> list[Finding]:
        t, q, out = self.config.thresholds, self.config.queries, []
        cpu = await self.values(q.cpu_percent)
        mem = await self.values(q.memory_mb)
        if t.cpu_percent is not None:
            rule = Limit("HighCpuUsage", "warning", "cpu_percent", t.cpu_percent, "%", "CPU high")
            out += detectors.check_above(cpu, rule)
        if t.memory_mb is not None:
            rule = Limit("HighMemoryUsage", "warning", "memory_mb", t.memory_mb, " MB", "RSS high")
            out += detectors.check_above(mem, rule)
        return out

    async def intelligence(self) -> list[Finding]:
        t, q = self.config.thresholds, self.config.queries
        discovery = await self.values(q.pattern_discovery_s)
        processing = await self.values(q.event_processing_s)
        rules = detectors.intelligence_limits(t.pattern_discovery_s, t.event_processing_s)
        return detectors.check_above(discovery, rules[0]) + detectors.check_above(
            processing, rules[1]
        )

    async def regression(self) -> list[Finding]:
        r = self.config.regression
        if not r.enabled:
            return []
        findings: list[Finding] = []
        metrics = {"p95_response_time": self.config.queries.p95}
        metrics["error_rate"] = self.config.queries.error_rate
        changed = False
        for metric, template in metrics.items():
            previous, current = await self._periods(template)
            for key in sorted(current.keys() & previous.keys()):
                found = detectors.detect_regression(
                    key, metric, previous[key], current[key], p_threshold=r.p_value,
                    min_degradation_percent=r.min_degradation_percent,
                    higher_is_worse=LOWER_IS_BETTER[metric], min_samples=r.min_samples,
                )  # fmt: skip
                if found is not None:
                    findings.append(detectors.regression_finding(found))
            changed |= self._update_baselines(metric, current)
        if changed:
            self.baselines.save()
        return findings

    async def _periods(
        self, template: str
    ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
        r = self.config.regression
        window, offset = duration_seconds(r.window), duration_seconds(r.offset)
        step = duration_seconds(r.step)
        now = self.clock()
        expr = self.config.promql(template)
        out = []
        for end in (now - offset, now):
            series = await self.prom.query_range(expr, end - window, end, step)
            grouped: dict[str, list[float]] = defaultdict(list)
            for s in series:
                grouped[endpoint_key(s.labels)] += s.finite_values()
            out.append(dict(grouped))
        return out[0], out[1]

    def _update_baselines(self, metric: str, current: dict[str, list[float]]) -> bool:
        """Seed rule: move a baseline when the current period's mean is better."""
        if not self.config.regression.update_baseline:
            return False
        changed = False
        for key, values in current.items():
            if len(values) < self.config.regression.min_samples:
                continue
            mean = sum(values) / len(values)
            if detectors.improved(mean, self.baselines.get(key, metric), LOWER_IS_BETTER[metric]):
                self.baselines.set(key, metric, mean)
                changed = True
        return changed

    def _learn(self, metric: str, values: dict[str, float]) -> None:
        """Adopt first observations as baselines for endpoints that have none."""
        if not self.config.learn_missing_baselines:
            return
        new = {
            k: v
            for k, v in values.items()
            if math.isfinite(v) and v > 0 and self.baselines.get(k, metric) is None
        }
        for key, value in new.items():
            self.baselines.set(key, metric, value)
        if new:
            self.baselines.save()

    async def slo(self) -> list[Finding]:
        findings = []
        for slo in self.config.slos:
            ratios = {w: await self._ratio(slo, w) for w in burnrate.windows_needed(slo.windows)}
            verdicts = burnrate.evaluate(ratios, slo.objective, slo.windows)
            for severity in ("page", "ticket"):
                firing = [v for v in verdicts if v.firing and v.window.severity == severity]
                if firing:
                    findings.append(_burn_finding(slo, severity, firing))
        return findings

    async def _ratio(self, slo: SloSettings, window: str) -> float | None:
        errors = await self.prom.query(slo.query("errors", window))
        total = await self.prom.query(slo.query("total", window))
        return burnrate.error_ratio(
            errors[0].value if errors else None, total[0].value if total else None
        )


def _burn_finding(slo: SloSettings, severity: str, firing: list[burnrate.BurnVerdict]) -> Finding:
    worst = max(firing, key=lambda v: v.window.factor)
    summary = (
        f"SLO {slo.name} ({slo.objective:.4%}) of {slo.service}: error budget burning at "
        f"{worst.long_rate:.1f}x over {worst.window.long} and {worst.short_rate:.1f}x over "
        f"{worst.window.short} (threshold {worst.window.factor:g}x)"
    )
    return Finding("ErrorBudgetBurn", severity, slo.service, f"slo:{slo.name}", summary)
