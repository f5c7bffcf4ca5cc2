"""Markdown summary for ``$GITHUB_STEP_SUMMARY`` and PR comments.

Owns: ``render_markdown(reports, compare=None)``: per run a verdict line, a table of tests
(verdict, p50/p95/p99, throughput, error rate, failing criteria), validity warnings, the
failing criteria with limit and actual, and, when the regression check's output is given,
its non-PASS rows. Text from results is escaped: HTML special characters become entities
(GitHub renders inline HTML) and Markdown punctuation is backslash-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omninode_bridge.reporters import compare as compare_mod
from omninode_bridge.reporters import series as s
from omninode_bridge.reporters.junit import criterion_message
from omninode_bridge.reporters.payload import test_verdict, verdict
from omninode_bridge.util.atomic import atomic_write_text

Report = Mapping[str, Any]
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_ICON = {"PASS": "✅", "FAIL": "❌", "INVALID": "⚠️", "ABORTED": "⏹️"}


def esc(text: Any) -> str:
    """Inert Markdown text on one line."""
    value = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = re.sub(r"[\r\n\t]+", " ", value)
    return _MD_SPECIAL.sub(r"\\\1", value)


def _n(value: Any, digits: int = 1) -> str:
    x = s.num(value)
    return "–" if x is None else f"{x:,.{digits}f}"


def _pct(value: Any) -> str:
    x = s.num(value)
    return "–" if x is None else f"{100.0 * x:.2f}%"


def _test_row(test: Mapping[str, Any]) -> str:
    metrics = test.get("metrics") or {}
    lat = metrics.get("latency_ms") or s.dig(metrics, "custom_metrics", "response_time_stats") or {}
    word = test_verdict(test)
    failed = [esc(c.get("name")) for c in test.get("criteria") or [] if not c.get("passed")]
    cells = [
        esc(test.get("test_name", "")),
        esc(test.get("test_type", "")),
        f"{_ICON.get(word, '')} {word}",
        _n(lat.get("p50", lat.get("median"))),
        _n(lat.get("p95")),
        _n(lat.get("p99")),
        _n(metrics.get("throughput")),
        _pct(metrics.get("error_rate")),
        ", ".join(failed) or "–",
    ]
    return "| " + " | ".join(cells) + " |"


def _run(report: Report) -> list[str]:
    word = verdict(report)
    summary = report.get("summary") or {}
    tests = [t for t in report.get("test_results") or [] if isinstance(t, Mapping)]
    passed = summary.get("successful_tests", sum(1 for t in tests if t.get("success")))
    lines = [
        f"## {_ICON.get(word, '')} {word}: {esc(report.get('suite_name', ''))}",
        "",
        f"{esc(report.get('timestamp', ''))} · {passed}/{len(tests)} tests passed",
        "",
        "| test | type | verdict | p50 ms | p95 ms | p99 ms | req/s | errors | failed criteria |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
        *[_test_row(t) for t in tests],
        "",
    ]
    return lines + _details(tests)


def _details(tests: Sequence[Mapping[str, Any]]) -> list[str]:
    lines: list[str] = []
    for test in tests:
        name = esc(test.get("test_name", ""))
        for reason in test.get("invalid_reasons") or []:
            lines.append(f"- ⚠️ **{name}** invalid: {esc(reason)}")
        if test.get("aborted"):
            lines.append(f"- ⏹️ **{name}** aborted: {esc(test.get('abort_reason') or '')}")
        for c in test.get("criteria") or []:
            if not c.get("passed"):
                lines.append(f"- ❌ **{name}**: {esc(criterion_message(c))}")
    return [*lines, ""] if lines else []


def _compare(doc: Mapping[str, Any]) -> list[str]:
    rows = compare_mod.rows(doc)
    lines = [f"### Baseline comparison: {esc(compare_mod.overall(doc, rows))}", ""]
    shown = [r for r in rows if r["verdict"] not in ("PASS", "")]
    if not shown:
        return [*lines, f"All {len(rows)} compared metrics pass.", ""]
    lines += [
        "| test | metric | baseline | current | ratio | CI | verdict |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for r in shown:
        ci = f"[{_n(r['ci_low'], 3)}, {_n(r['ci_high'], 3)}]"
        test = esc(r["test"]) + (f" ({esc(r['endpoint'])})" if r["endpoint"] else "")
        lines.append(
            f"| {test} | {esc(r['metric'])} | {_n(r['baseline'], 2)} | {_n(r['current'], 2)} "
            f"| {_n(r['ratio'], 3)} | {ci} | {esc(r['verdict'])} |"
        )
    return [*lines, ""]


def render_markdown(reports: Sequence[Report], compare: Mapping[str, Any] | None = None) -> str:
    """The summary of ``reports`` (newest first) as GitHub-flavoured Markdown."""
    lines = ["# Performance report", ""]
    for report in reversed(reports):
        lines += _run(report)
    if compare is not None:
        lines += _compare(compare)
    return "\n".join(lines).rstrip() + "\n"


def write_markdown(
    reports: Sequence[Report], path: str | Path, compare: Mapping[str, Any] | None = None
) -> Path:
    return atomic_write_text(path, render_markdown(reports, compare))


def append_step_summary(text: str, path: str | Path) -> None:
    """Append to ``$GITHUB_STEP_SUMMARY`` (which GitHub expects appended, not replaced)."""
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(text)
