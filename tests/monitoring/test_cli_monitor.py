"""``omninode-perf monitor`` and ``python -m omninode_bridge.monitoring``: exit codes, one-line
errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from omninode_bridge.cli.main import main
from tests.monitoring.stack import REPO_ROOT, free_port


def _config(tmp: Path, body: str) -> Path:
    path = tmp / "m.yaml"
    path.write_text(
        "production_monitoring:\n"
        f"  prometheus: {{url: 'http://127.0.0.1:{free_port()}', timeout_s: 0.5}}\n"
        f"  alert_log: {tmp / 'alerts.jsonl'}\n"
        f"  baseline_file: {tmp / 'baseline.json'}\n" + body
    )
    return path


BAD = [
    ("unknown-key", "  thresholds: {p95_factor: 2}\n",
     "m.yaml:5: production_monitoring.thresholds.p95_factor: unknown key"),
    ("bad-value", "  window: soon\n", "m.yaml:5: production_monitoring.window"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_config_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    assert main(["monitor", str(_config(tmp_path, body)), "--once"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_once_with_prometheus_unreachable_exits_3_and_logs_degraded(tmp_path: Path) -> None:
    assert main(["monitor", str(_config(tmp_path, "")), "--once"]) == 3
    log = (tmp_path / "alerts.jsonl").read_text()
    assert '"alertname": "MonitoringDegraded"' in log


def test_module_entry_point_bad_config(tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "omninode_bridge.monitoring",
        "--config",
        str(tmp_path / "nope.yaml"),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot read" in result.stderr


def test_rules_takes_one_config_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["monitor", "a.yaml", "b.yaml"]) == 2
    assert "unexpected argument" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--interval", "--resend-interval", "--backoff-max"])
def test_override_flags_name_themselves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["monitor", str(_config(tmp_path, "")), "--once", f"{flag}=-1"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: expected a duration" in err and "Traceback" not in err
