"""A stand-in for the hook receiver's metrics: aiohttp + prometheus_client, same names.

``python -m tests.monitoring.exporter --port N`` serves ``POST /hooks`` (202), ``GET /health``,
``GET /metrics`` and ``POST /admin/faults {"delay_ms": N}``; prints ``LISTENING <port>``.
Metric names and labels follow docs/services-api.md.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.process_collector import ProcessCollector

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10)


def build_app(service: str) -> web.Application:
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    labels = ["service", "method", "route", "status"]
    duration = Histogram(
        "http_request_duration_seconds", "latency", labels, buckets=BUCKETS, registry=registry
    )
    total = Counter("http_requests_total", "requests", labels, registry=registry)
    faults = {"delay_ms": 0.0}

    async def hooks(_: web.Request) -> web.Response:
        started = time.perf_counter()
        if faults["delay_ms"]:
            await asyncio.sleep(faults["delay_ms"] / 1000)
        values = (service, "POST", "/hooks", "202")
        duration.labels(*values).observe(time.perf_counter() - started)
        total.labels(*values).inc()
        return web.json_response({"accepted": True}, status=202)

    async def admin(request: web.Request) -> web.Response:
        body = await request.json()
        faults["delay_ms"] = float(body.get("delay_ms", 0))
        return web.json_response(faults)

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "service": service})

    app = web.Application()
    app.router.add_post("/hooks", hooks)
    app.router.add_post("/admin/faults", admin)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/health", health)
    return app


async def main(port: int, service: str) -> None:
    runner = web.AppRunner(build_app(service), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    print(f"LISTENING {bound}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--service", default="hook_receiver")
    ns = parser.parse_args()
    asyncio.run(main(ns.port, ns.service))
