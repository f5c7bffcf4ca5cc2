"""``omninode-perf serve``: run the reference services until SIGINT/SIGTERM.

Ports come from ``--port`` (with ``--only``), else from ``--config``'s
``performance_testing.base_urls``, else the seed's 8001/8002/8003 when free.
A clean stop on a signal exits 0; a service dying on its own exits 3.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

import yaml

from omninode_bridge.errors import ConfigError, Problem, TargetUnreachable, UsageError
from omninode_bridge.services.launcher import SERVICE_NAMES, start_services


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "serve",
        help="run the reference OmniNode Bridge services",
        description="Run the reference hook_receiver (:8001), tool_proxy (:8002) and "
        "service_registry (:8003) until Ctrl-C; each prints its URL, pid and log file.",
    )
    parser.add_argument("--only", choices=SERVICE_NAMES, help="run just this service")
    parser.add_argument("--port", type=int, help="port of the --only service")
    parser.add_argument("--data-dir", help="where the stores and logs go (default: a temp dir)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--config", help="YAML config whose base_urls give the ports")
    parser.set_defaults(func=handle)


def ports_from_config(path: str) -> dict[str, int]:
    try:
        doc = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([Problem(path, None, "", f"cannot read config: {exc}")]) from None
    urls = ((doc or {}).get("performance_testing") or {}).get("base_urls") or {}
    ports = {}
    for name, url in urls.items() if isinstance(urls, dict) else ():
        if name in SERVICE_NAMES:
            port = urlsplit(str(url)).port
            if port is None:
                key = f"performance_testing.base_urls.{name}"
                raise ConfigError([Problem(path, None, key, f"no port in {url!r}")])
            ports[name] = port
    return ports


def _ports(args: argparse.Namespace) -> dict[str, int]:
    if args.port is not None and args.only is None:
        raise UsageError("--port needs --only NAME")
    if args.port is not None and not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port} is out of range")
    ports = ports_from_config(args.config) if args.config else {}
    if args.port is not None:
        ports[args.only] = args.port
    return ports


def handle(args: argparse.Namespace) -> int:
    ports = _ports(args)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    only = [args.only] if args.only else None
    handle_ = start_services(args.host, ports, args.data_dir, only=only)
    try:
        for name, url in handle_.base_urls.items():
            print(
                f"{name:<17} {url}  (pid {handle_.pids[name]}, log {handle_.log_files[name]})",
                flush=True,
            )
        while not stop.wait(0.5):
            dead = {n: c for n, c in handle_.returncodes().items() if c is not None}
            if dead:
                raise TargetUnreachable(f"service(s) exited unexpectedly: {dead}")
    finally:
        handle_.stop()
        for signum, old in previous.items():
            signal.signal(signum, old)
    print("services stopped", flush=True)
    return 0
