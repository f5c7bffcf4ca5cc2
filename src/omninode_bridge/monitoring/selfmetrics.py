"""The monitor's own Prometheus metrics and the tiny aiohttp server that exposes them."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class MonitorMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.loop_duration = Histogram(
            "omninode_monitor_loop_duration_seconds", "Duration of one loop evaluation",
            ["loop"], registry=r,
        )  # fmt: skip
        self.loop_runs = Counter(
            "omninode_monitor_loop_runs_total", "Loop evaluations by outcome",
            ["loop", "outcome"], registry=r,
        )  # fmt: skip
        self.query_errors = Counter(
            "omninode_monitor_query_errors_total", "Failed Prometheus queries",
            ["loop", "kind"], registry=r,
        )  # fmt: skip
        self.alerts_sent = Counter(
            "omninode_monitor_alerts_sent_total", "Alerts delivered",
            ["sink", "status"], registry=r,
        )  # fmt: skip
        self.delivery_errors = Counter(
            "omninode_monitor_alert_delivery_errors_total", "Failed alert deliveries",
            ["sink"], registry=r,
        )  # fmt: skip
        self.alerts_active = Gauge(
            "omninode_monitor_alerts_active", "Alerts currently firing", registry=r
        )
        self.degraded = Gauge(
            "omninode_monitor_degraded", "1 while any loop cannot query Prometheus", registry=r
        )


async def serve_metrics(metrics: MonitorMetrics, host: str, port: int) -> web.AppRunner:
    """Start ``GET /metrics`` on host:port; the caller cleans the runner up."""

    async def handle(_: web.Request) -> web.Response:
        body = generate_latest(metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
