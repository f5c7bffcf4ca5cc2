"""k6-style thresholds and Taurus-style abort rules: parsing and evaluation.

Thresholds (``thresholds: {metric: [expr, ...]}``)::

    expr   := agg op NUMBER [unit]          e.g.  p(99)<300   avg<100ms   rate<0.01
    agg    := avg | min | max | med | p(N) | rate | count
    metric := NAME ['{endpoint=' NAME '}']  e.g.  latency{endpoint=POST /hooks}

Time metrics (``latency``, ``service_time``, ``ttfb``, ``connect_time``) take avg, min,
max, med, p(N) with N in 50, 90, 95, 99, 99.9 and units ms (default), s, us.
``error_rate`` takes ``rate`` (a fraction, or with ``%``); ``throughput`` takes ``rate``
(req/s) and ``count``; ``dropped`` takes ``count`` and ``rate`` (of offered).

Abort rules (``abort_on: [rule, ...]``), checked per interval::

    rule := metric op NUMBER [unit] ['for' NUMBER [ms|s|m|h]]   e.g.  p95>1000ms for 10s

with metric one of p50 p90 p95 p99 p999 avg min max med p(N) (latency), error_rate, fail
(Taurus: percent), throughput / rps / hits. A rule fires once it held for its whole window.

Every malformed expression raises ``ThresholdSyntaxError`` (exit 2), one line naming
where it is, the expression, and the 0-based position of the problem.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from omninode_bridge.analysis._lexer import Cursor, ThresholdSyntaxError
from omninode_bridge.analysis.criteria import verdict
from omninode_bridge.analysis.windows import dig, failures, num

TIME_METRICS = {
    "latency": "latency_ms",
    "http_req_duration": "latency_ms",
    "service_time": "service_time_ms",
    "ttfb": "ttfb_ms",
    "connect_time": "connect_time_ms",
}
RATE_METRICS = {
    "error_rate": ("rate",),
    "throughput": ("rate", "count"),
    "dropped": ("rate", "count"),
}
TIME_AGGS = ("avg", "min", "max", "med", "p")
PERCENTILES = {50.0: "p50", 90.0: "p90", 95.0: "p95", 99.0: "p99", 99.9: "p999"}
TIME_UNITS = {"ms": 1.0, "s": 1000.0, "us": 0.001}
DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class Threshold:
    expr: str
    where: str
    agg: str  # avg min max med p rate count
    percentile: float | None
    op: str
    value: float  # ms for time metrics, a fraction for rates, req/s or a count otherwise

    def holds(self, actual: float) -> bool:
        return OPS[self.op](actual, self.value)


def _aggregation(cur: Cursor, metric: str | None) -> tuple[str, float | None]:
    token = cur.expect("NAME", "an aggregation: avg, min, max, med, p(N), rate or count")
    name = token.text
    allowed = _allowed_aggs(metric)
    if name not in allowed:
        hint = f"did you mean 'p({name[1:]})'?" if name[1:].isdigit() else ""
        raise cur.error(
            f"unknown aggregation {name!r}",
            token,
            hint or "expected " + ", ".join(a if a != "p" else "p(N)" for a in allowed),
        )
    if name != "p":
        return name, None
    cur.expect("LPAREN", "'(' after p")
    number = cur.peek
    percentile = cur.number()
    if percentile not in PERCENTILES:
        raise cur.error(
            f"percentile {number.text} is not available", number, "use 50, 90, 95, 99 or 99.9"
        )
    cur.expect("RPAREN", "')'")
    return name, percentile


def _allowed_aggs(metric: str | None) -> tuple[str, ...]:
    if metric is None:
        return (*TIME_AGGS, "rate", "count")
    if metric in TIME_METRICS:
        return TIME_AGGS
    return RATE_METRICS[metric]


def _value(cur: Cursor, time_metric: bool) -> float:
    value = cur.number()
    if cur.peek.kind == "PERCENT" and not time_metric:
        cur.take()
        return value / 100
    if cur.peek.kind == "NAME" and time_metric and cur.peek.text in TIME_UNITS:
        return value * TIME_UNITS[cur.take().text]
    if cur.peek.kind in ("NAME", "PERCENT"):
        raise cur.error(
            f"unexpected unit {cur.peek.text!r}", hint="time units: ms, s, us; rates: %"
        )
    return value


def parse_threshold(expr: str, where: str, metric: str | None = None) -> Threshold:
    """Parse one k6-style expression; ``metric`` (if given) restricts the aggregations."""
    cur = Cursor(expr, where)
    agg, percentile = _aggregation(cur, metric)
    op = cur.operator().text
    value = _value(cur, agg in TIME_AGGS)
    cur.end()
    return Threshold(expr, where, agg, percentile, op, value)


def parse_metric_key(key: str, where: str = "thresholds") -> tuple[str, str | None]:
    """``latency{endpoint=POST /hooks}`` → (``latency``, ``POST /hooks``)."""
    name, brace, rest = key.partition("{")
    name = name.strip()
    if name not in TIME_METRICS and name not in RATE_METRICS:
        known = ", ".join([*TIME_METRICS, *RATE_METRICS])
        raise ThresholdSyntaxError(where, key, f"unknown metric {name!r}", 0, f"known: {known}")
    if not brace:
        return name, None
    tag, eq, value = rest.partition("=")
    if tag.strip() != "endpoint" or not eq:
        raise ThresholdSyntaxError(where, key, "expected 'endpoint=<name>'", len(name) + 1)
    if not value.endswith("}") or not value[:-1].strip():
        raise ThresholdSyntaxError(where, key, "expected an endpoint name and '}'", len(key))
    return name, value[:-1].strip()


def _endpoint(metrics: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    for endpoint in metrics.get("endpoints") or ():
        if isinstance(endpoint, Mapping) and endpoint.get("name") == name:
            return endpoint
    return None


def _time_actual(source: Mapping[str, Any], field: str, th: Threshold) -> float | None:
    key = {"avg": "mean", "min": "min", "max": "max", "med": "p50"}.get(th.agg)
    if th.agg == "p" and th.percentile is not None:
        key = PERCENTILES[th.percentile]
    return num(dig(source, field, key or ""))


def _rate_actual(
    metrics: Mapping[str, Any], scope: Mapping[str, Any], metric: str, agg: str
) -> float | None:
    requests = num(scope.get("requests"))
    if metric == "error_rate":  # the test's, or an endpoint row's: drops are failures
        rate = num(scope.get("error_rate"))
        if rate is None and scope is not metrics:  # a row from before rows had error_rate
            errors = num(scope.get("errors"))
            return errors / requests if errors is not None and requests else None
        return rate
    if metric == "dropped":
        dropped = num(scope.get("dropped"))
        offered = num(scope.get("offered"))
        return (
            dropped
            if agg == "count"
            else (dropped / offered if dropped is not None and offered else None)
        )
    if agg == "count":
        return requests
    if scope is metrics:
        return num(metrics.get("throughput"))
    total, rps = num(metrics.get("requests")), num(metrics.get("achieved_rps"))
    return requests * rps / total if requests is not None and total and rps is not None else None


def threshold_actual(
    metrics: Mapping[str, Any], metric: str, endpoint: str | None, th: Threshold
) -> float | None:
    """The measured value a threshold compares (None when it was not measured)."""
    scope = metrics if endpoint is None else _endpoint(metrics, endpoint)
    if scope is None:
        return None
    if metric in TIME_METRICS:
        return _time_actual(scope, TIME_METRICS[metric], th)
    return _rate_actual(metrics, scope, metric, th.agg)


def parse_thresholds(spec: Mapping[str, Sequence[str]]) -> list[tuple[str, str | None, Threshold]]:
    """Parse a whole ``thresholds`` block; raises on the first malformed entry."""
    parsed = []
    for key, exprs in spec.items():
        metric, endpoint = parse_metric_key(key, f"thresholds.{key}")
        if isinstance(exprs, str):
            exprs = [exprs]
        for i, expr in enumerate(exprs):
            parsed.append(
                (metric, endpoint, parse_threshold(expr, f"thresholds.{key}[{i}]", metric))
            )
    return parsed


def evaluate_thresholds(
    spec: Mapping[str, Sequence[str]], metrics: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """One Criterion dict per threshold expression (name ``thresholds.<key>[i]``)."""
    return [
        verdict(th.where, th.op, th.value, threshold_actual(metrics, metric, endpoint, th))
        for metric, endpoint, th in parse_thresholds(spec)
    ]


# --- abort rules -------------------------------------------------------------------------

ABORT_LATENCY = {
    "avg": "mean", "avg-rt": "mean", "min": "min", "max": "max", "med": "p50",
    "p50": "p50", "p90": "p90", "p95": "p95", "p99": "p99", "p999": "p999",
}  # fmt: skip
ABORT_RATES = ("error_rate", "fail", "throughput", "rps", "hits")


@dataclass(frozen=True)
class AbortRule:
    expr: str
    where: str
    metric: str  # a latency_ms key (p95, mean, ...), "error_rate" or "throughput"
    op: str
    value: float  # ms, fraction or req/s
    window_s: float

    def actual(self, interval: Mapping[str, Any]) -> float | None:
        if self.metric == "error_rate":
            failed, attempted = failures(interval)
            return failed / attempted if attempted else None
        if self.metric == "throughput":
            return num(interval.get("achieved_rps"))
        return num(dig(interval, "latency_ms", self.metric))

    def holds(self, interval: Mapping[str, Any]) -> bool:
        actual = self.actual(interval)
        return actual is not None and OPS[self.op](actual, self.value)


def _abort_metric(cur: Cursor) -> tuple[str, str]:
    token = cur.expect("NAME", "a metric: p95, avg, error_rate, throughput, ...")
    name = token.text
    if name == "p" and cur.peek.kind == "LPAREN":
        cur.take()
        number = cur.peek
        percentile = cur.number()
        if percentile not in PERCENTILES:
            raise cur.error(
                f"percentile {number.text} is not available", number, "use 50, 90, 95, 99 or 99.9"
            )
        cur.expect("RPAREN", "')'")
        return name, PERCENTILES[percentile]
    if name in ABORT_LATENCY:
        return name, ABORT_LATENCY[name]
    if name in ABORT_RATES:
        return name, "error_rate" if name in ("error_rate", "fail") else "throughput"
    known = ", ".join([*ABORT_LATENCY, "p(N)", *ABORT_RATES])
    raise cur.error(f"unknown metric {name!r}", token, f"expected one of {known}")


def _abort_value(cur: Cursor, name: str, metric: str) -> float:
    value = cur.number()
    percent = cur.peek.kind == "PERCENT"
    if percent:
        cur.take()
    if metric == "error_rate":
        return value / 100 if percent or name == "fail" else value
    if percent:
        raise cur.error("'%' only applies to error rates", cur.tokens[cur.i - 1])
    if metric != "throughput" and cur.peek.kind == "NAME" and cur.peek.text in TIME_UNITS:
        return value * TIME_UNITS[cur.take().text]
    return value


def _window(cur: Cursor) -> float:
    if cur.peek.kind == "END":
        return 0.0
    if cur.peek.kind != "NAME" or cur.peek.text != "for":
        raise cur.unexpected("'for <duration>' or end of expression")
    cur.take()
    seconds = cur.number()
    if cur.peek.kind == "NAME":
        unit = cur.take()
        if unit.text not in DURATION_UNITS:
            raise cur.error(f"unknown duration unit {unit.text!r}", unit, "use ms, s, m or h")
        seconds *= DURATION_UNITS[unit.text]
    return seconds


def parse_abort_rule(expr: str, where: str) -> AbortRule:
    cur = Cursor(expr, where)
    name, metric = _abort_metric(cur)
    op = cur.operator().text
    value = _abort_value(cur, name, metric)
    window = _window(cur)
    cur.end()
    return AbortRule(expr, where, metric, op, value, window)


class AbortMonitor:
    """Feeds intervals to abort rules; reports the first rule that held for its window."""

    def __init__(self, rules: Sequence[AbortRule]) -> None:
        self.rules = list(rules)
        self.held_s = [0.0] * len(self.rules)
        self.reason: str | None = None

    @classmethod
    def from_exprs(cls, exprs: Sequence[str], where: str = "abort_on") -> AbortMonitor:
        return cls([parse_abort_rule(e, f"{where}[{i}]") for i, e in enumerate(exprs)])

    def feed(self, interval: Mapping[str, Any]) -> str | None:
        """Account one interval; the abort reason once (and after) a rule fired."""
        if self.reason is not None:
            return self.reason
        duration = num(interval.get("duration_s")) or 1.0
        for i, rule in enumerate(self.rules):
            self.held_s[i] = self.held_s[i] + duration if rule.holds(interval) else 0.0
            if self.held_s[i] > 0 and self.held_s[i] >= rule.window_s - 1e-9:
                self.reason = _reason(rule, self.held_s[i], rule.actual(interval))
                return self.reason
        return None


def _reason(rule: AbortRule, held_s: float, actual: float | None) -> str:
    return (
        f"abort rule {rule.where} {rule.expr!r} held for {held_s:g} s "
        f"(last value {actual:.4g}, limit {rule.value:g})"
    )


__all__ = [
    "AbortMonitor",
    "AbortRule",
    "Threshold",
    "ThresholdSyntaxError",
    "evaluate_thresholds",
    "parse_abort_rule",
    "parse_metric_key",
    "parse_threshold",
    "parse_thresholds",
]
