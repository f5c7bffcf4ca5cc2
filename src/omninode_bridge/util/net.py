"""Host names as they appear in URLs."""

from __future__ import annotations

WILDCARDS = ("0.0.0.0", "::", "")


def url_host(host: str) -> str:
    """The host to put in a URL for a server bound to ``host``: a wildcard bind is reached
    on IPv4 loopback, and an IPv6 literal goes in brackets (``http://[::1]:8001``)."""
    if host in WILDCARDS:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
