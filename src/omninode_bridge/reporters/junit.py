"""JUnit XML: one ``<testsuite>`` per run, a testcase per test and one per criterion.

Owns: ``render_junit(reports)`` / ``write_junit(reports, path)``. Layout, chosen so CI
viewers (GitHub, GitLab, Jenkins) show a readable list:

- ``<testsuite name="<suite>">`` per results document, ``timestamp`` from the run
- per test a testcase ``classname="<suite>.<test>" name="<test>"``: a ``<failure>`` listing
  every failing criterion with limit and actual, or an ``<error>`` when the run is
  invalid or aborted; ``<properties>`` carry p50/p95/p99, throughput and error rate,
  ``<system-out>`` the recommendations
- per criterion a testcase ``name="<test> · <criterion>"``: ``<failure>`` with
  ``"<criterion>: actual X, limit <op> Y"``; skipped when the run is invalid (its numbers
  cannot be judged).

Text is escaped by ElementTree; characters XML 1.0 forbids are replaced.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omninode_bridge.reporters import series as s
from omninode_bridge.util.atomic import atomic_write_text

Report = Mapping[str, Any]
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: Any) -> str:
    return _XML_INVALID.sub("\ufffd", str(text))


def _fmt(value: Any) -> str:
    x = s.num(value)
    return "n/a" if x is None else f"{x:.6g}"


def criterion_message(criterion: Mapping[str, Any]) -> str:
    """``"<name>: actual X, limit <op> Y"``; an unmeasured actual says so."""
    actual = "not measured" if criterion.get("actual") is None else _fmt(criterion.get("actual"))
    limit = criterion.get("limit")
    shown = limit if isinstance(limit, str) else _fmt(limit)
    return f"{criterion.get('name')}: actual {actual}, limit {criterion.get('op', '')} {shown}"


def _case(parent: ET.Element, classname: str, name: str, seconds: Any) -> ET.Element:
    return ET.SubElement(
        parent, "testcase", classname=clean(classname), name=clean(name), time=_fmt(seconds or 0)
    )


def _problem(case: ET.Element, tag: str, message: str, kind: str, body: str = "") -> None:
    node = ET.SubElement(case, tag, message=clean(message), type=kind)
    node.text = clean(body or message)


def _test_case(
    suite: ET.Element, prefix: str, test: Mapping[str, Any], counts: dict[str, int]
) -> None:
    name = str(test.get("test_name", ""))
    case = _case(suite, f"{prefix}.{name}", name, test.get("duration"))
    _properties(case, test)
    criteria = [c for c in test.get("criteria") or [] if isinstance(c, Mapping)]
    failed = [criterion_message(c) for c in criteria if not c.get("passed")]
    if test.get("valid") is False:
        reasons = "; ".join(str(r) for r in test.get("invalid_reasons") or []) or "invalid run"
        _problem(case, "error", f"invalid run: {reasons}", "InvalidRun")
        counts["errors"] += 1
    elif test.get("aborted"):
        _problem(
            case, "error", f"aborted: {test.get('abort_reason') or 'no reason given'}", "Aborted"
        )
        counts["errors"] += 1
    elif not test.get("success"):
        message = "; ".join(failed) or "test failed"
        body = "\n".join(failed + [str(e) for e in test.get("errors") or []])
        _problem(case, "failure", message, "CriteriaFailed", body)
        counts["failures"] += 1
    _system_out(case, test)
    counts["tests"] += 1
    for criterion in criteria:
        _criterion_case(suite, prefix, name, test, criterion, counts)


def _criterion_case(
    suite: ET.Element,
    prefix: str,
    name: str,
    test: Mapping[str, Any],
    criterion: Mapping[str, Any],
    counts: dict[str, int],
) -> None:
    case = _case(suite, f"{prefix}.{name}", f"{name} · {criterion.get('name')}", 0)
    counts["tests"] += 1
    if test.get("valid") is False:
        ET.SubElement(case, "skipped", message="not judged: the run is invalid")
        counts["skipped"] += 1
    elif not criterion.get("passed"):
        _problem(case, "failure", criterion_message(criterion), "CriterionFailed")
        counts["failures"] += 1


def _properties(case: ET.Element, test: Mapping[str, Any]) -> None:
    metrics = test.get("metrics") or {}
    props = ET.SubElement(case, "properties")
    values = {
        "test_type": test.get("test_type"),
        **{f"latency_{p}_ms": s.dig(metrics, "latency_ms", p) for p in ("p50", "p95", "p99")},
        "throughput_rps": metrics.get("throughput"),
        "error_rate": metrics.get("error_rate"),
    }
    for key, value in values.items():
        if value is not None:
            ET.SubElement(
                props,
                "property",
                name=key,
                value=clean(value if isinstance(value, str) else _fmt(value)),
            )


def _system_out(case: ET.Element, test: Mapping[str, Any]) -> None:
    lines = [f"recommendation: {r}" for r in test.get("recommendations") or []]
    if lines:
        ET.SubElement(case, "system-out").text = clean("\n".join(lines))


def _suite(root: ET.Element, report: Report) -> dict[str, int]:
    prefix = str(report.get("suite_name", "suite"))
    suite = ET.SubElement(
        root, "testsuite", name=clean(prefix), timestamp=clean(report.get("timestamp", ""))
    )
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total = 0.0
    for test in report.get("test_results") or []:
        if isinstance(test, Mapping):
            _test_case(suite, prefix, test, counts)
            total += s.num(test.get("duration")) or 0.0
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", _fmt(total))
    return {**counts, "time": int(total)}


def render_junit(reports: Sequence[Report]) -> str:
    root = ET.Element("testsuites", name="omninode-perf")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0}
    for report in reports:
        for key, value in _suite(root, report).items():
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(reports: Sequence[Report], path: str | Path) -> Path:
    return atomic_write_text(path, render_junit(reports))
