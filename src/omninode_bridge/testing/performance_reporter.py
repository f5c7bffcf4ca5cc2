"""The seed's reporter entry point, also ``omninode-perf report``.

``python -m omninode_bridge.testing.performance_reporter --results-dir D --format html
--output performance_report.html`` renders every ``performance_report_*.json`` in D (or
only the newest with ``--latest``, or one file with ``--results FILE``) as html, png, csv,
junit or markdown. ``--compare FILE`` adds the regression check's JSON as a baseline
comparison section (html, markdown). Prints each path written. Exit 0 when the report was
written, 2 on bad usage or unreadable input (one line, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from omninode_bridge.errors import UsageError
from omninode_bridge.reporters import csv_export, html, junit, markdown, png
from omninode_bridge.reporters.loading import LoadedReport, load_results, read_json

FORMATS = ("html", "png", "csv", "junit", "markdown")
DEFAULT_OUTPUT = {
    "html": "performance_report.html",
    "junit": "performance_junit.xml",
    "markdown": "performance_summary.md",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--results-dir", metavar="DIR", help="render every performance_report_*.json in DIR"
    )
    source.add_argument("--results", metavar="FILE", help="render one results document")
    parser.add_argument(
        "--format", choices=FORMATS, default="html", help="output format (default html)"
    )
    parser.add_argument(
        "--output",
        metavar="PATH",
        help="output file (html, junit, markdown; '-' = stdout for junit/markdown) or directory "
        "(png, csv; also a file name / prefix when there is one run). Defaults: "
        "performance_report.html, performance_junit.xml, performance_summary.md, and the "
        "current directory for png and csv",
    )
    parser.add_argument(
        "--compare", metavar="FILE", help="regression check JSON output: adds a baseline comparison"
    )
    parser.add_argument(
        "--latest", action="store_true", help="with --results-dir: only the newest run"
    )
    parser.add_argument(
        "--append",
        action="store_true",
        help="markdown: append to --output (e.g. $GITHUB_STEP_SUMMARY)",
    )


def run(args: argparse.Namespace) -> int:
    runs = load_results(args.results_dir, args.results, latest=bool(args.latest))
    compare = _compare(args.compare)
    writer = _WRITERS[args.format]
    for line in writer(runs, args, compare):
        print(line)
    return 0


def _compare(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise UsageError(
            f"{path}: --compare: expected a JSON object (the regression check's output)"
        )
    return doc


def _html(runs: Sequence[LoadedReport], args: argparse.Namespace, compare: Any) -> list[str]:
    base = Path(args.compare).resolve().parent if args.compare else None
    out = html.write_html(runs, args.output or DEFAULT_OUTPUT["html"], compare, base)
    return [str(out)]


def _png(runs: Sequence[LoadedReport], args: argparse.Namespace, compare: Any) -> list[str]:
    return [
        str(
            png.write_charts(
                r.report, _per_run_path(args.output, r, png.chart_filename(r.report), len(runs))
            )
        )
        for r in runs
    ]


def _csv(runs: Sequence[LoadedReport], args: argparse.Namespace, compare: Any) -> list[str]:
    out: list[str] = []
    for r in runs:
        target = _per_run_path(args.output, r, None, len(runs))
        out += [str(p) for p in csv_export.write_csv(r.report, target)]
    return out


def _per_run_path(output: str | None, run: LoadedReport, name: str | None, count: int) -> Path:
    """A directory (default name inside) unless one run was given an explicit file path."""
    target = Path(output) if output else Path.cwd()
    if target.is_dir() or count > 1 or (output and output.endswith(os.sep)):
        target.mkdir(parents=True, exist_ok=True)
        return target / name if name else target
    return target


def _text(
    runs: Sequence[LoadedReport], args: argparse.Namespace, text: str, default: str
) -> list[str]:
    output = args.output or default
    if output == "-":
        sys.stdout.write(text)
        return []
    if args.append:
        markdown.append_step_summary(text, output)
        return [output]
    from omninode_bridge.util.atomic import atomic_write_text

    return [str(atomic_write_text(output, text))]


def _junit(runs: Sequence[LoadedReport], args: argparse.Namespace, compare: Any) -> list[str]:
    return _text(runs, args, junit.render_junit([r.report for r in runs]), DEFAULT_OUTPUT["junit"])


def _markdown(runs: Sequence[LoadedReport], args: argparse.Namespace, compare: Any) -> list[str]:
    text = markdown.render_markdown([r.report for r in runs], compare)
    return _text(runs, args, text, DEFAULT_OUTPUT["markdown"])


_Writer = Callable[[Sequence[LoadedReport], argparse.Namespace, Any], list[str]]
_WRITERS: dict[str, _Writer] = {
    "html": _html,
    "png": _png,
    "csv": _csv,
    "junit": _junit,
    "markdown": _markdown,
}


def build_parser(prog: str = "performance_reporter") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Render performance results as html, png, csv, junit or markdown."
    )
    add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from omninode_bridge.cli.main import run_command

    args = build_parser().parse_args(argv)
    return run_command(run, args)


if __name__ == "__main__":
    sys.exit(main())
