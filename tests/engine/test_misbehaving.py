"""Misbehaving targets end as counted, classified errors; the schedule is kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.engine.conftest import load_json, run_cli
from tests.servers import start_server

RATE, SECONDS = 50, 3
SCHEDULED = RATE * SECONDS


def load(url: str, tmp_path: Path, *extra: str, rate: int = RATE) -> dict[str, Any]:
    out = tmp_path / "r.json"
    run = run_cli(
        "load",
        url,
        "--rate",
        str(rate),
        "-d",
        f"{SECONDS}s",
        "--timeout",
        "1s",
        "--json",
        str(out),
        *extra,
    )
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    result = load_json(out)
    assert result["metrics"]["offered"] == rate * SECONDS  # the schedule is kept
    return result


@pytest.mark.parametrize(
    ("kind", "error_kind"),
    [
        ("reset", "reset"),
        ("silent", "timeout"),
        ("malformed", "protocol"),
        ("short_body", "reset"),
        ("short_body_close", "reset"),
    ],
    ids=[
        "reset-mid-response",
        "never-answers",
        "malformed-status-line",
        "body-cut-short",
        "body-cut-short-after-connection-close",
    ],
)
def test_each_misbehaviour_is_classified(tmp_path: Path, kind: str, error_kind: str) -> None:
    with start_server(kind) as server:
        result = load(server.url + "/", tmp_path)
    m = result["metrics"]
    assert m["errors_by_kind"] == {error_kind: SCHEDULED}
    assert m["error_rate"] == 1.0
    assert m["requests"] == SCHEDULED
    assert m["generator_max_rss_mb"] < 400


def test_a_body_ended_by_close_is_a_response(tmp_path: Path) -> None:
    with start_server("until_close") as server:
        m = load(server.url + "/", tmp_path)["metrics"]
    assert m["errors_by_kind"] == {}
    assert m["status_codes"] == {"200": SCHEDULED}


def test_timeouts_keep_their_true_duration(tmp_path: Path) -> None:
    with start_server("silent") as server:
        m = load(server.url + "/", tmp_path)["metrics"]
    assert m["latency_ms"]["p50"] == pytest.approx(1000, rel=0.1)  # the 1 s timeout


def test_big_body_is_read_and_counted(tmp_path: Path) -> None:
    out = tmp_path / "big.json"
    with start_server("big_body") as server:
        run = run_cli(
            "load",
            server.url + "/",
            "--rate",
            "2",
            "-d",
            "3s",
            "--json",
            str(out),
            "--max-body",
            "20MiB",
        )
    assert run.code == 0, run.stderr
    m = load_json(out)["metrics"]
    assert m["errors_by_kind"] == {}
    assert m["requests"] == 6
    assert m["bytes_in"] >= 6 * 10 * 1024 * 1024
    assert m["generator_max_rss_mb"] < 400  # bodies are counted, never kept


def test_big_body_cut_at_the_limit(tmp_path: Path) -> None:
    with start_server("big_body") as server:
        result = load(server.url + "/", tmp_path, "--max-body", "1MiB", rate=10)
    m = result["metrics"]
    assert m["errors_by_kind"] == {"body_too_large": 10 * SECONDS}
    assert m["bytes_in"] < 10 * SECONDS * 3 * 1024 * 1024


def test_server_going_away_gives_connect_errors(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.engine.conftest import REPO

    server = start_server("capacity", service_ms=1, concurrency=100)
    out = tmp_path / "gone.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "omninode_bridge",
            "load",
            server.url + "/",
            "--rate",
            "100",
            "-d",
            "4s",
            "--timeout",
            "1s",
            "--json",
            str(out),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first_line = proc.stdout.readline()  # printed after the first second of load
    assert "elapsed" in first_line
    server.stop()
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    m = load_json(out)["metrics"]
    assert m["offered"] == 400
    assert m["errors_by_kind"].get("connect", 0) > 50
    assert m["status_codes"].get("200", 0) >= 100
    assert m["requests"] + m["dropped"] == 400


def test_refused_from_the_start_is_exit_3(tmp_path: Path) -> None:
    from tests.engine.conftest import free_port

    out = tmp_path / "r.json"
    run = run_cli(
        "load", f"http://127.0.0.1:{free_port()}/", "--rate", "10", "-d", "1s", "--json", str(out)
    )
    assert run.code == 3
    assert "target unreachable" in run.stderr
    assert "Traceback" not in run.stderr
    result = load_json(out)
    assert result["valid"] is False
    # no latency advice from a run that measured nothing, only what to fix
    assert result["recommendations"] == [
        "The target was unreachable: start the service, or fix its URL (base_urls)"
    ]
