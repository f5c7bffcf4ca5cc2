"""The seed's entry point: ``python -m omninode_bridge.testing.performance --config F --suite S
--output-dir D``. Same as ``omninode-perf run F --suite S --output-dir D``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from omninode_bridge.cli.main import run_command
from omninode_bridge.cli.run import add_run_arguments, handle


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m omninode_bridge.testing.performance",
        description="Run a performance test suite from a YAML config.",
    )
    add_run_arguments(parser, config_positional=False)
    return run_command(handle, parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
