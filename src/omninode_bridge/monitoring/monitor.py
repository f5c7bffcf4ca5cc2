"""The monitor's loops: run each evaluator on its interval, isolate failures, deliver alerts.

A loop that cannot query Prometheus (down, slow, HTTP/API error, empty result) backs off
exponentially (``backoff_initial_s`` doubling up to ``backoff_max_s``) and keeps its
alerts as they were. While any loop fails, one ``MonitoringDegraded`` alert fires; it
resolves when every failing loop succeeds again. A bug in one evaluator is logged and
treated like a failed query: it never stops the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from omninode_bridge.monitoring.alertmanager import (
    AlertDeliveryError,
    AlertmanagerSink,
    AlertPayload,
    AlertSink,
    WebhookSink,
)
from omninode_bridge.monitoring.alerts import AlertBook, Finding
from omninode_bridge.monitoring.baseline import BaselineStore
from omninode_bridge.monitoring.config import MonitorConfig
from omninode_bridge.monitoring.evaluators import Evaluators
from omninode_bridge.monitoring.prometheus import PrometheusClient, PrometheusError
from omninode_bridge.monitoring.selfmetrics import MonitorMetrics, serve_metrics

log = logging.getLogger("omninode_bridge.monitoring")

Evaluate = Callable[[], Awaitable[list[Finding]]]
DEGRADED_SCOPE = "monitoring"


def sinks_for(config: MonitorConfig) -> list[AlertSink]:
    am = config.alertmanager
    sinks: list[AlertSink] = []
    if am.url:
        sinks.append(AlertmanagerSink(am.url, am.timeout_s))
    if am.webhook:
        sinks.append(WebhookSink(am.webhook, am.timeout_s))
    return sinks


class Monitor:
    def __init__(
        self,
        config: MonitorConfig,
        sinks: Sequence[AlertSink] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.clock = clock
        self.sinks = list(sinks) if sinks is not None else sinks_for(config)
        self.prom = PrometheusClient(config.prometheus.url, config.prometheus.timeout_s)
        self.book = AlertBook(config.alertmanager.resend_interval_s, config.alert_log)
        self.baselines = BaselineStore.load(config.baseline_file)
        self.evaluators = Evaluators(config, self.prom, self.baselines, clock)
        self.metrics = MonitorMetrics()
        self.failures: dict[str, str] = {}  # loop → last error, while failing
        self._flush_lock = asyncio.Lock()

    def loops(self) -> dict[str, tuple[float, Evaluate]]:
        """Loop name → (interval in s, evaluator)."""
        iv = self.config.intervals
        intervals = {
            "health": iv.health_s, "response_times": iv.response_times_s,
            "throughput": iv.throughput_s, "error_rates": iv.error_rates_s,
            "resource_usage": iv.resource_usage_s, "intelligence": iv.intelligence_s,
            "regression": iv.regression_s, "slo": iv.slo_s,
        }  # fmt: skip
        table = self.evaluators.table()
        return {name: (intervals[name], table[name]) for name in table}  # type: ignore[misc]

    async def tick(self, name: str, evaluate: Evaluate) -> bool:
        """Run one evaluation of a loop, update alerts, return whether it succeeded."""
        started = time.perf_counter()
        try:
            findings = await evaluate()
        except PrometheusError as exc:
            self._failed(name, exc.kind, str(exc))
            return False
        except Exception as exc:  # a bug in one loop must not stop the others
            log.exception("loop %s crashed", name)
            self._failed(name, "internal", f"{type(exc).__name__}: {exc}")
            return False
        finally:
            self.metrics.loop_duration.labels(name).observe(time.perf_counter() - started)
        self.metrics.loop_runs.labels(name, "ok").inc()
        self.failures.pop(name, None)
        self.book.update(name, findings, self.clock())
        self._update_degraded()
        return True

    def _failed(self, name: str, kind: str, message: str) -> None:
        log.warning("loop %s failed (%s): %s", name, kind, message)
        self.metrics.loop_runs.labels(name, "error").inc()
        self.metrics.query_errors.labels(name, kind).inc()
        self.failures[name] = f"{kind}: {message}"
        self._update_degraded()

    def _update_degraded(self) -> None:
        findings = []
        if self.failures:
            detail = "; ".join(f"{k}: {v}" for k, v in sorted(self.failures.items()))
            summary = f"Performance monitoring degraded: {len(self.failures)} loop(s) failing"
            findings.append(
                Finding("MonitoringDegraded", "warning", "omninode-perf-monitor", "prometheus",
                        summary, detail[:1000])
            )  # fmt: skip
        self.metrics.degraded.set(1 if findings else 0)
        self.book.update(DEGRADED_SCOPE, findings, self.clock())

    async def flush(self) -> None:
        """Deliver due alerts to every sink; a failed delivery is retried on the next flush."""
        async with self._flush_lock:
            now = self.clock()
            due = self.book.outbox(now)
            self.metrics.alerts_active.set(len(self.book.active()))
            if not due or not self.sinks:
                self.book.mark_sent(due, now)
                return
            delivered = await asyncio.gather(*(self._deliver(s, due) for s in self.sinks))
            if any(delivered):
                self.book.mark_sent(due, now)

    async def _deliver(self, sink: AlertSink, alerts: Sequence[AlertPayload]) -> bool:
        try:
            await sink.send(alerts)
        except AlertDeliveryError as exc:
            log.warning("alert delivery to %s failed: %s", sink.name, exc)
            self.metrics.delivery_errors.labels(sink.name).inc()
            return False
        for alert in alerts:
            self.metrics.alerts_sent.labels(sink.name, alert.status).inc()
        return True

    async def run_once(self) -> bool:
        """Evaluate every loop once and deliver; True when every loop succeeded."""
        results = [await self.tick(name, ev) for name, (_, ev) in self.loops().items()]
        await self.flush()
        return all(results)

    async def run(self, stop: asyncio.Event) -> None:
        """Run all loops until ``stop`` is set."""
        runner = None
        sm = self.config.self_metrics
        if sm.port is not None:
            runner = await serve_metrics(self.metrics, sm.host, sm.port)
        tasks = [
            asyncio.create_task(self._loop(n, iv, ev, stop)) for n, (iv, ev) in self.loops().items()
        ]
        tasks.append(asyncio.create_task(self._flush_loop(stop)))
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if runner is not None:
                await runner.cleanup()

    async def _loop(
        self, name: str, interval: float, evaluate: Evaluate, stop: asyncio.Event
    ) -> None:
        failures = 0
        while not stop.is_set():
            ok = await self.tick(name, evaluate)
            await self.flush()
            failures = 0 if ok else failures + 1
            await _wait(stop, self._delay(interval, failures))

    def _delay(self, interval: float, failures: int) -> float:
        if failures == 0:
            return interval
        p = self.config.prometheus
        return float(min(p.backoff_initial_s * 2.0 ** min(failures - 1, 30), p.backoff_max_s))

    async def _flush_loop(self, stop: asyncio.Event) -> None:
        period = min(self.config.alertmanager.resend_interval_s / 2, 5.0)
        while not stop.is_set():
            await _wait(stop, period)
            await self.flush()

    async def close(self) -> None:
        await self.prom.close()
        for sink in self.sinks:
            await sink.close()


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
