from __future__ import annotations

from typing import Any

import pytest

from omninode_bridge.analysis.thresholds import (
    AbortMonitor,
    ThresholdSyntaxError,
    evaluate_thresholds,
    parse_abort_rule,
    parse_metric_key,
    parse_threshold,
)
from omninode_bridge.errors import ExitCode, UsageError

# (id, expression, metric, position of the problem, words the message must contain)
BAD_THRESHOLDS = [
    ("double-operator", "p(99)<<300", "latency", 6, "unexpected '<'"),
    ("empty", "", "latency", 0, "end of expression"),
    ("missing-value", "avg<", "latency", 4, "end of expression"),
    ("missing-operator", "avg 100", "latency", 4, "unexpected '100'"),
    ("unknown-aggregation", "mean<100", "latency", 0, "unknown aggregation 'mean'"),
    ("percentile-shorthand", "p99<300", "latency", 0, "did you mean 'p(99)'"),
    ("percentile-unavailable", "p(97)<300", "latency", 2, "percentile 97"),
    ("percentile-unclosed", "p(99<300", "latency", 4, "unexpected '<'"),
    ("percentile-no-number", "p()<300", "latency", 2, "unexpected ')'"),
    ("p-without-paren", "p<300", "latency", 1, "unexpected '<'"),
    ("equality-operator", "avg==100", "latency", 3, "unsupported operator '=='"),
    ("bang-operator", "avg!=100", "latency", 3, "unsupported operator '!='"),
    ("bad-character", "avg<100#", "latency", 7, "unexpected '#'"),
    ("trailing-garbage", "avg<100 ms x", "latency", 11, "unexpected 'x'"),
    ("unknown-unit", "avg<100 parsecs", "latency", 8, "unexpected unit 'parsecs'"),
    ("percent-on-latency", "avg<10%", "latency", 6, "unexpected unit '%'"),
    ("rate-on-latency", "rate<0.1", "latency", 0, "unknown aggregation 'rate'"),
    ("avg-on-error-rate", "avg<0.1", "error_rate", 0, "unknown aggregation 'avg'"),
    ("unit-on-rate", "rate<0.1s", "error_rate", 8, "unexpected unit 's'"),
    ("value-first", "300>p(95)", "latency", 0, "unexpected '300'"),
    ("two-numbers", "avg<100 200", "latency", 8, "unexpected '200'"),
]


@pytest.mark.parametrize(
    ("expr", "metric", "pos", "words"),
    [c[1:] for c in BAD_THRESHOLDS],
    ids=[c[0] for c in BAD_THRESHOLDS],
)
def test_malformed_threshold_gets_one_line_error(
    expr: str, metric: str, pos: int, words: str
) -> None:
    where = f"thresholds.{metric}[0]"
    with pytest.raises(ThresholdSyntaxError) as info:
        parse_threshold(expr, where, metric)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{where}: {expr!r}: ")
    assert f"at position {pos}" in message
    assert words in message
    assert info.value.pos == pos
    assert isinstance(info.value, UsageError)
    assert info.value.exit_code == ExitCode.USAGE


def test_example_message_from_the_brief() -> None:
    with pytest.raises(ThresholdSyntaxError) as info:
        parse_threshold("p(99)<<300", "thresholds.latency[0]", "latency")
    assert str(info.value).startswith(
        "thresholds.latency[0]: 'p(99)<<300': unexpected '<' at position 6"
    )


GOOD_THRESHOLDS = [
    ("p99", "p(99)<300", "latency", ("p", 99.0, "<", 300.0)),
    ("p99.9", "p(99.9)<=1s", "latency", ("p", 99.9, "<=", 1000.0)),
    ("avg-ms", "avg < 100ms", "latency", ("avg", None, "<", 100.0)),
    ("max-us", "max<500us", "service_time", ("max", None, "<", 0.5)),
    ("med", "med>=1", "ttfb", ("med", None, ">=", 1.0)),
    ("rate", "rate<0.01", "error_rate", ("rate", None, "<", 0.01)),
    ("rate-percent", "rate<1%", "error_rate", ("rate", None, "<", 0.01)),
    ("throughput", "rate>80", "throughput", ("rate", None, ">", 80.0)),
    ("count", "count>1e3", "throughput", ("count", None, ">", 1000.0)),
]


@pytest.mark.parametrize(
    ("expr", "metric", "want"),
    [c[1:] for c in GOOD_THRESHOLDS],
    ids=[c[0] for c in GOOD_THRESHOLDS],
)
def test_threshold_parses(expr: str, metric: str, want: tuple[Any, ...]) -> None:
    th = parse_threshold(expr, "x", metric)
    assert (th.agg, th.percentile, th.op, th.value) == pytest.approx(want)


BAD_KEYS = [
    ("unknown-metric", "latencyy", 0, "unknown metric 'latencyy'"),
    ("bad-tag", "latency{route=/x}", 8, "expected 'endpoint=<name>'"),
    ("unclosed-tag", "latency{endpoint=POST /x", 24, "'}'"),
]


@pytest.mark.parametrize(
    ("key", "pos", "words"), [c[1:] for c in BAD_KEYS], ids=[c[0] for c in BAD_KEYS]
)
def test_malformed_metric_key(key: str, pos: int, words: str) -> None:
    with pytest.raises(ThresholdSyntaxError) as info:
        parse_metric_key(key, f"thresholds.{key}")
    assert f"at position {pos}" in str(info.value)
    assert words in str(info.value)


