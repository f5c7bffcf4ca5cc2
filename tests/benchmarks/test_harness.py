"""The benchmark harness (benchmarks/run.py) still works and produces every table.

These tests check the harness, never the speed: no figure is compared with a target.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

from peerbench.procs import run_measured  # noqa: E402
from peerbench.profile import fold  # noqa: E402
from peerbench.stall import true_quantile_ms  # noqa: E402
from peerbench.tools import to_ms  # noqa: E402

TITLES = {
    "efficiency": "## 1. Efficiency",
    "scaling": "## 2. Scaling",
    "openmodel": "## 3. Open-model accuracy",
    "stall": "## 4. Truth under a stall",
    "memory": "## 5. Memory",
    "report": "## 6. Reporting",
    "regression": "## 7. Regression gate",
    "hooks": "## 8. Reference hook receiver",
}
EXTERNAL = {"report": "report_bench.py", "regression": "regression_power.py"}

SPIN = "x = 0\nfor i in range({n}): x += i\n"
PARENT = (
    "import multiprocessing as mp, sys\n"
    "def spin(n):\n    x = 0\n    for i in range(n): x += i\n"
    "if __name__ == '__main__':\n"
    "    p = mp.get_context('spawn').Process(target=spin, args=(int(sys.argv[1]),))\n"
    "    p.start(); p.join()\n"
)


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("bench") / "BENCHMARKS.md"
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return out.read_text()


def _section(text: str, title: str) -> str:
    start = text.index(title)
    rest = text[start + len(title) :]
    nxt = rest.find("\n## ")
    return rest if nxt < 0 else rest[:nxt]


@pytest.mark.slow
@pytest.mark.timeout(480)
@pytest.mark.parametrize("key", list(TITLES), ids=list(TITLES))
def test_quick_run_has_every_table(quick_report: str, key: str) -> None:
    assert TITLES[key] in quick_report
    body = _section(quick_report, TITLES[key])
    if key in EXTERNAL and not (BENCH / EXTERNAL[key]).exists():
        assert "_Skipped:" in body
        return
    assert "_Skipped:" not in body, body[:500]
    assert re.search(r"^\|---", body, re.MULTILINE), f"no Markdown table in {key}"
    assert "1-min load average" in body


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_quick_run_states_context_and_every_peer(quick_report: str) -> None:
    for needed in ("**Machine:**", "**Versions:**", "## Acceptance summary", "nginx "):
        assert needed in quick_report
    efficiency = _section(quick_report, TITLES["efficiency"])
    peers = [t for t in ("ab", "h2load", "hey") if shutil.which(t)]
    for tool in ("omninode-perf", "wrk", "locust", *peers):
        assert f"| {tool} |" in efficiency, tool
    assert "wrk -t1 -c50" in efficiency  # exact commands are printed


@pytest.mark.parametrize(
    ("work", "expect_more"), [(1_000, False), (8_000_000, True)], ids=["idle-child", "busy-child"]
)
def test_wait4_counts_spawned_grandchildren(tmp_path: Path, work: int, expect_more: bool) -> None:
    """CPU of a worker process spawned by the tool shows up in the tool's rusage."""
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    alone = run_measured([sys.executable, "-c", SPIN.format(n=1_000)], timeout=60)
    with_child = run_measured([sys.executable, str(script), str(work)], timeout=60)
    assert with_child.returncode == 0, with_child.stderr
    # A spawned interpreter costs at least its own start-up; real work costs far more.
    assert with_child.cpu_s > alone.cpu_s
    assert (with_child.cpu_s > alone.cpu_s + 0.2) is expect_more


@pytest.mark.parametrize(
    ("q", "s0", "expected"),
    [(0.50, 2.0, 2.0), (0.80, 2.0, 2.0), (0.90, 0.0, 500.0), (0.99, 1.0, 951.0)],
    ids=["p50-normal", "p80-edge", "p90-mid-stall", "p99-near-end"],
)
def test_stall_truth_is_the_mixture_quantile(q: float, s0: float, expected: float) -> None:
    assert true_quantile_ms(q, s0) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "ms"),
    [("364.00us", 0.364), ("4.43ms", 4.43), ("1.20s", 1200.0), ("2.00m", 120000.0)],
    ids=["us", "ms", "s", "m"],
)
def test_wrk_durations_to_ms(text: str, ms: float) -> None:
    assert to_ms(text) == pytest.approx(ms)


def test_profile_fold_splits_startup_from_engine() -> None:
    raw = (
        'process 1:"python -m x";<module> (a.py:1);_find_and_load (<frozen b>:3) 30\n'
        'process 1:"python -m x";run (engine/scheduler.py:9);send (engine/transport.py:4) 50\n'
        'process 1:"python -m x";run (asyncio/runners.py:118) 20\n'
    )
    own, buckets, total = fold(raw)
    assert total == 100
    assert buckets["start-up: importing modules"] == 30
    assert buckets["engine (scheduler, transport, pool)"] == 50
    assert own["send (engine/transport.py)"] == 50
    assert "_find_and_load (<frozen b>)" not in own  # start-up is reported as a bucket only
