"""``omninode-perf report``: the seed's performance_reporter as a sub-command."""

from __future__ import annotations

import argparse
from typing import Any

from omninode_bridge.testing import performance_reporter


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "report",
        help="render results as html, png, csv, junit or markdown",
        description="Render performance_report_*.json results (a directory, or one file with\n"
        "--results) as a self-contained HTML report, the seed's PNG charts, CSV, JUnit XML\n"
        "or Markdown. --compare adds the regression check's before/after section.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    performance_reporter.add_arguments(parser)
    parser.set_defaults(func=performance_reporter.run)
