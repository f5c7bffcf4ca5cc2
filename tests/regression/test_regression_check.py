"""The seed's entry point and ``omninode-perf compare``: exit codes, outputs, config
thresholds, ``--update-baseline`` and ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.cli.main import main as perf_main
from omninode_bridge.testing.regression_check import main
from tests.regression.synth import make_result, suite

FAST = ["--bootstrap", "300"]


def write(dirpath: Path, doc: dict[str, Any], ts: str = "20240101_000000") -> Path:
    dirpath.mkdir(parents=True, exist_ok=True)
    path = dirpath / f"performance_report_{doc.get('suite_name', 'x')}_{ts}.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rc")
    write(root / "base" / "basic_load", suite([make_result(1)]))
    write(root / "same", suite([make_result(2)], ts="20240102_000000"), "20240102_000000")
    write(root / "slow", suite([make_result(3, slowdown=1.3)]))
    write(root / "invalid", suite([make_result(4, valid=False)]))
    write(root / "short", suite([make_result(5, seconds=30)]))
    (root / "broken").mkdir()
    (root / "broken" / "bad.json").write_text('{"suite_name": ')
    (root / "empty").mkdir()
    return root


@pytest.mark.parametrize(
    ("current", "extra", "code"),
    [
        ("same", [], 0),
        ("slow", [], 1),
        ("invalid", [], 3),
        ("short", [], 0),
        ("short", ["--fail-on-inconclusive"], 1),
        ("slow", ["--threshold", "40"], 0),
        ("missing", [], 2),
        ("empty", [], 2),
        ("broken", [], 2),
    ],
    ids=[
        "same-pass", "slow-regression", "invalid-3", "short-inconclusive-ok",
        "short-strict-fails", "slow-within-40pct", "missing-dir", "no-files", "bad-json",
    ],
)  # fmt: skip
def test_exit_codes(docs: Path, current: str, extra: list[str], code: int) -> None:
    argv = ["--current-results", str(docs / current), "--baseline-results", str(docs / "base")]
    assert main([*argv, "--quiet", *FAST, *extra]) == code


def test_usage_error_names_the_file(docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--current-results", str(docs / "broken"), "--baseline-results", str(docs / "base")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "bad.json:1" in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_a_mistyped_field_is_named(
    docs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = suite([make_result(6)])
    doc["test_results"][0]["metrics"]["throughput"] = "fast"
    write(tmp_path, doc)
    argv = ["--current-results", str(tmp_path), "--baseline-results", str(docs / "base")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "test_results[0].metrics.throughput: expected a number" in err
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_module_entry_point_subprocess(docs: Path) -> None:
    cmd = [sys.executable, "-m", "omninode_bridge.testing.regression_check",
           "--current-results", str(docs / "slow"), "--baseline-results", str(docs / "base"),
           "--threshold", "10", *FAST]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "REGRESSION" in done.stdout


def test_outputs_and_step_summary(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    argv = ["compare", "--current-results", str(docs / "slow"), "--baseline-results",
            str(docs / "base"), "--json", str(out_json), "--markdown", str(out_md),
            "--quiet", *FAST]  # fmt: skip
    assert perf_main(argv) == 1
    doc = json.loads(out_json.read_text())
    assert doc["schema"] == "omninode-regression/1" and doc["verdict"] == "REGRESSION"
    p95 = next(r for r in doc["results"] if r["metric"] == "p95" and r["endpoint"] is None)
    assert p95["verdict"] == "REGRESSION" and p95["ci_low"] > 1.1 and p95["unit"] == "ms"
    md = out_md.read_text()
    assert md.startswith("## Performance regression check") and "| p95 |" in md
    assert summary.read_text() == md


def test_config_metric_thresholds(docs: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "perf.yaml"
    cfg.write_text(
        "performance_testing:\n"
        "  base_urls: {svc: 'http://127.0.0.1:8001'}\n"
        "  test_suites:\n"
        "    s:\n"
        "      tests:\n"
        "        - {name: t, type: load, target_rps: 10, endpoints: [{service: svc}]}\n"
        "  regression:\n"
        "    threshold: 50\n"
        "    metric_thresholds: {p99: 10}\n"
    )
    out = tmp_path / "r.json"
    argv = ["--current-results", str(docs / "slow"), "--baseline-results", str(docs / "base"),
            "--config", str(cfg), "--json", str(out), "--quiet", *FAST]  # fmt: skip
    assert main(argv) == 1
    by_metric = {r["metric"]: r for r in json.loads(out.read_text())["results"]}
    assert by_metric["p50"]["verdict"] == "PASS" and by_metric["p50"]["threshold_percent"] == 50
    assert by_metric["p99"]["verdict"] == "REGRESSION"


def test_update_baseline_only_on_pass(docs: Path, tmp_path: Path) -> None:
    base = tmp_path / "baselines"
    write(base / "basic_load", suite([make_result(1)]))
    argv = ["--baseline-results", str(base), "--update-baseline", "--quiet", *FAST]
    assert main(["--current-results", str(docs / "slow"), *argv]) == 1
    assert [p.name for p in (base / "basic_load").iterdir()] == [
        "performance_report_basic_load_20240101_000000.json"
    ]
    assert main(["--current-results", str(docs / "same"), *argv]) == 0
    assert [p.name for p in (base / "basic_load").iterdir()] == [
        "performance_report_basic_load_20240102_000000.json"
    ]


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nobase")
    (root / "empty").mkdir()
    (root / "empty" / "README.md").write_text("layout\n")
    write(root / "other" / "stress_test", suite([make_result(6)], name="stress_test"))
    (root / "broken").mkdir()
    (root / "broken" / "bad.json").write_text("{")
    return root


@pytest.mark.parametrize(
    ("baseline", "mode", "code", "verdict"),
    [
        ("empty", "pass", 0, "NO_BASELINE"),
        ("other", "pass", 0, "NO_BASELINE"),
        ("empty", "error", 2, None),
        ("missing", "pass", 2, None),
        ("broken", "pass", 2, None),
    ],
    ids=["empty-dir-passes", "other-suite-only-passes", "default-is-error",
         "typo-stays-error", "bad-json-stays-error"],
)  # fmt: skip
def test_if_no_baseline(
    docs: Path,
    baselines: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    baseline: str,
    mode: str,
    code: int,
    verdict: str | None,
) -> None:
    summary, out = tmp_path / "summary.md", tmp_path / "r.json"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    argv = ["--current-results", str(docs / "same"), "--baseline-results",
            str(baselines / baseline), "--if-no-baseline", mode, "--json", str(out)]  # fmt: skip
    argv += FAST
    assert main(argv) == code
    if verdict:
        assert json.loads(out.read_text())["verdict"] == verdict
        assert "NO BASELINE" in summary.read_text()
    else:
        assert not out.exists()
