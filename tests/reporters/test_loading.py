"""Finding and reading results documents, with one-line errors on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.errors import ExitCode, UsageError
from omninode_bridge.reporters import synthetic
from omninode_bridge.reporters.loading import find_result_files, load_report, load_results
from tests.reporters.conftest import XSS


def test_finds_every_report_oldest_first(tmp_path: Path, small_report: dict[str, Any]) -> None:
    older = {**small_report, "timestamp": "2024-04-01T08:00:00+00:00"}
    synthetic.write_report(tmp_path, small_report)
    synthetic.write_report(tmp_path, older)
    (tmp_path / "notes.json").write_text("{}")
    files = find_result_files(tmp_path)
    assert [f.name for f in files] == [
        "performance_report_synthetic_20240401_080000.json",
        "performance_report_synthetic_20240501_120000.json",
    ]
    assert len(load_results(results_dir=tmp_path)) == 2
    latest = load_results(results_dir=tmp_path, latest=True)
    assert [r.path.name for r in latest] == [files[-1].name]


BAD_INPUTS = [
    pytest.param('{\n  "suite_name": 1,\n  oops\n}', r":3: invalid JSON", id="bad-json-names-line"),
    pytest.param("[1, 2]", "not a results document", id="not-an-object"),
    pytest.param('{"suite_name": "s"}', "test_results: missing", id="no-test-results"),
    pytest.param(
        '{"suite_name": "s", "test_results": {}}', "expected a list", id="results-not-list"
    ),
    pytest.param(
        '{"schema_version": 9, "suite_name": "s", "test_results": []}',
        "schema_version: unsupported value 9",
        id="future-schema",
    ),
    pytest.param(
        '{"suite_name": "s", "test_results": [{}]}', r"test_results\[0\].test_name", id="no-name"
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_INPUTS)
def test_bad_documents_give_one_line_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "performance_report_s_20240101_000000.json"
    path.write_text(text)
    with pytest.raises(UsageError, match=message) as caught:
        load_report(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({}, "exactly one of", id="neither"),
        pytest.param({"results_dir": "a", "results_file": "b"}, "exactly one of", id="both"),
        pytest.param({"results_dir": "/nonexistent/dir"}, "not a directory", id="missing-dir"),
        pytest.param({"results_file": "/nonexistent/x.json"}, "no such file", id="missing-file"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        load_results(**kwargs)


def test_empty_dir_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no performance_report_"):
        load_results(results_dir=tmp_path)


def test_intervals_come_from_jsonl_when_the_document_has_none(
    tmp_path: Path, small_report: dict[str, Any]
) -> None:
    path = synthetic.write_report(tmp_path, small_report, stream_intervals=True)
    on_disk = json.loads(path.read_text())
    assert all(t["intervals"] == [] for t in on_disk["test_results"])
    # A crash mid-write leaves a torn last line: it is skipped, the rest is kept.
    first = small_report["test_results"][0]
    stream = path.with_name(f"{path.stem}.{first['test_name']}.intervals.jsonl")
    stream.write_text(stream.read_text() + '{"t": 99, "requ')
    loaded = load_report(path).report
    for original, test in zip(small_report["test_results"], loaded["test_results"], strict=True):
        assert test["intervals"] == original["intervals"]


def test_corrupt_middle_jsonl_line_is_an_error(
    tmp_path: Path, small_report: dict[str, Any]
) -> None:
    path = synthetic.write_report(tmp_path, small_report, stream_intervals=True)
    first = small_report["test_results"][0]["test_name"]
    stream = path.with_name(f"{path.stem}.{first}.intervals.jsonl")
    lines = stream.read_text().splitlines()
    stream.write_text("\n".join([lines[0], "{broken", *lines[1:]]) + "\n")
    with pytest.raises(UsageError, match=r"intervals.jsonl:2: invalid JSON"):
        load_report(path)


MISTYPED = [
    pytest.param(("metrics", "latency_ms", "p95"), "fast", "expected a number", id="pct-string"),
    pytest.param(("metrics", "errors_by_kind"), ["timeout"], "expected an object", id="kinds"),
    pytest.param(("metrics", "requests"), True, "expected an integer", id="bool-count"),
    pytest.param(("criteria",), [{"name": "x", "passed": "yes"}], "true or false", id="verdict"),
    pytest.param(("intervals",), [{"t": "zero"}], "expected a number", id="interval-t"),
    pytest.param(("errors",), "timeout: 3", "expected a list", id="errors-string"),
]


@pytest.mark.parametrize(("where", "value", "message"), MISTYPED)
def test_mistyped_fields_are_named_not_crashed_on(
    tmp_path: Path, small_report: dict[str, Any], where: tuple[str, ...], value: Any, message: str
) -> None:
    doc = json.loads(json.dumps(small_report))
    node = doc["test_results"][0]
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    path = synthetic.write_report(tmp_path, doc)
    with pytest.raises(UsageError) as caught:
        load_report(path)
    text = str(caught.value)
    assert f"test_results[0].{'.'.join(where)}" in text and message in text
    assert "\n" not in text


def test_hostile_but_well_typed_reports_pass_the_check(tmp_path: Path) -> None:
    doc = synthetic.make_report(synthetic.default_specs(10), seed=2, hostile=XSS[0])
    assert load_report(synthetic.write_report(tmp_path, doc)).report["suite_name"]
