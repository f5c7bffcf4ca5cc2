"""The ``omninode-perf`` dispatcher.

Each sub-command lives in its own module under ``omninode_bridge.cli`` and exposes
``register(subparsers)``, which adds a parser whose ``func`` default takes the parsed
``argparse.Namespace`` and returns an exit code. Errors deriving from ``PerfError`` are
printed as one line and mapped to their exit code; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from omninode_bridge import __version__
from omninode_bridge.errors import ConfigError, ExitCode, PerfError

SUBCOMMAND_MODULES = (
    "run",
    "load",
    "serve",
    "demo",
    "report",
    "compare",
    "baseline",
    "history",
    "monitor",
)


def modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """Only the named sub-command's module: importing them all costs a second per start."""
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in SUBCOMMAND_MODULES:
        return (command,)
    return () if "--version" in argv else SUBCOMMAND_MODULES


def build_parser(modules: Sequence[str] = SUBCOMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omninode-perf",
        description="Load, stress, spike, volume, endurance and intelligence tests for "
        "the OmniNode Bridge services and any HTTP service.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        try:
            module = importlib.import_module(f"omninode_bridge.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"omninode_bridge.cli.{name}":
                continue  # sub-command not built yet
            raise
        module.register(subparsers)
    return parser


def run_command(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return int(func(args))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"omninode-perf: error: {problem}", file=sys.stderr)
        return int(exc.exit_code)
    except PerfError as exc:
        print(f"omninode-perf: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("omninode-perf: interrupted", file=sys.stderr)
        return int(ExitCode.SIGINT)
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(ExitCode.OK)
    except OSError as exc:  # a path the user gave that cannot be read or written
        if os.environ.get("OMNINODE_DEBUG"):
            raise
        where = f": {exc.filename}" if exc.filename else ""
        print(f"omninode-perf: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return int(ExitCode.USAGE)
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("OMNINODE_DEBUG"):
            raise
        if type(exc).__module__.startswith("pydantic") and hasattr(exc, "errors"):
            # an input checked by a model outside the config loader (e.g. a CLI flag)
            for error in exc.errors():
                where = ".".join(str(part) for part in error.get("loc", ()))
                print(f"omninode-perf: error: {where}: {error.get('msg')}", file=sys.stderr)
            return int(ExitCode.USAGE)
        print(
            f"omninode-perf: internal error: {type(exc).__name__}: {exc} "
            "(set OMNINODE_DEBUG=1 for the traceback, and please report it)",
            file=sys.stderr,
        )
        return int(ExitCode.INTERNAL)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser(modules_for(argv))
    except KeyboardInterrupt:  # Ctrl-C while the sub-command is still importing
        print("omninode-perf: interrupted", file=sys.stderr)
        return int(ExitCode.SIGINT)
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return int(ExitCode.USAGE)
    return run_command(func, args)


if __name__ == "__main__":
    sys.exit(main())
