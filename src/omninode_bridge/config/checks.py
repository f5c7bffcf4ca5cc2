"""Cross-field checks on the interpolated (not yet validated) ``performance_testing`` data.

They run on raw data so that they report even when some other field failed type
validation: every problem is found in one pass. A value of the wrong type is skipped here
(pydantic reports it). Threshold and abort expressions are only type-checked; their
grammar belongs to ``analysis/thresholds.py``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from omninode_bridge.config.durations import parse_duration, parse_size
from omninode_bridge.config.fields import number_value
from omninode_bridge.config.model import IntelligenceCase, TestConfig, default_endpoint_name
from omninode_bridge.config.yamlsource import KeyPath

_THRESHOLD_KEY = re.compile(r"(latency|error_rate|throughput)(\{endpoint=([^}]+)\})?")
_NEEDS_RATE = ("load", "endurance", "volume")


@dataclass(frozen=True)
class Finding:
    path: KeyPath
    message: str
    hint: str | None = None


def cross_check(doc: Any) -> list[Finding]:
    """Every cross-field problem of a ``performance_testing`` mapping."""
    if not isinstance(doc, dict):
        return []
    services = doc.get("base_urls")
    known = sorted(services) if isinstance(services, dict) else []
    suites = doc.get("test_suites")
    findings: list[Finding] = []
    if isinstance(suites, dict):
        for suite_name, suite in suites.items():
            findings += _check_suite(suite, ("test_suites", suite_name), known)
    return findings


def _check_suite(suite: Any, path: KeyPath, known: list[str]) -> list[Finding]:
    tests = suite.get("tests") if isinstance(suite, dict) else None
    if not isinstance(tests, list):
        return []
    findings: list[Finding] = []
    seen: set[str] = set()
    for index, test in enumerate(tests):
        test_path = (*path, "tests", index)
        if not isinstance(test, dict):
            continue
        name = test.get("name")
        if isinstance(name, str) and name in seen:
            findings.append(Finding((*test_path, "name"), f"duplicate test name {name!r}"))
        if isinstance(name, str):
            seen.add(name)
        findings += _check_test(test, test_path, known)
    return findings


def _check_test(test: dict[str, Any], path: KeyPath, known: list[str]) -> list[Finding]:
    kind = test.get("type")
    findings = list(_rates(test, kind, path))
    findings += _check_warmup(test, kind, path)
    endpoints = test.get("endpoints")
    if kind != "intelligence" and kind in _KINDS and not endpoints:
        findings.append(Finding((*path, "endpoints"), f"a {kind} test needs at least 1 endpoint"))
    if isinstance(endpoints, list):
        for index, endpoint in enumerate(endpoints):
            findings += _check_endpoint(endpoint, (*path, "endpoints", index), known)
    findings += _check_intelligence(test, kind, path, known)
    findings += _check_volume(test, path, known)
    findings += _check_thresholds(test, endpoints, path)
    return findings


_KINDS = ("load", "stress", "spike", "volume", "endurance", "intelligence")


def _value(test: dict[str, Any], key: str) -> float | None:
    """The test's number at ``key``, or the model default when absent; None if not a number."""
    raw = test[key] if key in test else TestConfig.model_fields[key].default
    return number_value(raw)


def _rates(test: dict[str, Any], kind: Any, path: KeyPath) -> Iterator[Finding]:
    closed = test.get("model") == "closed"
    if closed and test.get("concurrency") is None:
        yield Finding((*path, "concurrency"), "required when model is 'closed'")
    if kind in _NEEDS_RATE and not closed and test.get("target_rps") is None:
        yield Finding((*path, "target_rps"), f"a {kind} test in the open model needs target_rps")
    if kind == "stress":
        start, top = _value(test, "start_rps"), _value(test, "max_rps")
        if start is not None and top is not None and top <= start:
            yield Finding(
                (*path, "max_rps"), f"expected max_rps > start_rps ({start:g}), got {top:g}"
            )
    if kind == "spike":
        yield from _spike_rates(test, path)


def _spike_rates(test: dict[str, Any], path: KeyPath) -> Iterator[Finding]:
    for key in ("base_rps", "spike_rps"):
        if test.get(key) is None:
            yield Finding((*path, key), f"a spike test needs {key}")
    base, spike = _value(test, "base_rps"), _value(test, "spike_rps")
    if base is not None and spike is not None and spike <= base:
        yield Finding(
            (*path, "spike_rps"), f"expected spike_rps > base_rps ({base:g}), got {spike:g}"
        )


