"""The Markdown summary for PR comments and $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

from typing import Any

import pytest

from omninode_bridge.reporters import markdown, synthetic


def test_summary_table_has_a_row_per_test(small_report: dict[str, Any]) -> None:
    text = markdown.render_markdown([small_report])
    assert "## ❌ FAIL: synthetic" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + len(small_report["test_results"])
    stress = small_report["test_results"][1]
    row = next(r for r in rows if r.startswith("| hook\\_receiver\\_stress"))
    assert f"{stress['metrics']['latency_ms']['p95']:,.1f}" in row
    assert "❌ FAIL" in row
    assert "max\\_error\\_rate" in row


def test_failing_criteria_are_listed_with_limit_and_actual(small_report: dict[str, Any]) -> None:
    text = markdown.render_markdown([small_report])
    bullets = [line for line in text.splitlines() if line.startswith("- ❌ ")]
    failing = [
        (t["test_name"], c)
        for t in small_report["test_results"]
        for c in t["criteria"]
        if not c["passed"]
    ]
    assert len(bullets) == len(failing) > 0
    for (name, c), line in zip(failing, bullets, strict=True):
        assert markdown.esc(name) in line
        assert f"actual {c['actual']:.6g}" in line
        assert f"limit {markdown.esc(c['op'])} {c['limit']:g}" in line


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        pytest.param(
            "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", id="html"
        ),
        pytest.param("a|b", "a\\|b", id="pipe-breaks-table"),
        pytest.param("[click](http://x)", "\\[click\\](http://x)", id="link"),
        pytest.param("two\nlines", "two lines", id="newline"),
    ],
)
def test_escaping(raw: str, shown: str) -> None:
    assert markdown.esc(raw) == shown


def test_comparison_lists_non_passing_rows() -> None:
    report = synthetic.make_report(synthetic.default_specs(3)[:1])
    compare = {
        "tests": [
            {
                "test_name": "hook_receiver_load",
                "metrics": {
                    "p95": {
                        "baseline": 10,
                        "current": 13,
                        "ratio": 1.3,
                        "ci": [1.2, 1.4],
                        "verdict": "regression",
                    },
                    "p50": {
                        "baseline": 5,
                        "current": 5,
                        "ratio": 1.0,
                        "ci": [0.98, 1.02],
                        "verdict": "pass",
                    },
                },
            },
        ]
    }
    text = markdown.render_markdown([report], compare)
    assert "### Baseline comparison: REGRESSION" in text
    assert (
        "| hook\\_receiver\\_load | p95 | 10.00 | 13.00 | 1.300 | [1.200, 1.400] | REGRESSION |"
        in text
    )
    assert "| p50 |" not in text
