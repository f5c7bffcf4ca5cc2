"""The seed's regression gate entry point.

``python -m omninode_bridge.testing.regression_check --current-results D
--baseline-results D --threshold 10`` — exit 0 no regression, 1 regression (or
INCONCLUSIVE with ``--fail-on-inconclusive``), 2 usage error, 3 an invalid run (neither
pass nor fail). The logic lives in :mod:`omninode_bridge.regression.gate`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from omninode_bridge.errors import ExitCode, PerfError
from omninode_bridge.regression import gate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m omninode_bridge.testing.regression_check",
        description="Compare current performance results against a baseline; fail CI on "
        "a statistically supported regression beyond the threshold.",
    )
    gate.add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return gate.run(args)
    except PerfError as exc:
        print(f"regression_check: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("regression_check: interrupted", file=sys.stderr)
        return int(ExitCode.SIGINT)


if __name__ == "__main__":
    sys.exit(main())
