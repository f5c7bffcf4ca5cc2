"""``python -m omninode_bridge.monitoring --config F``: the production performance monitor."""

from __future__ import annotations

import argparse
import sys

from omninode_bridge.errors import PerfError
from omninode_bridge.monitoring.app import add_run_arguments, run_from_args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m omninode_bridge.monitoring")
    parser.add_argument("--config", required=True, metavar="F", help="monitor YAML config")
    add_run_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_from_args(args.config, args)
    except PerfError as exc:
        print(f"omninode_bridge.monitoring: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)


if __name__ == "__main__":
    sys.exit(main())
