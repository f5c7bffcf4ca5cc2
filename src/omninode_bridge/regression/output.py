"""Rendering a :class:`~omninode_bridge.regression.compare.Comparison`.

Owns three plain callables: ``to_json`` (the document the HTML reporter's ``--compare``
section reads; its shape is in docs/regression.md), ``to_markdown`` (PR comments and
``$GITHUB_STEP_SUMMARY``) and ``render_terminal`` (a rich table).
"""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.table import Table

from omninode_bridge.regression.compare import Comparison, MetricResult, Verdict

JSON_SCHEMA = "omninode-regression/1"
_STYLE = {
    Verdict.REGRESSION: "bold red",
    Verdict.IMPROVEMENT: "green",
    Verdict.INCONCLUSIVE: "yellow",
    Verdict.PASS: "",
    Verdict.INVALID: "bold magenta",
}
_ICON = {
    Verdict.REGRESSION: "🔴",
    Verdict.IMPROVEMENT: "🟢",
    Verdict.INCONCLUSIVE: "🟡",
    Verdict.PASS: "✅",
    Verdict.INVALID: "⛔",
}


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def result_dict(r: MetricResult) -> dict[str, Any]:
    return {
        "test": r.test,
        "endpoint": r.endpoint,
        "metric": r.metric,
        "verdict": r.verdict.value,
        "threshold_percent": r.threshold * 100,
        "baseline": _num(r.baseline),
        "current": _num(r.current),
        "unit": _unit(r.metric),
        "ratio": _num(r.ratio),
        "change_percent": _num((r.ratio - 1) * 100) if r.ratio is not None else None,
        "ci_low": _num(r.low),
        "ci_high": _num(r.high),
        "confidence": r.confidence,
        "p_value": _num(r.p_value),
        "mde_percent": _num(r.mde * 100) if r.mde is not None else None,
        "method": r.method,
        "n_baseline": r.n_baseline,
        "n_current": r.n_current,
        "runs_baseline": r.runs_baseline,
        "runs_current": r.runs_current,
        "reason": r.reason,
    }


def to_json(c: Comparison, fail_on_inconclusive: bool = False) -> dict[str, Any]:
    s = c.settings
    return {
        "schema": JSON_SCHEMA,
        "verdict": c.overall.value,
        "exit_code": int(c.exit_code(fail_on_inconclusive)),
        "counts": {v.value: c.count(v) for v in Verdict},
        "settings": {
            "threshold_percent": s.threshold * 100,
            "metric_thresholds_percent": {k: v * 100 for k, v in s.metric_thresholds.items()},
            "confidence": s.confidence,
            "bootstrap_replicates": s.n_boot,
            "power": s.power,
            "fail_on_inconclusive": fail_on_inconclusive,
        },
        "notes": list(c.notes),
        "results": [result_dict(r) for r in c.results],
    }


def _unit(metric: str) -> str:
    return {"throughput": "req/s", "error_rate": "fraction"}.get(metric, "ms")


def _value(metric: str, x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    if metric == "error_rate":
        return f"{x:.2%}"
    return f"{x:.1f}/s" if metric == "throughput" else f"{x:.2f} ms"


def _change(r: MetricResult) -> str:
    if r.ratio is None or not math.isfinite(r.ratio):
        return "–"
    low = "?" if r.low is None or not math.isfinite(r.low) else f"{r.low - 1:+.1%}"
    high = "?" if r.high is None or not math.isfinite(r.high) else f"{r.high - 1:+.1%}"
    return f"{r.ratio - 1:+.1%} [{low}, {high}]"


def _row(r: MetricResult) -> list[str]:
    return [
        r.test,
        r.endpoint or "(all)",
        r.metric,
        _value(r.metric, r.baseline),
        _value(r.metric, r.current),
        _change(r),
        f"{r.threshold:.0%}",
        r.verdict.value,
    ]


HEADERS = ["test", "endpoint", "metric", "baseline", "current", "change [CI]", "thr", "verdict"]


def summary_line(c: Comparison, fail_on_inconclusive: bool = False) -> str:
    counts = ", ".join(f"{c.count(v)} {v.value}" for v in Verdict if c.count(v))
    line = f"{c.overall.value}: {counts or 'nothing compared'}"
    if c.count(Verdict.INVALID):
        line += " — INVALID runs can neither pass nor fail; re-run them"
    return f"{line} (exit {int(c.exit_code(fail_on_inconclusive))})"


def render_terminal(c: Comparison, console: Console, fail_on_inconclusive: bool = False) -> None:
    table = Table(title="Regression check", show_lines=False)
    for h in HEADERS:
        table.add_column(h, overflow="fold")
    for r in c.results:
        table.add_row(*_row(r), style=_STYLE[r.verdict])
    console.print(table)
    for r in c.results:
        if r.verdict is not Verdict.PASS:
            where = f"{r.test} {r.endpoint or '(all)'} {r.metric}"
            console.print(f"{r.verdict.value}: {where}: {r.reason}", style=_STYLE[r.verdict])
    for note in c.notes:
        console.print(f"note: {note}", style="yellow")
    style = _STYLE[c.overall] or "bold green"
    console.print(summary_line(c, fail_on_inconclusive), style=style)


def to_markdown(c: Comparison, fail_on_inconclusive: bool = False) -> str:
    lines = [
        "## Performance regression check",
        "",
        f"**{_ICON[c.overall]} {summary_line(c, fail_on_inconclusive)}**",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
    ]
    for r in c.results:
        cells = _row(r)
        cells[-1] = f"{_ICON[r.verdict]} {cells[-1]}"
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    lines += ["", *(f"- {n}" for n in c.notes)]
    details = [r for r in c.results if r.verdict is not Verdict.PASS]
    if details:
        lines += ["", "<details><summary>Why</summary>", ""]
        lines += [f"- `{r.test}` {r.endpoint or ''} {r.metric}: {r.reason}" for r in details]
        lines += ["", "</details>"]
    return "\n".join(lines).rstrip() + "\n"
