"""``omninode-perf history``: record runs, list them, and show a metric's trend with the
runs where it shifted (change points). Store: SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

import argparse
from pathlib import Path

from omninode_bridge.regression import history
from omninode_bridge.regression.loader import load_runs


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("history", help="run history: record, list, trend")
    p.add_argument("--url", default=None, help=f"store URL (default {history.DEFAULT_URL})")
    p.add_argument("--table", default=history.DEFAULT_TABLE, help="table name")
    p.add_argument("--suite", default=None)
    p.add_argument("--test", default=None)
    p.add_argument("--limit", type=int, default=50)
    p.add_argument(
        "--record",
        type=Path,
        default=None,
        metavar="RESULTS",
        help="first record the runs in this results file or directory",
    )
    p.add_argument("--label", default="", help="label stored with recorded runs (e.g. a git sha)")
    p.add_argument(
        "--trend",
        default=None,
        choices=history.TREND_METRICS,
        help="show this metric over time with its change points",
    )
    p.set_defaults(func=_run)  # fmt: skip


def _run(args: argparse.Namespace) -> int:
    store = history.open_store(args.url, args.table)
    if args.record:
        n = store.record(history.rows_from_runs(load_runs(args.record), args.label))
        print(f"recorded {n} test run(s)")
    rows = store.query(args.suite, args.test, args.limit)
    if args.trend:
        _print_trend(rows, args.trend)
    else:
        _print_rows(rows)
    return 0


def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "-" if x is None else format(x, spec)


def _print_rows(rows: list[history.HistoryRow]) -> None:
    print("run_at\tsuite\ttest\tvalid\tp50\tp95\tp99\tthroughput\terror_rate\tlabel")
    for r in rows:
        cells = [r.run_at, r.suite, r.test, "yes" if r.valid else "NO", _fmt(r.p50),
                 _fmt(r.p95), _fmt(r.p99), _fmt(r.throughput, ".1f"),
                 _fmt(r.error_rate, ".4f"), r.label]  # fmt: skip
        print("\t".join(cells))
    if not rows:
        print("(no runs recorded)")


def _print_trend(rows: list[history.HistoryRow], metric: str) -> None:
    by_test: dict[str, list[history.HistoryRow]] = {}
    for r in rows:
        by_test.setdefault(f"{r.suite}/{r.test}", []).append(r)
    for key, test_rows in sorted(by_test.items()):
        t = history.trend(test_rows, metric)
        marks = set(t.change_points)
        print(f"{key} {metric}:")
        for i, (when, value) in enumerate(t.points):
            print(f"  {when}  {value:12.3f}{'  <- change point' if i in marks else ''}")
        for when, before, after in t.shifts():
            print(f"  shift at {when}: {before:.3f} -> {after:.3f} ({after / before - 1:+.1%})")
