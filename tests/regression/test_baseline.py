"""Baselines: save adds, promote replaces, show lists; writes are atomic."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from omninode_bridge.cli.main import main as perf_main
from omninode_bridge.regression import baseline
from tests.regression.synth import make_result, suite


def results(tmp: Path, seed: int, ts: str, valid: bool = True) -> Path:
    path = tmp / f"run{seed}.json"
    path.write_text(json.dumps(suite([make_result(seed, seconds=5, valid=valid)], ts=ts)))
    return path


def test_save_show_promote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "baselines"
    for i, ts in enumerate(["20240101_000000", "20240102_000000", "20240103_000000"]):
        assert (
            perf_main(
                [
                    "baseline",
                    "save",
                    str(results(tmp_path, i, ts)),
                    "--root",
                    str(root),
                    "--keep",
                    "2",
                ]
            )
            == 0
        )
    names = sorted(p.name for p in (root / "basic_load").iterdir())
    assert names == ["performance_report_basic_load_20240102_000000.json",
                     "performance_report_basic_load_20240103_000000.json"]  # fmt: skip
    assert perf_main(["baseline", "show", "--root", str(root)]) == 0
    assert capsys.readouterr().out.count("basic_load\t") == 2
    new = results(tmp_path, 9, "20240104_000000")
    assert perf_main(["baseline", "promote", str(new), "--root", str(root)]) == 0
    assert [e.path.name for e in baseline.entries(root)] == [
        "performance_report_basic_load_20240104_000000.json"
    ]
    text = (root / "basic_load" / "performance_report_basic_load_20240104_000000.json").read_text()
    assert text == baseline.dumps(json.loads(text))  # stable, sorted, diff-friendly


def test_bare_test_result_is_wrapped(tmp_path: Path) -> None:
    bare = tmp_path / "load.json"
    bare.write_text(json.dumps(make_result(1, seconds=5)))
    (path,) = baseline.save(bare, tmp_path / "b", suite="smoke")
    doc = json.loads(path.read_text())
    assert path.parent.name == "smoke" and doc["test_results"][0]["test_name"] == "api_load"


def test_invalid_run_is_refused(tmp_path: Path) -> None:
    bad = results(tmp_path, 1, "20240101_000000", valid=False)
    assert perf_main(["baseline", "promote", str(bad), "--root", str(tmp_path / "b")]) == 2
    assert not (tmp_path / "b").exists()


def test_failed_write_leaves_old_baseline_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "b"
    (old,) = baseline.save(results(tmp_path, 1, "20240101_000000"), root)
    before = old.read_text()

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        baseline.promote(results(tmp_path, 2, "20240101_000000"), root)
    assert old.read_text() == before
    assert [p.name for p in (root / "basic_load").iterdir()] == [old.name]  # no temp files
