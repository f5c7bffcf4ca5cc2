"""``omninode-perf baseline save|show|promote``: git-friendly baselines under
``baselines/performance/<suite>/`` (see :mod:`omninode_bridge.regression.baseline`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from omninode_bridge.errors import UsageError
from omninode_bridge.regression import baseline


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("baseline", help="save, show or promote performance baselines")
    sub = p.add_subparsers(dest="baseline_command", metavar="ACTION", required=True)
    for name, helptext in (
        ("save", "add runs to their suite's baseline"),
        ("promote", "make runs the whole baseline of their suite"),
    ):
        q = sub.add_parser(name, help=helptext)
        q.add_argument("results", type=Path, help="results file or directory")
        _common(q)
        if name == "save":
            q.add_argument("--keep", type=int, default=None, help="keep only the newest N runs")
        q.set_defaults(func=_save if name == "save" else _promote)
    show = sub.add_parser("show", help="list baseline runs")
    _common(show)
    show.set_defaults(func=_show)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", type=Path, default=baseline.DEFAULT_ROOT, help="baselines root")
    p.add_argument("--suite", default=None, help="suite name (wraps bare test results)")


def _save(args: argparse.Namespace) -> int:
    if args.keep is not None and args.keep < 1:
        raise UsageError("--keep must be at least 1")
    for path in baseline.save(args.results, args.root, args.suite, args.keep):
        print(f"saved {path}")
    return 0


def _promote(args: argparse.Namespace) -> int:
    for path in baseline.promote(args.results, args.root, args.suite):
        print(f"promoted {path}")
    return 0


def _show(args: argparse.Namespace) -> int:
    if not args.root.is_dir():
        raise UsageError(f"{args.root}: no such baselines directory")
    found = baseline.entries(args.root, args.suite)
    for e in found:
        flag = "" if e.valid else "  (INVALID)"
        print(f"{e.suite}\t{e.timestamp or '-'}\t{', '.join(e.tests)}\t{e.path}{flag}")
    if not found:
        print(f"no baselines under {args.root}")
    return 0
