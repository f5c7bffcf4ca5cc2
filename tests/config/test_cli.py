"""Bad configs through the seed's entry point: exit 2, one line per problem, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ENTRY = "omninode_bridge.testing.performance"

BAD = {
    "unknown-key": (
        "performance_testing:\n  base_urls: {svc: 'http://127.0.0.1:1'}\n  test_suites:\n"
        "    x:\n      tests:\n        - {name: t, type: load, target_rps: 5, tagret: 1,"
        " endpoints: [{service: svc}]}\n",
        ":6: test_suites.x.tests[0].tagret: unknown key",
    ),
    "bad-number": (
        "performance_testing:\n  test_suites:\n    x:\n      tests:\n        - name: t\n"
        "          type: load\n          target_rps: abc\n"
        "          endpoints: [{url: 'http://127.0.0.1:1/'}]\n",
        ":7: test_suites.x.tests[0].target_rps: expected a number > 0 and <= 1e+07, got 'abc'",
    ),
    "yaml-syntax": ("performance_testing: [\n", "invalid YAML"),
    "unset-env": (
        "performance_testing:\n  base_urls: {svc: '${NO_SUCH_VAR_FOR_TEST}'}\n"
        "  test_suites: {x: {tests: [{name: t, type: load, target_rps: 1,"
        " endpoints: [{service: svc}]}]}}\n",
        ":2: base_urls.svc: environment variable NO_SUCH_VAR_FOR_TEST is not set",
    ),
}


COMMANDS = {
    "seed-entry": [sys.executable, "-m", ENTRY, "--config"],
    "omninode-perf-run": [sys.executable, "-m", "omninode_bridge", "run"],
}


@pytest.mark.parametrize("command_name", list(COMMANDS))
@pytest.mark.parametrize(("text", "expected"), list(BAD.values()), ids=list(BAD))
def test_bad_config_exits_2_without_traceback(
    tmp_path: Path, text: str, expected: str, command_name: str
) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    command = [*COMMANDS[command_name], str(config), "--suite", "x"]
    command += ["--output-dir", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert str(config) in done.stderr
    assert expected in done.stderr


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    command = [sys.executable, "-m", ENTRY, "--config", str(tmp_path / "none.yaml")]
    command += ["--suite", "x", "--output-dir", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "none.yaml" in done.stderr
