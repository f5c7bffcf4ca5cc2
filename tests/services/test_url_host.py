"""Servers bound to IPv6 or wildcard addresses are advertised with URLs that parse."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from omninode_bridge.services.launcher import free_port
from omninode_bridge.util.net import url_host


@pytest.mark.parametrize(
    ("host", "expected"),
    [("0.0.0.0", "127.0.0.1"), ("::", "127.0.0.1"), ("::1", "[::1]"), ("127.0.0.2", "127.0.0.2")],
)
def test_url_host(host: str, expected: str) -> None:
    assert url_host(host) == expected
    assert urlsplit(f"http://{url_host(host)}:8001").port == 8001


def test_free_port_on_ipv6_loopback() -> None:
    assert 0 < free_port("::1") < 65536  # it probed with AF_INET and failed on ::1