def _check_warmup(test: dict[str, Any], kind: Any, path: KeyPath) -> list[Finding]:
    """A warm-up runs at a constant rate: stress and spike tests ramp from their own start."""
    try:
        warm = parse_duration(test.get("warmup", 0))
    except ValueError:
        return []  # the field's own check names the bad value
    own_shape = kind in ("stress", "spike", "intelligence") and test.get("model") != "closed"
    if warm > 0 and own_shape:
        return [
            Finding(
                (*path, "warmup"),
                f"a {kind} test has no warm-up; it applies to load, volume and endurance "
                "tests and to the closed model",
            )
        ]
    return []


def _service_finding(service: Any, path: KeyPath, known: list[str]) -> list[Finding]:
    if not isinstance(service, str) or service in known:
        return []
    hint = f"base_urls has: {', '.join(known)}" if known else "base_urls is empty"
    return [Finding(path, f"unknown service {service!r}", hint)]


def _check_endpoint(endpoint: Any, path: KeyPath, known: list[str]) -> list[Finding]:
    if not isinstance(endpoint, dict):
        return []
    has_service, has_url = endpoint.get("service") is not None, endpoint.get("url") is not None
    findings = _service_finding(endpoint.get("service"), (*path, "service"), known)
    if has_service == has_url:
        what = "both" if has_service else "neither"
        findings.append(Finding(path, f"expected exactly one of 'service' or 'url', got {what}"))
    if endpoint.get("body") is not None and endpoint.get("data") is not None:
        findings.append(Finding((*path, "body"), "'body' and 'data' are exclusive; use one"))
    return findings


def _check_intelligence(
    test: dict[str, Any], kind: Any, path: KeyPath, known: list[str]
) -> list[Finding]:
    cases = test.get("intelligence_tests")
    findings: list[Finding] = []
    if kind == "intelligence" and not cases:
        findings.append(
            Finding((*path, "intelligence_tests"), "an intelligence test needs at least 1 case")
        )
    if isinstance(cases, list):
        default = IntelligenceCase.model_fields["service"].default
        for index, case in enumerate(cases):
            if isinstance(case, dict):
                where = (*path, "intelligence_tests", index, "service")
                findings += _service_finding(case.get("service", default), where, known)
    return findings


def _check_volume(test: dict[str, Any], path: KeyPath, known: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    payload = test.get("payload")
    if isinstance(payload, dict):
        findings += _check_payload(payload, (*path, "payload"))
    preload = test.get("preload")
    if isinstance(preload, dict):
        findings += _check_endpoint(preload.get("endpoint"), (*path, "preload", "endpoint"), known)
    return findings


_PAYLOAD_NEEDS = {
    "fixed": ("size",),
    "uniform": ("min_size", "max_size"),
    "lognormal": ("mean_size",),
}


def _check_payload(payload: dict[str, Any], path: KeyPath) -> list[Finding]:
    distribution = payload.get("distribution", "fixed")
    findings = [
        Finding((*path, key), f"required for distribution {distribution!r}")
        for key in _PAYLOAD_NEEDS.get(distribution, ())
        if payload.get(key) is None
    ]
    low, high = payload.get("min_size"), payload.get("max_size")
    if _sizes_out_of_order(low, high):
        findings.append(Finding((*path, "max_size"), f"expected max_size >= min_size ({low})"))
    return findings


def _sizes_out_of_order(low: Any, high: Any) -> bool:
    try:
        return low is not None and high is not None and parse_size(high) < parse_size(low)
    except ValueError:
        return False


def _check_thresholds(test: dict[str, Any], endpoints: Any, path: KeyPath) -> list[Finding]:
    thresholds = test.get("thresholds")
    if not isinstance(thresholds, dict):
        return []
    names = _endpoint_names(endpoints)
    findings = []
    for key in thresholds:
        match = _THRESHOLD_KEY.fullmatch(str(key))
        where = (*path, "thresholds", key)
        if match is None:
            keys = "keys: latency, error_rate, throughput, or latency{endpoint=NAME}"
            close = difflib.get_close_matches(
                str(key).partition("{")[0], ["latency", "error_rate", "throughput"], n=1
            )
            hint = f"did you mean {close[0]!r}? {keys}" if close else keys
            findings.append(Finding(where, f"unknown threshold metric {key!r}", hint))
        elif match.group(3) is not None and match.group(3) not in names:
            known = f"endpoint names: {', '.join(map(repr, sorted(names)))}" if names else None
            findings.append(Finding(where, f"no endpoint named {match.group(3)!r}", known))
    return findings


def _endpoint_names(endpoints: Any) -> set[str]:
    names: set[str] = set()
    for endpoint in endpoints if isinstance(endpoints, list) else []:
        if isinstance(endpoint, dict):
            name = endpoint.get("name")
            names.add(str(name) if name is not None else default_endpoint_name(endpoint))
    return names