METRICS: dict[str, Any] = {
    "throughput": 90.0,
    "error_rate": 0.005,
    "requests": 900,
    "achieved_rps": 90.0,
    "latency_ms": {"p50": 10.0, "p95": 120.0, "p99": 280.0, "mean": 30.0, "max": 900.0},
    "endpoints": [
        {"name": "POST /hooks", "requests": 600, "errors": 6, "latency_ms": {"p99": 350.0}},
        {"name": "GET /health", "requests": 300, "errors": 0, "latency_ms": {"p99": 5.0}},
    ],
}


def test_evaluate_thresholds_gives_criterion_verdicts() -> None:
    spec = {
        "latency": ["p(99)<300", "avg<20"],
        "error_rate": ["rate<0.01"],
        "throughput": ["rate>80"],
        "latency{endpoint=POST /hooks}": ["p(99)<300"],
        "error_rate{endpoint=POST /hooks}": ["rate<0.02"],
        "throughput{endpoint=GET /health}": ["rate>25"],
        "latency{endpoint=GET /nope}": ["p(99)<300"],
    }
    got = {v["name"]: (v["actual"], v["passed"]) for v in evaluate_thresholds(spec, METRICS)}
    assert got == {
        "thresholds.latency[0]": (280.0, True),
        "thresholds.latency[1]": (30.0, False),
        "thresholds.error_rate[0]": (0.005, True),
        "thresholds.throughput[0]": (90.0, True),
        "thresholds.latency{endpoint=POST /hooks}[0]": (350.0, False),
        "thresholds.error_rate{endpoint=POST /hooks}[0]": (0.01, True),
        "thresholds.throughput{endpoint=GET /health}[0]": (30.0, True),
        "thresholds.latency{endpoint=GET /nope}[0]": (None, False),
    }


BAD_RULES = [
    ("unknown-metric", "latency>1s for 5s", 0, "unknown metric 'latency'"),
    ("no-operator", "p95 1000ms for 10s", 4, "unexpected '1000'"),
    ("no-value", "p95> for 10s", 5, "unexpected 'for'"),
    ("bad-duration-unit", "p95>1s for 10 parsecs", 14, "unknown duration unit 'parsecs'"),
    ("for-without-duration", "p95>1s for", 10, "end of expression"),
    ("forever", "p95>1s forever", 7, "unexpected 'forever'"),
    ("percent-on-latency", "p95>10% for 5s", 6, "'%' only applies to error rates"),
    ("bad-percentile", "p(42)>1s for 5s", 2, "percentile 42"),
]


@pytest.mark.parametrize(
    ("expr", "pos", "words"), [c[1:] for c in BAD_RULES], ids=[c[0] for c in BAD_RULES]
)
def test_malformed_abort_rule(expr: str, pos: int, words: str) -> None:
    with pytest.raises(ThresholdSyntaxError) as info:
        parse_abort_rule(expr, "abort_on[0]")
    message = str(info.value)
    assert message.startswith(f"abort_on[0]: {expr!r}: ") and "\n" not in message
    assert f"at position {pos}" in message
    assert words in message


GOOD_RULES = [
    ("p95-ms", "p95>1000ms for 10s", ("p95", ">", 1000.0, 10.0)),
    ("p95-seconds", "p(95) > 1s for 500ms", ("p95", ">", 1000.0, 0.5)),
    ("error-rate", "error_rate>0.5 for 5s", ("error_rate", ">", 0.5, 5.0)),
    ("taurus-fail-percent", "fail>50% for 1m", ("error_rate", ">", 0.5, 60.0)),
    ("taurus-avg-rt", "avg-rt>200ms for 3s", ("mean", ">", 200.0, 3.0)),
    ("rps-no-window", "rps<10", ("throughput", "<", 10.0, 0.0)),
]


@pytest.mark.parametrize(
    ("expr", "want"), [c[1:] for c in GOOD_RULES], ids=[c[0] for c in GOOD_RULES]
)
def test_abort_rule_parses(expr: str, want: tuple[Any, ...]) -> None:
    rule = parse_abort_rule(expr, "abort_on[0]")
    assert (rule.metric, rule.op, rule.value, rule.window_s) == want


def _iv(p95: float, errors: int = 0) -> dict[str, Any]:
    return {"duration_s": 1.0, "requests": 100, "errors": errors, "latency_ms": {"p95": p95}}


def test_abort_monitor_fires_only_after_the_whole_window() -> None:
    monitor = AbortMonitor.from_exprs(["p95>1000ms for 3s", "error_rate>0.5 for 2s"])
    feed = [_iv(1500), _iv(1500), _iv(10), _iv(1500), _iv(1500)]
    assert [monitor.feed(i) for i in feed] == [None] * 5  # the dip resets the window
    reason = monitor.feed(_iv(2000))
    assert reason is not None and "abort_on[0]" in reason and "'p95>1000ms for 3s'" in reason
    assert monitor.feed(_iv(1)) == reason  # sticky once fired


def test_abort_monitor_error_rule() -> None:
    monitor = AbortMonitor.from_exprs(["p95>1000ms for 3s", "error_rate>0.5 for 2s"])
    assert monitor.feed(_iv(5, errors=60)) is None
    reason = monitor.feed(_iv(5, errors=70))
    assert reason is not None and "abort_on[1]" in reason
