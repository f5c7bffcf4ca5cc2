"""Benchmark of the reporters on a synthetic 1-hour result (3,600 intervals per test).

Measures the HTML build time, the HTML file size, the Chromium render time (navigation start
to every chart drawn, from ``performance.now()`` in the page), and the PNG, CSV, JUnit and
Markdown build times. Prints a Markdown table for BENCHMARKS.md.

    python benchmarks/report_bench.py [--repeat 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omninode_bridge.reporters import csv_export, html, junit, markdown, png, synthetic
from omninode_bridge.reporters.loading import load_results

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def timed(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time in seconds over ``repeat`` calls, and the last result."""
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def render_ms(page_path: Path, repeat: int) -> tuple[float, float, int]:
    """(median, max) ms from navigation start to every chart drawn; and the chart count."""
    from playwright.sync_api import sync_playwright

    samples, charts = [], 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(page_path.as_uri())
                page.wait_for_selector("body[data-painted='1']", timeout=30_000)
                samples.append(float(page.evaluate("window.__report.paintedMs")))
                charts = int(page.evaluate("window.__report.charts.length"))
                page.close()
        finally:
            browser.close()
    return statistics.median(samples), max(samples), charts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write the outputs here instead of a temp dir")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        report = synthetic.make_report(synthetic.one_hour_specs(), suite="one_hour")
        json_path = synthetic.write_report(out / "results", report)
        n_tests = len(report["test_results"])
        n_intervals = max(len(t["intervals"]) for t in report["test_results"])
        load_s, runs = timed(lambda: load_results(results_dir=out / "results"), args.repeat)
        html_s, page = timed(lambda: html.write_html(runs, out / "report.html"), args.repeat)
        rows = [
            ("results JSON size", f"{json_path.stat().st_size / 1e6:.2f} MB"),
            ("load + check results", f"{load_s * 1000:.0f} ms"),
            ("HTML build", f"{html_s * 1000:.0f} ms"),
            ("HTML file size (limit 3 MB)", f"{page.stat().st_size / 1e6:.2f} MB"),
        ]
        if Path(CHROMIUM).exists():
            median_ms, max_ms, charts = render_ms(page, args.repeat)
            rows.append(
                (
                    "Chromium render, all charts drawn (limit 2 s)",
                    f"{median_ms:.0f} ms median, {max_ms:.0f} ms max ({charts} charts)",
                )
            )
        else:
            rows.append(("Chromium render", f"skipped: {CHROMIUM} absent"))
        png_s, _ = timed(
            lambda: png.write_charts(report, out / "charts.png"), max(1, args.repeat // 2)
        )
        csv_s, _ = timed(lambda: csv_export.write_csv(report, out), args.repeat)
        junit_s, _ = timed(lambda: junit.write_junit([report], out / "junit.xml"), args.repeat)
        md_s, _ = timed(lambda: markdown.write_markdown([report], out / "summary.md"), args.repeat)
        rows += [
            ("PNG charts build", f"{png_s * 1000:.0f} ms"),
            ("CSV build", f"{csv_s * 1000:.0f} ms"),
            ("JUnit build", f"{junit_s * 1000:.0f} ms"),
            ("Markdown build", f"{md_s * 1000:.0f} ms"),
        ]
    print(
        f"Reporters on a synthetic 1-hour result: {n_tests} tests, "
        f"up to {n_intervals} intervals each (median of {args.repeat}).\n"
    )
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
