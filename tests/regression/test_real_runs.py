"""Acceptance on real short runs: ``omninode-perf load`` against a loopback delay server.
Two runs at the same delay pass; a run with the delay 30 % higher is a REGRESSION, exit 1.

Needs the engine's ``omninode-perf load URL --rate R --duration D --json FILE``."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from omninode_bridge.testing.regression_check import main as check

REPO = Path(__file__).resolve().parents[2]
RATE, SECONDS = 200, 15


@pytest.fixture
def delay_server() -> Iterator[Callable[[float], str]]:
    servers: list[subprocess.Popen[str]] = []

    def start(delay_ms: float) -> str:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.regression.delay_server", "--delay-ms", str(delay_ms)],
            stdout=subprocess.PIPE, text=True, cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )  # fmt: skip
        servers.append(proc)
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        line = proc.stdout.readline() if ready else ""
        assert line.startswith("LISTENING "), line
        return f"http://127.0.0.1:{int(line.split()[1])}/"

    yield start
    for proc in servers:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def load(url: str, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    target = out / "result.json"
    cmd = [sys.executable, "-m", "omninode_bridge.cli.main", "load", url,
           "--rate", str(RATE), "--duration", str(SECONDS), "--json", str(target)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=SECONDS + 60, cwd=REPO)
    assert done.returncode in (0, 1), done.stderr
    doc = json.loads(target.read_text())
    assert doc.get("valid", True), doc.get("invalid_reasons")
    return out


@pytest.mark.slow
def test_same_delay_passes_and_slower_delay_fails(
    delay_server: Callable[[float], str], tmp_path: Path
) -> None:
    base = load(delay_server(20), tmp_path / "base")
    same = load(delay_server(20), tmp_path / "same")
    slower = load(delay_server(26), tmp_path / "slower")
    argv = ["--baseline-results", str(base), "--threshold", "10", "--quiet"]
    out = tmp_path / "slower.json"
    assert check(["--current-results", str(same), *argv]) == 0
    assert check(["--current-results", str(slower), *argv, "--json", str(out)]) == 1
    p50 = next(r for r in json.loads(out.read_text())["results"] if r["metric"] == "p50")
    assert p50["verdict"] == "REGRESSION" and p50["ratio"] > 1.2
