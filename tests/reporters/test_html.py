"""The HTML report: self-contained, escaped, and working in a real headless Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.reporters import html, synthetic
from omninode_bridge.reporters.loading import load_results

# ---------------------------------------------------------------- no browser needed


@pytest.mark.parametrize(
    ("value", "forbidden"),
    [
        pytest.param("</script><script>alert(1)</script>", "</script", id="close-script"),
        pytest.param("<!-- <script>", "<!--", id="html-comment"),
        pytest.param("a & b &amp;", "&", id="ampersand"),
        pytest.param("line\u2028sep\u2029para", "\u2028", id="js-line-terminators"),
        pytest.param("x > y", ">", id="greater-than"),
    ],
)
def test_embedded_json_is_inert_and_round_trips(value: str, forbidden: str) -> None:
    text = html.embed_json({"name": value, "list": [value]})
    assert forbidden not in text
    assert json.loads(text) == {"name": value, "list": [value]}


def test_page_is_self_contained(results_dir: Path) -> None:
    page = html.render_html(load_results(results_dir=results_dir))
    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(http" not in page
    assert page.count("<script") == 3  # data, uPlot, report


def test_hostile_strings_are_escaped_server_side(tmp_path: Path) -> None:
    hostile = '</script><script>alert(1)</script>"><img src=x onerror=alert(1)>'
    synthetic.write_report(
        tmp_path, synthetic.make_report(synthetic.default_specs(5), hostile=hostile)
    )
    page = html.render_html(load_results(results_dir=tmp_path))
    assert hostile not in page
    assert "<img src=x" not in page
    assert page.count("<script") == 3


def test_one_hour_run_stays_under_3_mb(tmp_path: Path) -> None:
    synthetic.write_report(tmp_path, synthetic.make_report(synthetic.one_hour_specs()))
    out = html.write_html(load_results(results_dir=tmp_path), tmp_path / "r.html")
    size = out.stat().st_size
    assert size < 3_000_000, size
    assert "HISTF" not in out.read_text()  # per-interval histograms are not embedded


# ---------------------------------------------------------------- in Chromium


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    network: list[str] = field(default_factory=list)


@contextmanager
def opened(browser: Any, path: Path, width: int = 1400) -> Iterator[tuple[Any, PageLog]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    log = PageLog()
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.console_errors.append(str(e)))
    page.on("dialog", lambda d: (log.dialogs.append(d.message), d.dismiss()))

    def block(route: Any) -> None:
        if not route.request.url.startswith(("file:", "data:")):
            log.network.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", block)
    # Page-level hooks: any script that runs alert/confirm/prompt is recorded.
    page.add_init_script(
        "window.__xss = [];"
        "['alert','confirm','prompt'].forEach(n => {"
        "  window[n] = m => { window.__xss.push(String(m)); };"
        "});"
    )
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        yield page, log
    finally:
        page.close()


CHART_STATS = """() => window.__report.charts.map(c => ({
  id: c.id,
  points: c.chart.data[0].length,
  series: c.chart.data.slice(1).map(s => s.filter(v => v !== null && v !== undefined).length),
  inked: (() => {
    const cv = c.chart.root.querySelector('canvas');
    const px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) n++;
    return n;
  })(),
}))"""


@pytest.mark.browser
def test_report_renders_every_chart_with_data(
    browser: Any, results_dir: Path, tmp_path: Path, artifacts: Path
) -> None:
    out = html.write_html(load_results(results_dir=results_dir), tmp_path / "report.html")
    with opened(browser, out) as (page, log):
        assert page.inner_text(".verdict-word") == "FAIL"  # the page opens with the verdict
        charts = page.evaluate(CHART_STATS)
        page.screenshot(path=str(artifacts / "report_small.png"), full_page=True)
    ids = {c["id"] for c in charts}
    for expected in (
        "t0-latency",
        "t0-throughput",
        "t0-spectrum",
        "t0-resources",
        "t1-errors",
        "t1-stress",
        "t2-spike",
        "t3-drift",
        "t3-growth",
        "t5-patterns",
        "t5-learning",
    ):
        assert expected in ids
    for chart in charts:
        assert chart["points"] > 1, chart
        assert max(chart["series"]) > 1, chart
        assert chart["inked"] > 1000, chart  # the canvas has lines, not just a frame
    assert log.console_errors == []
    assert log.dialogs == []
    assert log.network == []


@pytest.mark.browser
def test_legend_toggles_a_series_and_hover_reads_values(
    browser: Any, results_dir: Path, tmp_path: Path, artifacts: Path
) -> None:
    out = html.write_html(load_results(results_dir=results_dir), tmp_path / "report.html")
    with opened(browser, out) as (page, log):
        chart = page.locator("#run0-t0 figure.card").first
        p95_entry = chart.locator(".u-legend .u-series").nth(2)
        assert "p95" in p95_entry.inner_text()
        shown = "() => window.__report.charts.find(c => c.id === 't0-latency').chart.series[2].show"
        assert page.evaluate(shown) is True
        p95_entry.click()
        assert page.evaluate(shown) is False
        assert "u-off" in (p95_entry.get_attribute("class") or "")
        box = chart.locator(".u-over").bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
        legend_value = chart.locator(".u-legend .u-series").nth(1).locator(".u-value").inner_text()
        assert re.fullmatch(r"\d+(\.\d+)? ms", legend_value), legend_value
        time_value = chart.locator(".u-legend .u-series").first.locator(".u-value").inner_text()
        assert re.fullmatch(r"0:\d\d", time_value), time_value
        # Drag to zoom on time: the x range narrows.
        span = (
            "() => { const s = window.__report.charts.find(c => c.id === 't0-latency')"
            ".chart.scales.x; return s.max - s.min; }"
        )
        before = page.evaluate(span)
        page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 20)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 20, steps=5)
        page.mouse.up()
        assert page.evaluate(span) < before * 0.5
        page.screenshot(path=str(artifacts / "report_interaction.png"))
    assert log.console_errors == []


XSS_CASES = [
    pytest.param("</script><script>alert(1)</script>", id="script-close"),
    pytest.param('"><img src=x onerror=alert(1)>', id="attr-break-img"),
    pytest.param("<img src=x onerror=alert(1)>", id="img-onerror"),
    pytest.param("<svg/onload=alert(1)>\u2028'-alert(1)-'", id="svg-and-line-sep"),
]


@pytest.mark.browser
@pytest.mark.parametrize("hostile", XSS_CASES)
def test_no_script_from_results_runs(browser: Any, tmp_path: Path, hostile: str) -> None:
    report = synthetic.make_report(synthetic.default_specs(5), hostile=hostile)
    report["suite_name"] = "xss"
    synthetic.write_report(tmp_path, report)
    compare = {"comparisons": [{"test": hostile, "metric": hostile, "verdict": hostile}]}
    out = html.write_html(load_results(results_dir=tmp_path), tmp_path / "x.html", compare)
    with opened(browser, out) as (page, log):
        assert page.evaluate("window.__xss") == []
        body = page.inner_text("body")
        assert page.locator("img").count() == 0
        assert page.locator("svg").count() == 0
    assert log.dialogs == []
    assert hostile.split("\u2028")[0] in body  # rendered as text


@pytest.mark.browser
def test_several_runs_get_a_picker(
    browser: Any, tmp_path: Path, small_report: dict[str, Any]
) -> None:
    old = synthetic.make_report(
        synthetic.default_specs(10)[:1],
        suite="synthetic",
        seed=3,
        started=synthetic.datetime(2024, 4, 1, tzinfo=synthetic.UTC),
    )
    synthetic.write_report(tmp_path, old)
    synthetic.write_report(tmp_path, small_report)
    out = html.write_html(load_results(results_dir=tmp_path), tmp_path / "r.html")
    with opened(browser, out) as (page, log):
        options = page.locator("#run-picker option").all_inner_texts()
        assert "2024-05-01" in options[0] and "2024-04-01" in options[1]  # newest first
        assert page.is_visible("#run0") and not page.is_visible("#run1")
        page.select_option("#run-picker", "run1")
        assert page.is_visible("#run1") and not page.is_visible("#run0")
        ids = page.evaluate("window.__report.charts.map(c => c.id)")
    assert log.console_errors == []
    assert ids.count("t0-latency") == 2  # the second run was built when picked


@pytest.mark.browser
def test_baseline_comparison_overlays(
    browser: Any, tmp_path: Path, small_report: dict[str, Any]
) -> None:
    current_dir, base_dir = tmp_path / "current", tmp_path / "baseline"
    synthetic.write_report(current_dir, small_report)
    synthetic.write_report(base_dir, synthetic.make_report(synthetic.default_specs(30), seed=9))
    compare = {
        "baseline_results": "baseline",
        "comparisons": [
            {
                "test": "hook_receiver_load",
                "metric": "p95",
                "baseline": 30.0,
                "current": 36.0,
                "ratio": 1.2,
                "ci": [1.15, 1.25],
                "verdict": "REGRESSION",
            },
        ],
    }
    compare_path = tmp_path / "regression.json"
    compare_path.write_text(json.dumps(compare))
    out = html.write_html(
        load_results(results_dir=current_dir), tmp_path / "r.html", compare, tmp_path
    )
    with opened(browser, out) as (page, log):
        assert "REGRESSION" in page.inner_text("section.compare")
        overlays = page.evaluate(
            "window.__report.charts.filter(c => c.id.startsWith('compare-'))"
            ".map(c => c.chart.data.length)"
        )
    assert len(overlays) == len(small_report["test_results"])
    assert all(n == 3 for n in overlays)  # time, baseline, current
    assert log.console_errors == []


@pytest.mark.browser
@pytest.mark.slow
def test_one_hour_report_renders_in_time(browser: Any, tmp_path: Path, artifacts: Path) -> None:
    synthetic.write_report(tmp_path, synthetic.make_report(synthetic.one_hour_specs()))
    out = html.write_html(load_results(results_dir=tmp_path), tmp_path / "hour.html")
    with opened(browser, out) as (page, log):
        page.wait_for_selector("body[data-painted='1']")
        elapsed_ms = page.evaluate("window.__report.paintedMs")
        charts = page.evaluate(CHART_STATS)
        page.screenshot(path=str(artifacts / "report_one_hour.png"))
    assert log.console_errors == []
    assert sum(1 for c in charts if c["points"] == 3600) >= 15
    assert all(c["inked"] > 1000 for c in charts)
    # Navigation start to the frame after every chart is drawn. The benchmark states the
    # figure against the 2 s limit; this guard allows for a loaded CI machine.
    assert elapsed_ms < 4000, elapsed_ms


@pytest.mark.browser
@pytest.mark.parametrize("payload", [p.values[0] for p in XSS_CASES[:3]])
def test_the_alert_hook_detects_an_unescaped_page(
    browser: Any, tmp_path: Path, payload: str
) -> None:
    # The detector itself must work, or the XSS test above could not fail.
    page_path = tmp_path / "raw.html"
    page_path.write_text(
        f'<html><body><div title="">{payload}</div>'
        '<script>document.body.setAttribute("data-ready", "1")</script></body></html>'
    )
    with opened(browser, page_path) as (page, _log):
        page.wait_for_function("window.__xss.length > 0", timeout=5_000)
        assert page.evaluate("window.__xss") == ["1"]
