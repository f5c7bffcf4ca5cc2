"""``omninode-perf load URL``: a one-off load test, like wrk (closed) or wrk2 (open)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import uvloop
from pydantic import ValidationError

from omninode_bridge.cli.common import (
    duration_arg,
    header_arg,
    output_file_arg,
    positive_duration_arg,
    positive_float,
    positive_int,
    size_arg,
    workers_arg,
)
from omninode_bridge.config import TestConfig
from omninode_bridge.engine.scheduler import StopFlag
from omninode_bridge.errors import ExitCode, TargetUnreachable, UsageError
from omninode_bridge.reporters.terminal import print_load_summary
from omninode_bridge.results.writer import report_stem
from omninode_bridge.scenarios.judging import judge_http_run
from omninode_bridge.scenarios.runner import RunContext, run_http_test
from omninode_bridge.scenarios.signals import SignalCatcher
from omninode_bridge.util.atomic import atomic_write_json

FLAG_OF_FIELD = {
    "url": "URL",
    "method": "--method",
    "headers": "--header",
    "body": "--body",
    "duration": "--duration",
    "warmup": "--warmup",
    "timeout": "--timeout",
    "max_body_bytes": "--max-body",
    "target_rps": "--rate",
    "concurrency": "--connections",
    "connections": "--connections",
    "workers": "--workers",
}
DEFAULT_CLOSED_CONNECTIONS = 50
DEFAULT_OPEN_CONNECTIONS = 256


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "load",
        help="load one URL (open model with --rate, else closed loop like wrk)",
        description="Load one URL. With --rate: the open model (latency from each request's "
        "intended start), connections pooled up to --connections. Without --rate: a closed "
        "loop on --connections connections, as fast as the target allows.",
    )
    parser.add_argument("url", help="http:// or https:// URL")
    parser.add_argument("--rate", type=positive_float, help="requests per second (open model)")
    parser.add_argument(
        "-c",
        "--connections",
        type=positive_int,
        default=None,
        help=f"connections (default {DEFAULT_CLOSED_CONNECTIONS} closed, "
        f"pool up to {DEFAULT_OPEN_CONNECTIONS} open)",
    )
    parser.add_argument(
        "-d",
        "--duration",
        type=positive_duration_arg,
        default=10.0,
        help="how long, e.g. 10s, 2m (default 10s)",
    )
    parser.add_argument(
        "--warmup",
        type=duration_arg,
        default=0.0,
        help="run this long first at the same rate, left out of every figure, "
        "e.g. 5s (default 0; whole seconds, rounded up)",
    )
    parser.add_argument("-m", "--method", default="GET", help="HTTP method (default GET)")
    parser.add_argument(
        "-H",
        "--header",
        type=header_arg,
        action="append",
        default=[],
        help="extra header 'Name: value' (repeatable)",
    )
    parser.add_argument("--body", help="request body: TEXT or @FILE")
    parser.add_argument(
        "--timeout",
        type=positive_duration_arg,
        default=30.0,
        help="per-request timeout (default 30s)",
    )
    parser.add_argument(
        "--max-body",
        type=size_arg,
        default="10MiB",
        help="response bodies above this are cut and counted (default 10MiB)",
    )
    parser.add_argument(
        "-w", "--workers", type=workers_arg, default=1, help="generator processes (default 1)"
    )
    parser.add_argument(
        "-k",
        "--insecure",
        action="store_true",
        help="do not verify TLS certificates (self-signed test servers)",
    )
    parser.add_argument("--json", type=output_file_arg, help="write the test result object to FILE")
    parser.set_defaults(func=handle)


def read_body(arg: str | None) -> str | None:
    if arg is None or not arg.startswith("@"):
        return arg
    path = Path(arg[1:])
    try:
        return path.read_text()
    except OSError as exc:
        raise UsageError(f"--body {arg}: cannot read {path}: {exc.strerror}") from exc


def test_config(args: argparse.Namespace) -> TestConfig:
    closed = args.rate is None
    conns = args.connections or (DEFAULT_CLOSED_CONNECTIONS if closed else DEFAULT_OPEN_CONNECTIONS)
    body = read_body(args.body)
    endpoint: dict[str, Any] = {
        "url": args.url,
        "method": args.method.upper(),
        "headers": dict(args.header),
    }
    if body is not None:
        endpoint["body"] = body
    raw: dict[str, Any] = {
        "name": "load",
        "type": "load",
        "duration": args.duration,
        "warmup": args.warmup,
        "endpoints": [endpoint],
        "timeout": args.timeout,
        "workers": args.workers,
        "max_body_bytes": args.max_body,
        "recovery_time": 0,
        "insecure_tls": args.insecure,
    }
    if closed:
        raw.update(model="closed", concurrency=conns)
    else:
        raw.update(target_rps=args.rate, connections=conns)
    try:
        return TestConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][-1]) if first["loc"] else ""
        flag = FLAG_OF_FIELD.get(field, field)
        raise UsageError(f"{flag}: {first['msg']}") from exc


async def run_load(test: TestConfig, output_dir: Path) -> tuple[dict[str, Any], ExitCode | None]:
    stop = StopFlag()
    catcher = SignalCatcher(stop)
    catcher.install(asyncio.get_running_loop())
    ctx = RunContext(
        base_urls={}, output_dir=output_dir, stem=report_stem("load", datetime.now()), stop=stop
    )
    result = judge_http_run(await run_http_test(test, ctx))
    return result, catcher.exit_code


def handle(args: argparse.Namespace) -> int:
    test = test_config(args)
    with tempfile.TemporaryDirectory(prefix="omninode-load-") as tmp:
        out_dir = args.json.parent if args.json else Path(tmp)
        result, signum = uvloop.run(run_load(test, out_dir))
    if args.json:
        atomic_write_json(args.json, result)
    print_load_summary(result)
    if signum is not None:
        return int(signum)
    if any(r.startswith("target unreachable") for r in result["invalid_reasons"]):
        raise TargetUnreachable(result["invalid_reasons"][0])
    if not result["valid"]:
        print("⛔ INVALID: " + "; ".join(result["invalid_reasons"]), file=sys.stderr)
        return int(ExitCode.INVALID_RUN)
    return int(ExitCode.OK if result["success"] else ExitCode.CRITERIA_FAILED)
