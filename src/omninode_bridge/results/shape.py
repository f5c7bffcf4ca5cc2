"""The read side of docs/results-schema.md: what a results document must look like.

Owns: checking a document read back from disk (by ``report``, ``compare``, ``baseline``)
before any reporter touches it, so that a hand-edited or foreign file with a wrongly typed
field ends as one line naming the file and the field (exit 2), not as a traceback deep in
a chart. Only the fields the readers rely on are typed; anything else is let through, so
documents from newer versions and extra fields still load. Types are strict: a number
written as a string is wrong, not coerced, because the readers use the document as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from omninode_bridge.config.problems import short
from omninode_bridge.config.yamlsource import format_path
from omninode_bridge.errors import UsageError

Number = float  # strict float accepts JSON integers too


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Pct(_Shape):
    p50: Number | None = None
    p90: Number | None = None
    p95: Number | None = None
    p99: Number | None = None
    p999: Number | None = None
    max: Number | None = None
    mean: Number | None = None
    min: Number | None = None
    std: Number | None = None


class Lag(_Shape):
    p50: Number | None = None
    p99: Number | None = None
    max: Number | None = None


class Criterion(_Shape):
    name: str
    passed: bool | None = None
    op: str | None = None


class Endpoint(_Shape):
    name: str | None = None
    requests: int | None = None
    errors: int | None = None
    dropped: int | None = None
    error_rate: Number | None = None
    latency_ms: Pct | None = None
    hdr: str | None = None


class CustomMetrics(_Shape):
    response_time_stats: dict[str, Number] | None = None
    cpu_stats: dict[str, Number | None] | None = None
    memory_stats: dict[str, Number | None] | None = None
    intelligence: dict[str, Any] | None = None
    stress: dict[str, Any] | None = None
    spike: dict[str, Any] | None = None
    endurance: dict[str, Any] | None = None
    volume: dict[str, Any] | None = None


class Metrics(_Shape):
    throughput: Number | None = None
    error_rate: Number | None = None
    response_time_count: int | None = None
    custom_metrics: CustomMetrics | None = None
    requests: int | None = None
    offered: int | None = None
    target_rps: Number | None = None
    achieved_rps: Number | None = None
    dropped: int | None = None
    latency_ms: Pct | None = None
    service_time_ms: Pct | None = None
    send_lag_us: Lag | None = None
    errors_by_kind: dict[str, int] | None = None
    status_codes: dict[str, int] | None = None
    bytes_in: int | None = None
    bytes_out: int | None = None
    endpoints: list[Endpoint] | None = None
    hdr: dict[str, str] | None = None
    generator_cpu_percent: Number | None = None


class IntervalResources(_Shape):
    cpu_percent: Number | None = None
    rss_mb: Number | None = None


class IntervalEndpoint(_Shape):
    requests: int | None = None
    errors: int | None = None
    dropped: int | None = None
    hdr: str | None = None


class Interval(_Shape):
    t: Number
    duration_s: Number | None = None
    target_rps: Number | None = None
    requests: int | None = None
    errors: int | None = None
    dropped: int | None = None
    achieved_rps: Number | None = None
    latency_ms: Pct | None = None
    service_time_ms: Pct | None = None
    errors_by_kind: dict[str, int] | None = None
    status_codes: dict[str, int] | None = None
    hdr: dict[str, str] | None = None
    endpoints: dict[str, IntervalEndpoint] | None = None
    resources: IntervalResources | None = None


class ResourceSample(_Shape):
    t: Number | None = None
    cpu_percent: Number | None = None
    rss_mb: Number | None = None


class Resources(_Shape):
    source: str | None = None
    samples: list[ResourceSample] | None = None


class TestResult(_Shape):
    __test__ = False  # not a pytest test class

    test_name: str
    test_type: str | None = None
    duration: Number | None = None
    success: bool | None = None
    errors: list[str] | None = None
    recommendations: list[str] | None = None
    metrics: Metrics | None = None
    criteria: list[Criterion] | None = None
    valid: bool | None = None
    invalid_reasons: list[str] | None = None
    aborted: bool | None = None
    abort_reason: str | None = None
    started_at: str | None = None
    intervals: list[Interval] | None = None
    resources: Resources | None = None


class Summary(_Shape):
    total_tests: int | None = None
    successful_tests: int | None = None
    failed_tests: int | None = None
    success_rate: Number | None = None
    overall_response_time_p95: Number | None = None
    average_throughput: Number | None = None
    total_duration: Number | None = None


class SuiteReport(_Shape):
    schema_version: int = 1
    suite_name: str
    timestamp: str | None = None
    status: str | None = None
    valid: bool | None = None
    summary: Summary | None = None
    test_results: list[TestResult]
    overall_recommendations: list[str] | None = None


def check_suite_report(path: Path | str, doc: Any) -> None:
    """Raise a one-line ``UsageError`` if ``doc`` is not a well-typed suite document."""
    _check(SuiteReport, path, doc)


def check_test_result(path: Path | str, doc: Any) -> None:
    """The same for a bare test result (``omninode-perf load --json``)."""
    _check(TestResult, path, doc)


def check_interval(where: str, row: Any) -> None:
    """The same for one line of a streamed ``.intervals.jsonl`` file."""
    _check(Interval, where, row)


def _check(model: type[_Shape], path: Path | str, doc: Any) -> None:
    try:
        model.model_validate(doc)
    except ValidationError as exc:
        raise UsageError(f"{path}: {_first_problem(exc)}") from None


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    where = format_path(tuple(first["loc"])) or "document"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if first["type"] == "missing":
        return f"{where}: missing; not a results document{more}"
    return f"{where}: {_expected(first['type'])}, got {short(first['input'], 40)}{more}"


_EXPECTED = {
    "float_type": "expected a number",
    "int_type": "expected an integer",
    "string_type": "expected a string",
    "bool_type": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected an object",
    "model_type": "expected an object",
}


def _expected(kind: str) -> str:
    return _EXPECTED.get(kind, f"invalid ({kind})")
