"""``omninode-perf monitor rules`` output: valid for ``promtool check rules``, and its
burn-rate alerts fire as the SRE Workbook says under ``promtool test rules``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from omninode_bridge.cli.main import main
from omninode_bridge.monitoring.baseline import BaselineStore
from tests.monitoring.stack import PROMTOOL

pytestmark = [pytest.mark.prometheus]

CONFIG = {
    "production_monitoring": {
        "prometheus": {"url": "http://127.0.0.1:9090"},
        "slos": [{"name": "availability", "service": "hook_receiver", "objective": 0.999}],
    }
}


def _rules(tmp: Path, capsys: pytest.CaptureFixture[str], with_config: bool) -> Path:
    argv = ["monitor", "rules"]
    if with_config:
        baseline = BaselineStore(tmp / "baseline.json")
        baseline.set("hook_receiver POST /hooks", "p95_response_time", 12.5)
        baseline.save()
        doc = json.loads(json.dumps(CONFIG))
        doc["production_monitoring"]["baseline_file"] = str(tmp / "baseline.json")
        (tmp / "m.yaml").write_text(yaml.safe_dump(doc))
        argv.append(str(tmp / "m.yaml"))
    assert main(argv) == 0
    path = tmp / "rules.yml"
    path.write_text(capsys.readouterr().out)
    return path


@pytest.mark.parametrize("with_config", [False, True], ids=["defaults", "config-with-baseline"])
def test_promtool_check_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], with_config: bool
) -> None:
    path = _rules(tmp_path, capsys, with_config)
    result = subprocess.run(
        [str(PROMTOOL), "check", "rules", str(path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stdout + result.stderr
    names = [r.get("alert") for g in yaml.safe_load(path.read_text())["groups"] for r in g["rules"]]
    assert {"PatternDiscoverySlow", "EventProcessingSlow", "ErrorBudgetBurn"} <= set(names)
    assert ("ResponseTimeDegradation" in names) is with_config


def _series(errors_per_min: int, ok_per_min: int) -> list[dict[str, str]]:
    base = 'http_requests_total{service="hook_receiver",method="POST",route="/hooks",status="%s"}'
    return [
        {"series": base % "500", "values": f"0+{errors_per_min}x400"},
        {"series": base % "202", "values": f"0+{ok_per_min}x400"},
    ]


BURN = [
    ("2pct-errors-pages-and-tickets", 20, 980, ["page", "ticket"]),
    ("0.2pct-errors-ticket-only", 2, 998, ["ticket"]),
    ("0.05pct-errors-quiet", 1, 1999, []),
]


@pytest.mark.parametrize(
    ("errors", "ok", "severities"), [b[1:] for b in BURN], ids=[b[0] for b in BURN]
)
def test_burn_rate_alerts_under_promtool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], errors: int, ok: int, severities: list[str]
) -> None:
    rules = _rules(tmp_path, capsys, with_config=False)
    doc = yaml.safe_load(rules.read_text())
    burn = {
        r["labels"]["severity"]: r
        for g in doc["groups"]
        for r in g["rules"]
        if r.get("alert") == "ErrorBudgetBurn"
    }
    expected = [
        {
            "exp_labels": burn[s]["labels"] | {"slo": "availability"},
            "exp_annotations": burn[s]["annotations"],
        }
        for s in severities
    ]
    test = {
        "rule_files": [str(rules)],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": _series(errors, ok),
            "alert_rule_test": [
                {"eval_time": "380m", "alertname": "ErrorBudgetBurn", "exp_alerts": expected}
            ],
        }],
    }  # fmt: skip
    path = tmp_path / "test.yml"
    path.write_text(yaml.safe_dump(test))
    result = subprocess.run(
        [str(PROMTOOL), "test", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
