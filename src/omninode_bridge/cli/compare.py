"""``omninode-perf compare``: the regression gate (same flags as
``python -m omninode_bridge.testing.regression_check``)."""

from __future__ import annotations

import argparse

from omninode_bridge.regression import gate


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "compare",
        help="compare results against a baseline (regression gate)",
        description="Block-bootstrap / Mann-Whitney comparison of current results against "
        "a baseline: exit 0 no regression, 1 regression, 2 usage error, 3 invalid run.",
    )
    gate.add_arguments(p)
    p.set_defaults(func=gate.run)
