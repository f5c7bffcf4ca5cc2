"""The regression gate as a command: shared by ``python -m
omninode_bridge.testing.regression_check`` and ``omninode-perf compare``.

Owns the arguments, resolving settings (``--threshold`` over the config's
``performance_testing.regression`` block over defaults), running the comparison, writing
the terminal table / JSON / Markdown (and ``$GITHUB_STEP_SUMMARY``), recording history,
promoting the baseline on a pass, and the exit code.

No baseline yet (``--if-no-baseline pass``, what CI wants on its first run): when the
baseline directory exists but holds no results documents, or none for the current tests,
the gate exits 0 and says so in every output (terminal, ``--json`` with verdict
``NO_BASELINE``, Markdown and ``$GITHUB_STEP_SUMMARY``). A baseline path that does not
exist is still a usage error (exit 2), so a typo cannot switch the gate off.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console

from omninode_bridge.cli.common import output_file_arg
from omninode_bridge.config import RegressionConfig, load_config
from omninode_bridge.errors import ExitCode, UsageError
from omninode_bridge.regression import baseline, history, output
from omninode_bridge.regression.compare import Comparison, Settings, compare
from omninode_bridge.regression.loader import TestRun, load_runs
from omninode_bridge.util.atomic import atomic_write_json, atomic_write_text


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--current-results",
        required=True,
        type=Path,
        metavar="DIR",
        help="results of this run: a directory (searched recursively) or a file",
    )
    p.add_argument(
        "--baseline-results",
        required=True,
        type=Path,
        metavar="DIR",
        help="baseline results, e.g. baselines/performance",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="PCT",
        help="degradation threshold in percent (default: config, else 10)",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="config whose performance_testing.regression block sets thresholds",
    )
    p.add_argument("--confidence", type=float, default=None, help="default: config, else 0.95")
    p.add_argument(
        "--fail-on-inconclusive", action="store_true", help="exit 1 when any metric is INCONCLUSIVE"
    )
    p.add_argument(
        "--update-baseline",
        action="store_true",
        help="promote the current results to the baseline when the check passes",
    )
    p.add_argument(
        "--json", type=output_file_arg, default=None, metavar="FILE", help="write JSON here"
    )
    p.add_argument(
        "--markdown", type=output_file_arg, default=None, metavar="FILE", help="write Markdown here"
    )
    p.add_argument(
        "--history",
        default=None,
        metavar="URL",
        help="record the current run in this history store (default: config)",
    )
    p.add_argument("--bootstrap", type=int, default=2000, metavar="N", help="replicates")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--quiet", action="store_true", help="print only the summary line")
    p.add_argument(
        "--if-no-baseline",
        choices=("error", "pass"),
        default="error",
        help="when the (existing) baseline directory has no results for these tests: "
        "error = exit 2 (default), pass = exit 0 and say 'no baseline' (first CI run)",
    )


def settings_from(args: argparse.Namespace) -> tuple[Settings, str | None]:
    """Settings and the history URL from flags, then the config, then defaults."""
    reg = _regression_block(args.config)
    threshold = args.threshold if args.threshold is not None else (reg.threshold if reg else 10.0)
    confidence = (
        args.confidence if args.confidence is not None else (reg.confidence if reg else 0.95)
    )
    if threshold <= 0 or not 0.5 <= confidence < 1:
        raise UsageError("--threshold must be > 0 and --confidence in [0.5, 1)")
    if args.bootstrap < 200:
        raise UsageError("--bootstrap must be at least 200")
    per_metric = {str(k): float(v) / 100 for k, v in (reg.metric_thresholds if reg else {}).items()}
    s = Settings(threshold=threshold / 100, metric_thresholds=per_metric, confidence=confidence,
                 n_boot=args.bootstrap, seed=args.seed)  # fmt: skip
    return s, args.history or (reg.history_url if reg else None)


def _regression_block(path: Path | None) -> RegressionConfig | None:
    return None if path is None else load_config(path).performance_testing.regression


def run(args: argparse.Namespace) -> int:
    settings, history_url = settings_from(args)
    current = load_runs(args.current_results)
    baseline_runs = _baseline_runs(args)
    result = compare(baseline_runs, current, settings)
    if not result.results:
        why = f"{args.current_results}: no test matches a test in {args.baseline_results}"
        if args.if_no_baseline != "pass":
            raise UsageError(why)
        _emit_no_baseline(
            why if baseline_runs else f"{args.baseline_results}: no results yet", args
        )
        return int(ExitCode.OK)
    code = result.exit_code(args.fail_on_inconclusive)
    _emit(result, args)
    if history_url:
        history.open_store(history_url).record(history.rows_from_runs(current))
    if args.update_baseline and code == ExitCode.OK:
        root = _baseline_root(args.baseline_results)
        for path in baseline.promote(args.current_results, root):
            print(f"baseline updated: {path}", file=sys.stderr)
    return int(code)


def _baseline_runs(args: argparse.Namespace) -> list[TestRun]:
    path: Path = args.baseline_results
    if args.if_no_baseline == "pass" and path.is_dir():
        try:
            return load_runs(path)
        except UsageError:
            if any(path.rglob("*.json")):
                raise  # unreadable JSON stays an error; only "nothing there" passes
            return []
    return load_runs(path)


def _emit_no_baseline(why: str, args: argparse.Namespace) -> None:
    print(f"NO BASELINE: {why}; nothing compared (exit 0).")
    print("save one with: omninode-perf baseline save RESULTS --root BASELINES", file=sys.stderr)
    doc = {"schema": output.JSON_SCHEMA, "verdict": "NO_BASELINE", "exit_code": 0,
           "counts": {}, "notes": [why], "results": []}  # fmt: skip
    if args.json:
        atomic_write_json(args.json, doc)
    markdown = f"## Performance regression check\n\n**NO BASELINE** — {why}; nothing compared.\n"
    if args.markdown:
        atomic_write_text(args.markdown, markdown)
    _append_step_summary(markdown)


def _append_step_summary(markdown: str) -> None:
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown)


def _emit(c: Comparison, args: argparse.Namespace) -> None:
    strict = args.fail_on_inconclusive
    if args.quiet:
        print(output.summary_line(c, strict))
    else:
        output.render_terminal(c, Console(width=max(120, Console().width)), strict)
    if args.json:
        atomic_write_json(args.json, output.to_json(c, strict))
    markdown = output.to_markdown(c, strict)
    if args.markdown:
        atomic_write_text(args.markdown, markdown)
    _append_step_summary(markdown)


def _baseline_root(path: Path) -> Path:
    """``baselines/performance`` given either it or one of its suite directories."""
    if path.is_file():
        return path.parent.parent
    return path.parent if any(path.glob("*.json")) else path
