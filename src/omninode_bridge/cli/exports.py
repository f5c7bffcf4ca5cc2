"""After a run: write the extra formats the config's ``reporting`` block asks for."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from omninode_bridge.config import ReportingConfig


def export_formats(
    document: dict[str, Any], report: Path, reporting: ReportingConfig
) -> list[Path]:
    written: list[Path] = []
    stem = report.with_suffix("")
    chart = report.with_name(report.name.replace("performance_report_", "performance_charts_"))
    formats = set(reporting.export_formats)
    try:
        if reporting.generate_charts or "png" in formats:
            from omninode_bridge.reporters.png import write_charts

            written.append(write_charts(document, chart.with_suffix(".png")))
        if "csv" in formats:
            from omninode_bridge.reporters.csv_export import write_csv

            written.extend(write_csv(document, report.parent))
        if "html" in formats:
            from omninode_bridge.reporters.html import write_html
            from omninode_bridge.reporters.loading import load_report

            written.append(write_html([load_report(report)], stem.with_suffix(".html")))
        if "junit" in formats:
            from omninode_bridge.reporters.junit import write_junit

            written.append(write_junit([document], stem.with_suffix(".junit.xml")))
        if "markdown" in formats:
            from omninode_bridge.reporters.markdown import write_markdown

            written.append(write_markdown([document], stem.with_suffix(".md")))
    except (ImportError, OSError, ValueError, TypeError) as exc:
        print(
            f"omninode-perf: warning: could not write every report format: {exc}", file=sys.stderr
        )
    return written
