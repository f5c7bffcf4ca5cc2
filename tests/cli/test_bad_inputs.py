"""Inputs that used to crash (exit 1, "internal error") or run away: each is now one line
naming the flag or path, exit 2, checked before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.conftest import REPO, run_cli

EXAMPLE = str(REPO / "examples" / "performance_test_config.yaml")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("load", "http://127.0.0.1:99999/", "--rate", "10", "-d", "1s"), "port from 1 to 65535"),
        (("load", "http://127.0.0.1:1/", "--rate", "1e308", "-d", "1s"), "--rate"),
        (("load", "http://127.0.0.1:1/", "--rate", "10", "-w", "100000"), "--workers"),
        (("run", EXAMPLE, "--suite", "basic_load", "--workers", "100000"), "--workers"),
    ],
    ids=["port-out-of-range", "absurd-rate", "load-workers", "run-workers"],
)
def test_out_of_range_values_are_usage_errors(args: tuple[str, ...], message: str) -> None:
    run = run_cli(*args)
    assert run.code == 2, run.stderr
    assert message in run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr


def test_output_paths_are_checked_before_any_test_runs(tmp_path: Path) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    run = run_cli("run", EXAMPLE, "--suite", "basic_load", "--output-dir", str(a_file / "x"))
    assert run.code == 2
    assert "is not a directory" in run.stderr
    assert "Running test" not in run.stdout
    run = run_cli("load", "http://127.0.0.1:1/", "--rate", "1", "--json", str(tmp_path))
    assert run.code == 2
    assert "is a directory" in run.stderr


def test_a_suite_name_cannot_escape_the_output_dir(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from omninode_bridge.results.writer import report_stem

    stem = report_stem("../../escape", datetime(2026, 1, 1, tzinfo=UTC))
    assert "/" not in stem and stem.startswith("performance_report_")
