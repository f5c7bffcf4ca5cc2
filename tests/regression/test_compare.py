"""Verdicts on seeded synthetic runs: every verdict, the gates, per-metric thresholds,
per-endpoint results and the runs-as-unit (Mann-Whitney) path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.errors import ExitCode
from omninode_bridge.regression.compare import Comparison, Settings, Verdict, compare
from omninode_bridge.regression.loader import TestRun
from omninode_bridge.regression.loader import test_runs as runs_of
from tests.regression.synth import make_result, suite

FAST = Settings(n_boot=600)


def runs(*tests: dict[str, Any], bare: bool = False) -> list[TestRun]:
    if bare:
        return [r for t in tests for r in runs_of(Path("load.json"), t)]
    return runs_of(Path("report.json"), suite(list(tests)))


def verdicts(c: Comparison, endpoint: str | None = None) -> dict[str, Verdict]:
    return {r.metric: r.verdict for r in c.results if r.endpoint == endpoint}


LATENCY = ("p50", "p90", "p95", "p99")


R, IMP, P, X = Verdict.REGRESSION, Verdict.IMPROVEMENT, Verdict.PASS, Verdict.INVALID
OK, FAIL, BAD = ExitCode.OK, ExitCode.CRITERIA_FAILED, ExitCode.INVALID_RUN


@pytest.mark.parametrize(
    ("current", "want", "code"),
    [
        ({"seed": 2}, dict.fromkeys(LATENCY, P), OK),
        ({"seed": 3, "slowdown": 1.3}, dict.fromkeys(LATENCY, R), FAIL),
        ({"seed": 4, "slowdown": 0.7}, dict.fromkeys(LATENCY, IMP), OK),
        ({"seed": 5, "valid": False}, dict.fromkeys(LATENCY, X), BAD),
        ({"seed": 6, "error_rate": 0.05}, {"error_rate": R}, FAIL),
        ({"seed": 7, "rate": 150}, {"throughput": R}, FAIL),
        ({"seed": 8, "seconds": 30}, {"p99": Verdict.INCONCLUSIVE, "p50": P}, OK),
    ],
    ids=[
        "same", "30pct-slower", "30pct-faster", "invalid", "errors-5pct", "throughput-drop",
        "too-short-for-p99",
    ],
)  # fmt: skip
def test_single_run_verdicts(
    current: dict[str, Any], want: dict[str, Verdict], code: ExitCode
) -> None:
    c = compare(runs(make_result(1)), runs(make_result(**current)), FAST)
    got = verdicts(c)
    assert {m: got[m] for m in want} == want
    assert c.exit_code() == code


def test_inconclusive_reports_mde_and_fails_when_strict() -> None:
    c = compare(runs(make_result(1, seconds=30)), runs(make_result(2, seconds=30)), FAST)
    p99 = next(r for r in c.results if r.metric == "p99" and r.endpoint is None)
    assert p99.verdict is Verdict.INCONCLUSIVE and "n ≥ 10000" in p99.reason
    assert c.exit_code(fail_on_inconclusive=True) == ExitCode.CRITERIA_FAILED


def test_wide_interval_is_inconclusive_with_detectable_effect() -> None:
    noisy = {"interval_sd": 0.3, "rho": 0.9, "seconds": 60}
    c = compare(runs(make_result(1, **noisy)), runs(make_result(2, **noisy, slowdown=1.08)), FAST)
    p50 = next(r for r in c.results if r.metric == "p50" and r.endpoint is None)
    assert p50.verdict is Verdict.INCONCLUSIVE
    assert p50.mde is not None and p50.mde > 0.10
    assert "detectable change" in p50.reason


def test_per_metric_thresholds() -> None:
    s = Settings(n_boot=600, threshold=0.10, metric_thresholds={"p50": 0.5})
    c = compare(runs(make_result(1)), runs(make_result(3, slowdown=1.3)), s)
    got = verdicts(c)
    assert got["p50"] is Verdict.PASS  # +30 % is inside a 50 % p50 threshold
    assert got["p95"] is Verdict.REGRESSION
    assert next(r.threshold for r in c.results if r.metric == "p50") == 0.5


def test_per_endpoint_results() -> None:
    eps = ("GET /a", "POST /b")
    c = compare(
        runs(make_result(1, endpoints=eps)), runs(make_result(3, endpoints=eps, slowdown=1.3)), FAST
    )
    assert verdicts(c, "GET /a")["p50"] is Verdict.REGRESSION
    assert verdicts(c, "POST /b")["p95"] is Verdict.REGRESSION
    assert {r.endpoint for r in c.results} == {None, *eps}


@pytest.mark.parametrize(
    ("slowdown", "want"),
    [(1.0, Verdict.PASS), (1.4, Verdict.REGRESSION)],
    ids=["same", "40pct-slower"],
)
def test_runs_as_unit_with_mann_whitney(slowdown: float, want: Verdict) -> None:
    short = {"seconds": 20, "rate": 600}
    base = runs(*[make_result(i, **short) for i in range(6)], bare=True)
    cur = runs(*[make_result(100 + i, slowdown=slowdown, **short) for i in range(6)], bare=True)
    c = compare(base, cur, FAST)
    p50 = next(r for r in c.results if r.metric == "p50")
    assert p50.method == "mann-whitney" and p50.runs_baseline == 6
    assert p50.verdict is want


def test_bare_test_result_matches_suite_document() -> None:
    c = compare(runs(make_result(1)), runs(make_result(2), bare=True), FAST)
    assert verdicts(c)["p50"] is Verdict.PASS


def test_unmatched_tests_become_notes() -> None:
    c = compare(runs(make_result(1, name="a")), runs(make_result(2, name="b")), FAST)
    assert c.results == []
    assert any("no baseline" in n for n in c.notes)


def test_bh_controls_the_family() -> None:
    """A marginal shift on one metric among many is not enough on its own."""
    c = compare(runs(make_result(1)), runs(make_result(3, slowdown=1.3)), FAST)
    regs = [r for r in c.results if r.verdict is Verdict.REGRESSION]
    assert regs and all(r.low is not None and r.low > 1 + r.threshold for r in regs)
    assert all(r.confidence is not None and r.confidence >= 0.95 for r in regs)
