"""Running the monitor from a command line: overrides, signals, exit codes.

Shared by ``python -m omninode_bridge.monitoring`` and ``omninode-perf monitor``.
Exit codes: 0 stopped or a clean ``--once`` pass; 1 ``--once`` found firing alerts;
3 ``--once`` could not query Prometheus; 130/143 stopped by SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import Any

from omninode_bridge.cli.common import positive_duration_arg
from omninode_bridge.errors import ExitCode
from omninode_bridge.monitoring.config import Intervals, MonitorConfig, load_config
from omninode_bridge.monitoring.monitor import Monitor


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="one evaluation pass, then exit")
    parser.add_argument("--alert-webhook", metavar="URL", help="also post alerts to this URL")
    seconds = positive_duration_arg
    parser.add_argument("--interval", type=seconds, metavar="S", help="override every interval")
    parser.add_argument(
        "--resend-interval", type=seconds, metavar="S", help="re-post firing alerts this often"
    )
    parser.add_argument(
        "--backoff-max", type=seconds, metavar="S", help="longest wait between Prometheus retries"
    )
    parser.add_argument("--metrics-port", type=int, metavar="N", help="serve own /metrics")


def apply_overrides(config: MonitorConfig, args: argparse.Namespace) -> MonitorConfig:
    update: dict[str, Any] = {}
    am = config.alertmanager
    if args.alert_webhook:
        am = am.model_copy(update={"webhook": args.alert_webhook})
    if args.resend_interval:
        am = am.model_copy(update={"resend_interval_s": args.resend_interval})
    update["alertmanager"] = am
    if args.interval:
        fields = {name: args.interval for name in Intervals.model_fields}
        update["intervals"] = Intervals(**fields)
    if args.backoff_max:
        update["prometheus"] = config.prometheus.model_copy(
            update={"backoff_max_s": args.backoff_max}
        )
    if args.metrics_port is not None:
        update["self_metrics"] = config.self_metrics.model_copy(update={"port": args.metrics_port})
    return config.model_copy(update=update)


def run_from_args(config_path: str, args: argparse.Namespace) -> int:
    config = apply_overrides(load_config(config_path), args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    return asyncio.run(_main(config, args.once))


async def _main(config: MonitorConfig, once: bool) -> int:
    monitor = Monitor(config)
    try:
        if once:
            return await _once(monitor)
        return await _until_signal(monitor)
    finally:
        await monitor.close()


async def _once(monitor: Monitor) -> int:
    ok = await monitor.run_once()
    if not ok:
        return int(ExitCode.INVALID_RUN)
    return int(ExitCode.CRITERIA_FAILED if monitor.book.active() else ExitCode.OK)


async def _until_signal(monitor: Monitor) -> int:
    stop = asyncio.Event()
    received: list[int] = []
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        received.append(signum)
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    await monitor.run(stop)
    logging.getLogger("omninode_bridge.monitoring").info("monitor stopped")
    if not received:
        return int(ExitCode.OK)
    return int(ExitCode.SIGTERM if received[0] == signal.SIGTERM else ExitCode.SIGINT)
