"""Volume tests: varied payload sizes, pre-loading, bytes per second."""

from __future__ import annotations

import json
from pathlib import Path

from tests.engine.conftest import Nginx, run_cli

CONFIG = """
performance_testing:
  base_urls: {{web: "{url}"}}
  test_suites:
    volume:
      tests:
        - name: "big_payloads"
          type: "volume"
          duration: 3
          target_rps: 50
          recovery_time: 0
          payload:
            distribution: "lognormal"
            mean_size: "20KB"
            min_size: "1KB"
            max_size: "200KB"
          preload:
            count: 100
            rate: 200
            endpoint:
              {{service: "web", path: "/preload", method: "POST", data: {{n: "{{{{seq}}}}"}}}}
          endpoints:
            - {{service: "web", path: "/ingest", method: "POST", data: {{kind: "blob"}}}}
  reporting: {{generate_charts: false}}
"""


def test_volume_reports_bytes_and_sizes(nginx: Nginx, tmp_path: Path) -> None:
    config = tmp_path / "v.yaml"
    config.write_text(CONFIG.format(url=nginx.url))
    before = nginx.handled_requests()
    run = run_cli("run", str(config), "--output-dir", str(tmp_path))
    assert run.code == 0, run.stderr
    [report] = list(tmp_path.glob("performance_report_volume_*.json"))
    result = json.loads(report.read_text())["test_results"][0]
    volume = result["metrics"]["custom_metrics"]["volume"]
    assert volume["preloaded"] == 100
    sizes = volume["body_size_bytes"]
    assert 1000 <= sizes["min"] < sizes["p50"] < sizes["max"] <= 200_000
    # bytes out per second ≈ rate × mean request size (headers included)
    assert 50 * 10_000 < volume["bytes_out_per_s"] < 50 * 60_000
    assert volume["bytes_in_per_s"] > 0
    assert nginx.handled_requests() - before - 1 == 100 + result["metrics"]["requests"]
