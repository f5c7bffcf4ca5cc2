"""PNG charts: the seed's four panels plus latency over time per test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib import image

from omninode_bridge.reporters import png, synthetic


def test_writes_a_png_with_a_panel_row_per_two_tests(
    tmp_path: Path, small_report: dict[str, Any]
) -> None:
    out = png.write_charts(small_report, tmp_path / "c.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = image.imread(out)
    # 2 rows of seed panels + ceil(6 tests / 2) rows of latency charts, 4.2 in each at 100 dpi.
    assert pixels.shape[0] == pytest.approx(5 * 420, abs=5)
    assert pixels.shape[1] == pytest.approx(1500, abs=5)
    assert np.std(pixels[..., :3]) > 0.05  # something was drawn


@pytest.mark.parametrize(
    ("count", "rows"),
    [
        pytest.param(1, 3, id="one-test"),
        pytest.param(3, 4, id="three-tests"),
        pytest.param(0, 2, id="no-tests"),
    ],
)
def test_rows_follow_the_number_of_tests(count: int, rows: int) -> None:
    report = synthetic.make_report(synthetic.default_specs(10)[:count])
    fig = png.build_figure(report)
    try:
        assert len(fig.axes) == 4 + count
        assert fig.get_size_inches()[1] == pytest.approx(4.2 * rows)
        titles = [ax.get_title() for ax in fig.axes[:4]]
        assert titles[0] == "Response Time Distribution"
        assert titles[1] == "Throughput by Test"
        assert titles[3] == "Error Rates by Test"
    finally:
        png.plt.close(fig)


def test_panels_plot_the_report_numbers(small_report: dict[str, Any]) -> None:
    fig = png.build_figure(small_report)
    try:
        throughput_bars = [p.get_height() for p in fig.axes[1].patches]
        error_bars = [p.get_height() for p in fig.axes[3].patches]
        tests = small_report["test_results"]
        assert throughput_bars == pytest.approx([t["metrics"]["throughput"] for t in tests])
        assert error_bars == pytest.approx([100 * t["metrics"]["error_rate"] for t in tests])
        cpu_lines = fig.axes[2].get_lines()
        assert len(cpu_lines) == len(tests)
        first = tests[0]["resources"]["samples"]
        assert list(cpu_lines[0].get_ydata()) == [s["cpu_percent"] for s in first]
        p95 = fig.axes[4].get_lines()[1]
        assert list(p95.get_ydata()) == [row["latency_ms"]["p95"] for row in tests[0]["intervals"]]
    finally:
        png.plt.close(fig)


def test_dollar_signs_in_names_are_not_mathtext(tmp_path: Path) -> None:
    report = synthetic.make_report(synthetic.default_specs(5)[:1], hostile="$\\frac{a}{b}$ <b>")
    out = png.write_charts(report, tmp_path / "c.png")
    assert out.stat().st_size > 10_000


def test_chart_filename_follows_the_seed() -> None:
    report = synthetic.make_report(synthetic.default_specs(5)[:1], suite="basic_load")
    assert png.chart_filename(report) == "performance_charts_basic_load_20240501_120000.png"
