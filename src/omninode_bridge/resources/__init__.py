"""Resources layer: samplers of the **service under test** (pid, port, process name,
Prometheus), and a meter of the generator's own CPU."""

from __future__ import annotations

from omninode_bridge.resources.generator import BUSY_THRESHOLD_PERCENT, GeneratorCpuMeter
from omninode_bridge.resources.sampler import ResourceSampler
from omninode_bridge.resources.sources import (
    ProcessSource,
    PrometheusSource,
    Reading,
    ResourceSource,
    ResourceSourceError,
    resolve_source,
)

__all__ = [
    "BUSY_THRESHOLD_PERCENT",
    "GeneratorCpuMeter",
    "ProcessSource",
    "PrometheusSource",
    "Reading",
    "ResourceSampler",
    "ResourceSource",
    "ResourceSourceError",
    "resolve_source",
]
