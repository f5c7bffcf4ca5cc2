"""``omninode-perf monitor F`` runs the production monitor; ``monitor rules [F]`` prints rules.

``omninode-perf monitor rules [F] > rules.yml`` writes the equivalent Prometheus recording
and alerting rules (check them with ``promtool check rules rules.yml``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from omninode_bridge.errors import UsageError
from omninode_bridge.monitoring.app import add_run_arguments, run_from_args
from omninode_bridge.monitoring.baseline import BaselineStore
from omninode_bridge.monitoring.config import MonitorConfig, PrometheusSettings, load_config
from omninode_bridge.monitoring.rules import render_rules


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "monitor",
        help="production performance monitor (Prometheus + Alertmanager)",
        description="omninode-perf monitor CONFIG [options] | omninode-perf monitor rules [CONFIG]",
    )
    parser.add_argument("config", metavar="CONFIG|rules", help="monitor config, or 'rules'")
    parser.add_argument("rules_config", nargs="?", metavar="CONFIG", help=argparse.SUPPRESS)
    add_run_arguments(parser)
    parser.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    if args.config == "rules":
        sys.stdout.write(rules_text(args.rules_config))
        return 0
    if args.rules_config is not None:
        raise UsageError(f"unexpected argument {args.rules_config!r}")
    return run_from_args(args.config, args)


def rules_text(config_path: str | None) -> str:
    if config_path is None:
        config = MonitorConfig(prometheus=PrometheusSettings(url="http://127.0.0.1:9090"))
        return render_rules(config)
    config = load_config(config_path)
    return render_rules(config, BaselineStore.load(config.baseline_file))
