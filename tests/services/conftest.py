"""Fixtures: real services on free loopback ports, stopped by PID after the module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from omninode_bridge.services.launcher import ServicesHandle, free_port, start_services


def launch(tmp: Path, only: list[str], extra: dict[str, list[str]] | None = None) -> ServicesHandle:
    ports = {name: free_port() for name in ("hook_receiver", "tool_proxy", "service_registry")}
    return start_services(ports=ports, data_dir=str(tmp), extra_args=extra, only=only)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServicesHandle]:
    """All three services, tool proxy tuned for quick breaker and timeout tests."""
    extra = {
        "hook_receiver": [
            "--discovery-interval",
            "0.05",
            "--max-body-bytes",
            "4096",
            "--max-wait-s",
            "1",
        ],
        "tool_proxy": [
            "--timeout",
            "0.3",
            "--retries",
            "2",
            "--breaker-failures",
            "3",
            "--breaker-reset",
            "1",
            "--max-sleep-ms",
            "2000",
            "--max-cpu-units",
            "5",
        ],
        "service_registry": ["--ttl", "30"],
    }
    handle = launch(
        tmp_path_factory.mktemp("stack"), ["hook_receiver", "tool_proxy", "service_registry"], extra
    )
    yield handle
    handle.stop()
