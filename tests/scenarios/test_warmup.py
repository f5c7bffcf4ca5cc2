"""``warmup``: a lead-in at the test's own rate, left out of every figure."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.engine.conftest import REPO, Nginx, load_json, run_cli
from tests.servers import start_server


def load(url: str, tmp_path: Path, *flags: str) -> dict[str, Any]:
    out = tmp_path / "r.json"
    run = run_cli("load", url, "--json", str(out), *flags)
    assert run.code == 0, run.stderr
    return load_json(out)


def test_warmup_leaves_a_cold_start_out_of_every_figure(tmp_path: Path) -> None:
    """For 1.5 s after its first request the server answers in 300 ms, then at once."""
    with start_server("cold_start") as server:
        result = load(server.url, tmp_path, "--rate", "50", "-d", "2s", "--warmup", "2s")
    metrics = result["metrics"]
    assert [i["t"] for i in result["intervals"]] == [0, 1]
    assert 95 <= metrics["requests"] <= 101
    assert abs(metrics["achieved_rps"] - 50) < 3
    assert abs(result["duration"] - 2) < 0.3
    assert metrics["latency_ms"]["max"] < 150  # the 300 ms answers were all in the warm-up


def test_without_warmup_the_cold_start_is_measured(tmp_path: Path) -> None:
    """The twin of the test above: the same server, no warm-up, and the stall shows."""
    with start_server("cold_start") as server:
        result = load(server.url, tmp_path, "--rate", "50", "-d", "2s")
    assert result["metrics"]["latency_ms"]["max"] >= 300
    assert 95 <= result["metrics"]["requests"] <= 101


def test_closed_model_warmup(nginx: Nginx, tmp_path: Path) -> None:
    result = load(nginx.url, tmp_path, "-c", "2", "-d", "1s", "--warmup", "1s")
    assert [i["t"] for i in result["intervals"]] == [0]
    assert abs(result["duration"] - 1) < 0.3
    served = nginx.handled_requests()
    assert 0.3 * served < result["metrics"]["requests"] < 0.7 * served  # warm-up left out


def test_interrupt_during_the_warmup_writes_an_empty_measurement(
    nginx: Nginx, tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    argv = [sys.executable, "-m", "omninode_bridge", "load", nginx.url, "--rate", "100"]
    argv += ["-d", "5s", "--warmup", "20s", "--json", str(out)]
    proc = subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    while "warm-up" not in (line := proc.stdout.readline()):
        assert line, "the run ended before any progress"
    proc.send_signal(signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    result = load_json(out)
    assert result["aborted"] and result["warmup_s"] == 20
    assert result["metrics"]["requests"] == 0 and result["intervals"] == []
    assert result["recommendations"] == ["Nothing was measured: the run stopped during its warm-up"]
