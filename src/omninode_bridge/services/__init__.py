"""The reference OmniNode Bridge services (hook_receiver, tool_proxy, service_registry).

Each is an aiohttp app on uvloop, runnable as ``python -m omninode_bridge.services.<name>``;
the HTTP contract is docs/services-api.md. ``start_services`` runs them as subprocesses.
"""

from __future__ import annotations

from omninode_bridge.services.launcher import (
    SERVICE_NAMES,
    ServicesHandle,
    ServiceStartError,
    start_services,
)

__all__ = ["SERVICE_NAMES", "ServiceStartError", "ServicesHandle", "start_services"]
