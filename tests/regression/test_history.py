"""History store against real SQLite and the local PostgreSQL (a unique table per test,
dropped afterwards), plus the ``omninode-perf history`` command and change points."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from omninode_bridge.cli.main import main as perf_main
from omninode_bridge.regression import history
from omninode_bridge.regression.loader import load_runs
from tests.regression.synth import make_result, suite

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    table = f"perf_history_{uuid.uuid4().hex[:10]}"
    url = str(tmp_path / "h.sqlite3") if request.param == "sqlite" else PG_URL
    yield url, table
    history.open_store(url, table).drop()


def _runs(tmp: Path, n: int, shift_at: int) -> Path:
    d = tmp / "runs"
    d.mkdir(exist_ok=True)
    for i in range(n):
        slow = 1.25 if i >= shift_at else 1.0
        ts = f"202401{i + 1:02d}_000000"
        doc = suite(
            [make_result(i, seconds=5, rate=400, run_sd=0.01, interval_sd=0.01, slowdown=slow)],
            ts=ts,
        )
        (d / f"performance_report_basic_load_{ts}.json").write_text(json.dumps(doc))
    return d


def test_record_query_and_trend(store_url: tuple[str, str], tmp_path: Path) -> None:
    url, table = store_url
    store = history.open_store(url, table)
    rows = history.rows_from_runs(load_runs(_runs(tmp_path, 12, shift_at=8)), label="abc123")
    assert store.record(rows) == 12
    got = store.query(suite="basic_load", test="api_load")
    assert [r.run_at for r in got] == sorted(r.run_at for r in rows)
    assert got[0].label == "abc123" and got[0].valid is True
    assert got[0].p95 == pytest.approx(rows[0].p95)
    assert store.query(suite="other") == []
    assert len(store.query(limit=5)) == 5
    t = history.trend(got, "p50")
    assert t.change_points == [8]
    (when, before, after), = t.shifts()  # fmt: skip
    assert when == got[8].run_at and after / before == pytest.approx(1.25, rel=0.08)


def test_history_command(
    store_url: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, table = store_url
    runs = _runs(tmp_path, 10, shift_at=6)
    argv = ["history", "--url", url, "--table", table]
    assert perf_main([*argv, "--record", str(runs), "--label", "ci"]) == 0
    assert perf_main([*argv, "--trend", "p95"]) == 0
    out = capsys.readouterr().out
    assert "recorded 10 test run(s)" in out and "<- change point" in out and "shift at" in out


def test_bad_urls_are_usage_errors() -> None:
    assert perf_main(["history", "--url", "mysql://x/y"]) == 2
    assert perf_main(["history", "--table", "x; drop table y"]) == 2
