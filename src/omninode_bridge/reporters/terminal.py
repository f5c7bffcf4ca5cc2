"""Terminal output: live progress while a test runs, and the seed's per-test summary.

On a TTY progress is one ``rich`` status line refreshed each second; otherwise plain
lines every few seconds, so CI logs stay readable.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # rich is imported only on a TTY: it costs ~30 ms of start-up
    from rich.live import Live

PLAIN_EVERY_S = 5.0


def _fmt_rate(rps: float) -> str:
    """Whole requests per second, with a decimal below 10 (0.5 req/s is not "0")."""
    return f"{rps:.0f}" if rps >= 10 or rps == int(rps) else f"{rps:.1f}"


def _fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}ms" if value >= 1 else f"{value * 1000:.0f}µs"


class Progress:
    """Shows elapsed/remaining time, achieved vs target rate, p50/p95/p99 and errors."""

    def __init__(self, test_name: str, planned_s: float, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.test_name = test_name
        self.planned_s = planned_s
        self.tty = self.stream.isatty()
        self.errors = 0
        self.requests = 0
        self._last_plain = 0.0
        self._live: Live | None = None
        if self.tty:
            from rich.console import Console
            from rich.live import Live
            from rich.text import Text

            self._live = Live(Text(""), console=Console(file=self.stream), transient=True)
            self._live.start()

    def line(self, interval: Mapping[str, Any]) -> str:
        warming = bool(interval.get("warmup"))
        if not warming:  # the warm-up is shown, not counted
            dropped = int(interval.get("dropped", 0))  # never sent: a failure, not a request
            self.requests += int(interval.get("requests", 0)) + dropped
            self.errors += int(interval.get("errors", 0)) + dropped
        elapsed = float(interval.get("t", 0)) + float(interval.get("duration_s", 1.0))
        remaining = max(0.0, self.planned_s - elapsed)
        lat = interval.get("latency_ms") or {}
        target = interval.get("target_rps")
        rate = _fmt_rate(interval.get("achieved_rps", 0))
        rate += f"/{_fmt_rate(target)} req/s" if target else " req/s"
        return (
            f"{self.test_name}: {elapsed:4.0f}s elapsed, {remaining:4.0f}s left | {rate} | "
            f"p50 {_fmt_ms(lat.get('p50'))} p95 {_fmt_ms(lat.get('p95'))} "
            f"p99 {_fmt_ms(lat.get('p99'))} | "
            + ("warm-up, not measured" if warming else f"errors {self.errors}/{self.requests}")
        )

    def update(self, interval: Mapping[str, Any]) -> None:
        text = self.line(interval)
        if self._live is not None:
            from rich.text import Text

            self._live.update(Text(text))
            return
        now = time.monotonic()
        if now - self._last_plain >= PLAIN_EVERY_S:
            self._last_plain = now
            print(text, file=self.stream, flush=True)

    def message(self, text: str) -> None:
        if self._live is not None:
            self._live.console.print(text)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


def print_test_summary(result: Mapping[str, Any], stream: TextIO | None = None) -> None:
    """What the seed's ``_print_test_summary`` prints, plus validity and failed criteria."""
    out = stream or sys.stdout
    metrics = result.get("metrics", {})
    custom = metrics.get("custom_metrics", {})
    mark = "✅" if result.get("success") else "❌"
    print(f"{mark} {result['test_name']} ({result['test_type']})", file=out)
    stats = custom.get("response_time_stats") or {}
    if metrics.get("response_time_count"):
        print(
            f"   📊 Response Times: Mean={stats.get('mean', 0):.1f}ms, "
            f"P95={stats.get('p95', 0):.1f}ms",
            file=out,
        )
    if metrics.get("throughput", 0) > 0:
        print(f"   🚀 Throughput: {metrics['throughput']:.1f} RPS", file=out)
    if metrics.get("error_rate", 0) > 0:
        print(f"   ⚠️  Error Rate: {metrics['error_rate']:.2%}", file=out)
    intel = custom.get("intelligence")
    if intel:
        print(
            f"   🧠 Intelligence: Pattern Discovery="
            f"{intel.get('avg_pattern_discovery_time') or 0:.1f}ms",
            file=out,
        )
    for criterion in result.get("criteria", []):
        if not criterion.get("passed"):
            actual = criterion.get("actual")
            shown = "not measured" if actual is None else f"{actual:.4g}"
            print(
                f"   ✗ {criterion['name']}: {shown} (limit {criterion['op']} {criterion['limit']})",
                file=out,
            )
    for reason in result.get("invalid_reasons", []):
        print(f"   ⛔ INVALID: {reason}", file=out)
    if result.get("recommendations"):
        print(f"   💡 {len(result['recommendations'])} recommendations generated", file=out)
    out.flush()


def print_load_summary(result: Mapping[str, Any], stream: TextIO | None = None) -> None:
    """A wrk-like summary for ``omninode-perf load``."""
    out = stream or sys.stdout
    m = result.get("metrics", {})
    model = result.get("model", "open")
    print(
        f"{m.get('requests', 0)} requests in {result.get('duration', 0):.1f}s "
        f"({model} model), {m.get('throughput', 0):.1f} req/s",
        file=out,
    )
    if model == "open":
        print(
            f"  target {m.get('target_rps') or 0:.1f} req/s, offered {m.get('offered', 0)}, "
            f"dropped {m.get('dropped', 0)}",
            file=out,
        )
    rows = [
        ("latency", m.get("latency_ms") or {}),
        ("service time", m.get("service_time_ms") or {}),
    ]
    print(f"  {'':14}{'p50':>10}{'p90':>10}{'p99':>10}{'p99.9':>10}{'max':>10}", file=out)
    for label, pct in rows:
        cells = "".join(f"{_fmt_ms(pct.get(k)):>10}" for k in ("p50", "p90", "p99", "p999", "max"))
        print(f"  {label:14}{cells}", file=out)
    lag = m.get("send_lag_us") or {}
    if model == "open" and lag.get("p99") is not None:
        print(f"  send lag p50 {lag['p50']}µs p99 {lag['p99']}µs max {lag['max']}µs", file=out)
    if m.get("errors_by_kind"):
        kinds = ", ".join(f"{k}={v}" for k, v in m["errors_by_kind"].items())
        print(f"  errors: {kinds}", file=out)
    if m.get("status_codes"):
        print("  status: " + ", ".join(f"{k}={v}" for k, v in m["status_codes"].items()), file=out)
    for reason in result.get("invalid_reasons", []):
        print(f"  ⛔ INVALID: {reason}", file=out)
    for advice in result.get("recommendations", []):
        print(f"  💡 {advice}", file=out)
    out.flush()
