"""Bad input never gives a 5xx: schemathesis against each service's /openapi.json.

Bounded: 25 examples per operation, fixed seed. Besides ``not_a_server_error`` it checks that
status codes, content types and response bodies match the document. The tool proxy's
documented 502/503/504 (a tool failed, timed out, or its breaker is open) and the ``fail``
tool's designed 500 are declared as expected for those two operations only.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from omninode_bridge.services.launcher import ServicesHandle

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)
CONFIG = """
[[operations]]
include-path = "/proxy/call"
checks.not_a_server_error.expected-statuses = [
    "200", "400", "404", "405", "413", "415", "502", "503", "504",
]

[[operations]]
include-path = "/tools/fail"
checks.not_a_server_error.expected-statuses = ["200", "400", "405", "413", "415", "500"]
"""


def schemathesis_command() -> list[str]:
    exe = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    return [exe]


@pytest.mark.parametrize("name", ["hook_receiver", "tool_proxy", "service_registry"])
def test_fuzz_openapi(stack: ServicesHandle, tmp_path: Path, name: str) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    cmd = [
        *schemathesis_command(),
        "--config-file",
        str(config),
        "run",
        f"{stack.base_urls[name]}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        "25",
        "--seed",
        "4",
        "--no-color",
        "--generation-database",
        "none",
        "--request-timeout",
        "5",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
