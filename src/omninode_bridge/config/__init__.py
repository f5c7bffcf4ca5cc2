"""The config layer: the seed's YAML → a typed, frozen, validated model.

``load_config(path)`` reads, interpolates ``${ENV}``, validates, and raises
``ConfigError`` with every problem located by file, line and key path. Values taken from
the environment are in ``Config.secret_values``; mask them with ``mask_secrets`` in
every output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from omninode_bridge.config.durations import parse_duration, parse_size
from omninode_bridge.config.model import (
    Config,
    Endpoint,
    IntelligenceCase,
    IntelligenceCriteria,
    IntelligencePaths,
    MonitoringConfig,
    PayloadConfig,
    PerformanceTesting,
    PreloadConfig,
    PrometheusSource,
    RegressionConfig,
    ReportingConfig,
    ResourcesConfig,
    SuccessCriteria,
    Suite,
    TestConfig,
)
from omninode_bridge.config.secrets import MASK, mask_secrets

if TYPE_CHECKING:
    from omninode_bridge.config.loader import load_config, load_config_text


def __getattr__(name: str) -> Any:
    """The YAML loader (and PyYAML) is imported on first use, not by every command."""
    if name in ("load_config", "load_config_text"):
        from omninode_bridge.config import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MASK",
    "Config",
    "Endpoint",
    "IntelligenceCase",
    "IntelligenceCriteria",
    "IntelligencePaths",
    "MonitoringConfig",
    "PayloadConfig",
    "PerformanceTesting",
    "PreloadConfig",
    "PrometheusSource",
    "RegressionConfig",
    "ReportingConfig",
    "ResourcesConfig",
    "SuccessCriteria",
    "Suite",
    "TestConfig",
    "load_config",
    "load_config_text",
    "mask_secrets",
    "parse_duration",
    "parse_size",
]
