"""``omninode-perf run`` / ``python -m omninode_bridge.testing.performance``: run a suite."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import Any

import uvloop

from omninode_bridge.cli.common import duration_arg, output_dir_arg, positive_float, workers_arg
from omninode_bridge.cli.exports import export_formats
from omninode_bridge.config import Config, load_config
from omninode_bridge.errors import ExitCode
from omninode_bridge.scenarios.expressions import check_expressions
from omninode_bridge.scenarios.suite import SuiteOptions, run_suite

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def add_run_arguments(parser: argparse.ArgumentParser, config_positional: bool) -> None:
    if config_positional:
        parser.add_argument("config", help="YAML config (the seed's format)")
    else:
        parser.add_argument("--config", required=True, help="YAML config (the seed's format)")
    parser.add_argument("--suite", help="suite to run (default: the only one in the config)")
    parser.add_argument(
        "--output-dir",
        default="performance_results",
        type=output_dir_arg,
        help="where the report JSON and interval streams go (default: %(default)s)",
    )
    parser.add_argument(
        "--recovery-time",
        type=duration_arg,
        default=None,
        help="override every test's recovery_time between tests, e.g. 0 or 5s",
    )
    parser.add_argument(
        "--duration-scale",
        type=positive_float,
        default=1.0,
        help="multiply every duration, e.g. 0.1 for a quick run",
    )
    parser.add_argument(
        "--workers",
        type=workers_arg,
        default=None,
        help="generator processes per test (default: the test's `workers`)",
    )
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="start the reference services for base_urls on localhost, then stop them",
    )


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a test suite from a YAML config",
        description="Run a test suite from a YAML config and write the results JSON.",
    )
    add_run_arguments(parser, config_positional=True)
    parser.set_defaults(func=handle)


def choose_suite(config: Config, suite: str | None) -> str:
    suites = config.performance_testing.test_suites
    if suite is None:
        if len(suites) == 1:
            return next(iter(suites))
        config.suite("")  # raises with the list of suites
    assert suite is not None
    config.suite(suite)
    return suite


@contextlib.contextmanager
def embedded_services(config: Config, enabled: bool) -> Iterator[dict[str, str] | None]:
    if not enabled:
        yield None
        return
    from omninode_bridge.services.launcher import start_services

    names = [
        name
        for name, url in config.performance_testing.base_urls.items()
        if any(h in str(url) for h in LOCAL_HOSTS)
        and name in ("hook_receiver", "tool_proxy", "service_registry")
    ]
    with start_services(only=names or None) as handle:
        print("🔧 Embedded services: " + ", ".join(f"{k}={v}" for k, v in handle.base_urls.items()))
        yield dict(handle.base_urls)


def handle(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    check_expressions(config)
    suite = choose_suite(config, args.suite)
    with embedded_services(config, args.embedded) as overrides:
        options = SuiteOptions(
            output_dir=args.output_dir,
            recovery_time=args.recovery_time,
            duration_scale=args.duration_scale,
            workers=args.workers,
            base_urls=overrides,
        )
        outcome = uvloop.run(run_suite(config, suite, options))
    reporting = config.performance_testing.reporting
    for path in export_formats(outcome.document, outcome.report_path, reporting):
        print(f"📄 {path}")
    if outcome.exit_code == ExitCode.INVALID_RUN:
        print("⛔ the run is INVALID: see invalid_reasons in the report", file=sys.stderr)
    return int(outcome.exit_code)
