"""PNG charts with matplotlib (Agg): the seed's four-panel summary plus latency per test.

Owns: ``write_charts(report, path)``: one image whose first row is the seed's four panels
(response-time distribution from the whole-test histograms, throughput by test, CPU of the
service under test over time, error rate by test) and, below, one latency-over-time chart
(p50/p95/p99 per interval) for each test that has intervals.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from omninode_bridge.reporters import series as s
from omninode_bridge.results.writer import safe_name
from omninode_bridge.util.atomic import atomic_write_bytes

Report = Mapping[str, Any]


def _tests(report: Report) -> list[Mapping[str, Any]]:
    return [t for t in report.get("test_results") or [] if isinstance(t, Mapping)]


def _names(tests: Sequence[Mapping[str, Any]]) -> list[str]:
    return [_short(str(t.get("test_name", "?"))) for t in tests]


def _short(text: str, limit: int = 28) -> str:
    # matplotlib treats '$' as mathtext; results text is data, never markup.
    text = text.replace("$", r"\$")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_figure(report: Report) -> Figure:
    tests = _tests(report)
    timed = [t for t in tests if s.intervals(t)]
    rows = 2 + math.ceil(len(timed) / 2)
    fig = plt.figure(figsize=(15, 4.2 * rows), layout="constrained")
    grid = fig.add_gridspec(rows, 2)
    fig.suptitle(
        _short(f"Performance Test Results - {report.get('suite_name', '')}", 90), fontsize=16
    )
    _distribution(fig.add_subplot(grid[0, 0]), tests)
    _bars(
        fig.add_subplot(grid[0, 1]),
        tests,
        _throughput,
        "Throughput by Test",
        "Requests per Second",
        "tab:green",
    )
    _cpu(fig.add_subplot(grid[1, 0]), tests)
    _bars(
        fig.add_subplot(grid[1, 1]),
        tests,
        _error_pct,
        "Error Rates by Test",
        "Error Rate (%)",
        "tab:orange",
    )
    for index, test in enumerate(timed):
        _latency(fig.add_subplot(grid[2 + index // 2, index % 2]), test)
    return fig


def _throughput(test: Mapping[str, Any]) -> float:
    return s.num(s.dig(test, "metrics", "throughput")) or 0.0


def _error_pct(test: Mapping[str, Any]) -> float:
    return 100.0 * (s.num(s.dig(test, "metrics", "error_rate")) or 0.0)


def _distribution(ax: Axes, tests: Sequence[Mapping[str, Any]]) -> None:
    """Latency vs percentile per test (log x as in HdrHistogram plots)."""
    ax.set_title("Response Time Distribution")
    drawn = False
    xs = [1.0 / (1.0 - p / 100.0) for p in s.SPECTRUM_PERCENTILES if p < 100.0]
    for test, name in zip(tests, _names(tests), strict=True):
        values, _exact = s.spectrum(test, "latency")
        pts = [(x, v) for x, v in zip(xs, values, strict=False) if v is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=name)
            drawn = True
    ax.set_xscale("log")
    ticks = [1, 10, 100, 1000, 10000, 100000]
    ax.set_xticks(ticks, ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"])
    ax.set_xlabel("Percentile")
    ax.set_ylabel("Response Time (ms)")
    if drawn:
        ax.legend(fontsize=8)
    else:
        _empty(ax)


def _bars(
    ax: Axes,
    tests: Sequence[Mapping[str, Any]],
    value: Any,
    title: str,
    ylabel: str,
    color: str,
) -> None:
    ax.set_title(title)
    ax.set_xlabel("Test")
    ax.set_ylabel(ylabel)
    if not tests:
        _empty(ax)
        return
    ax.bar(range(len(tests)), [value(t) for t in tests], color=color)
    ax.set_xticks(range(len(tests)), _names(tests), rotation=30, ha="right", fontsize=8)


def _cpu(ax: Axes, tests: Sequence[Mapping[str, Any]]) -> None:
    """CPU of the service under test, tests laid end to end on one time axis."""
    ax.set_title("CPU Usage Over Time (service under test)")
    ax.set_xlabel("Time (seconds)")
    ax.set_ylabel("CPU Usage (%)")
    offset, drawn = 0.0, False
    for test, name in zip(tests, _names(tests), strict=True):
        samples = s.resource_samples(test)
        pts = [
            (t, c)
            for t, c in zip(s.column(samples, "t"), s.column(samples, "cpu_percent"), strict=True)
            if t is not None and c is not None
        ]
        if pts:
            ax.plot([offset + p[0] for p in pts], [p[1] for p in pts], label=name, alpha=0.8)
            drawn = True
        offset += s.num(test.get("duration")) or (pts[-1][0] if pts else 0.0)
    if drawn:
        ax.legend(fontsize=8)
    else:
        _empty(ax, "no resource samples of the service under test")


def _latency(ax: Axes, test: Mapping[str, Any]) -> None:
    rows = s.intervals(test)
    t = s.times(test)
    ax.set_title(_short(f"Latency over time - {test.get('test_name', '')}", 70))
    for pct in ("p50", "p95", "p99"):
        values = s.column(rows, "latency_ms", pct)
        ax.plot(
            [x if x is not None else math.nan for x in t],
            [v if v is not None else math.nan for v in values],
            label=pct,
            linewidth=1,
        )
    ax.set_xlabel("Time (seconds)")
    ax.set_ylabel("Response Time (ms)")
    ax.legend(fontsize=8)


def _empty(ax: Axes, text: str = "no data") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="gray")


def render_png(report: Report, dpi: int = 100) -> bytes:
    fig = build_figure(report)
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        return buffer.getvalue()
    finally:
        plt.close(fig)


def write_charts(report: Report, path: str | Path, dpi: int = 100) -> Path:
    """Write the charts of ``report`` to ``path`` (PNG) atomically; returns the path."""
    return atomic_write_bytes(path, render_png(report, dpi))


def chart_filename(report: Report) -> str:
    """``performance_charts_<suite>_<YYYYmmdd_HHMMSS>.png`` from the run's timestamp."""
    from datetime import datetime

    stamp = str(report.get("timestamp", ""))
    try:
        when = datetime.fromisoformat(stamp).strftime("%Y%m%d_%H%M%S")
    except ValueError:
        when = "unknown"
    return f"performance_charts_{safe_name(str(report.get('suite_name', 'suite')))}_{when}.png"
