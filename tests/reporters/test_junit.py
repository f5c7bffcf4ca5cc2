"""JUnit XML, parsed back with junitparser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from omninode_bridge.reporters import junit, synthetic


def _parse(tmp_path: Path, reports: list[dict[str, Any]]) -> JUnitXml:
    path = junit.write_junit(reports, tmp_path / "junit.xml")
    return JUnitXml.fromfile(str(path))


def test_one_case_per_test_and_per_criterion(tmp_path: Path, small_report: dict[str, Any]) -> None:
    xml = _parse(tmp_path, [small_report])
    suites = list(xml)
    assert len(suites) == 1
    cases = list(suites[0])
    tests = small_report["test_results"]
    assert len(cases) == len(tests) + sum(len(t["criteria"]) for t in tests)
    assert suites[0].tests == len(cases)
    names = {c.name for c in cases}
    for test in tests:
        assert test["test_name"] in names
        for criterion in test["criteria"]:
            assert f"{test['test_name']} · {criterion['name']}" in names


def test_failures_state_limit_and_actual(tmp_path: Path, small_report: dict[str, Any]) -> None:
    xml = _parse(tmp_path, [small_report])
    cases = {c.name: c for suite in xml for c in suite}
    stress = small_report["test_results"][1]
    failing = [c for c in stress["criteria"] if not c["passed"]]
    assert failing, "the synthetic stress test must fail a criterion"
    for criterion in failing:
        case = cases[f"{stress['test_name']} · {criterion['name']}"]
        (result,) = case.result
        assert isinstance(result, Failure)
        assert f"limit {criterion['op']} {criterion['limit']:g}" in result.message
        assert f"actual {criterion['actual']:.6g}" in result.message
    whole = cases[stress["test_name"]]
    assert isinstance(whole.result[0], Failure)
    passing = cases[small_report["test_results"][0]["test_name"]]
    assert passing.is_passed
    props = {p.get("name"): p.get("value") for p in passing._elem.iter("property")}
    assert float(props["latency_p95_ms"]) == pytest.approx(
        small_report["test_results"][0]["metrics"]["latency_ms"]["p95"], rel=1e-5
    )


def test_invalid_runs_are_errors_and_their_criteria_skipped(tmp_path: Path) -> None:
    spec = synthetic.TestSpec("overloaded", "load", 5, invalid_reason="generator CPU 97% > 85%")
    report = synthetic.make_report([spec])
    xml = _parse(tmp_path, [report])
    cases = {c.name: c for suite in xml for c in suite}
    (result,) = cases["overloaded"].result
    assert isinstance(result, Error)
    assert "generator CPU 97% > 85%" in result.message
    assert all(isinstance(c.result[0], Skipped) for n, c in cases.items() if n != "overloaded")
    assert xml.errors == 1


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param("<script>alert(1)</script>", id="tags"),
        pytest.param('"><img src=x onerror=alert(1)>', id="attribute-break"),
        pytest.param("bell\x07 and nul\x00", id="xml-forbidden-chars"),
        pytest.param("]]>&amp;", id="cdata-end-and-entity"),
    ],
)
def test_hostile_text_round_trips(tmp_path: Path, hostile: str) -> None:
    report = synthetic.make_report(synthetic.default_specs(3)[:2], hostile=hostile)
    xml = _parse(tmp_path, [report])
    names = [c.name for suite in xml for c in suite]
    expected = junit.clean(report["test_results"][0]["test_name"])
    assert expected in names


def test_several_runs_become_several_suites(tmp_path: Path, small_report: dict[str, Any]) -> None:
    other = synthetic.make_report(synthetic.default_specs(3)[:1], suite="other")
    xml = _parse(tmp_path, [small_report, other])
    assert [s.name for s in xml] == ["synthetic", "other"]
