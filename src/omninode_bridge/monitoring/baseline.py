"""The monitor's baseline file: per-endpoint reference values, written atomically.

Format (JSON)::

    {"schema_version": 1, "updated_at": "2024-01-01T00:00:00Z",
     "endpoints": {"hook_receiver POST /hooks": {"p95_response_time": 4.8, "throughput": 120.0}}}

``p95_response_time`` is in ms (as in the seed), ``throughput`` in requests/s and
``error_rate`` a fraction. A missing or unreadable file is an empty baseline.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from omninode_bridge.monitoring.alertmanager import rfc3339
from omninode_bridge.util.atomic import atomic_write_json

LOWER_IS_BETTER = {"p95_response_time": True, "error_rate": True, "throughput": False}


@dataclass
class BaselineStore:
    path: Path
    endpoints: dict[str, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> BaselineStore:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            raw = doc.get("endpoints", {}) if isinstance(doc, dict) else {}
            endpoints = {
                str(k): {str(m): float(v) for m, v in metrics.items()} for k, metrics in raw.items()
            }
        except (OSError, ValueError, AttributeError, TypeError):
            endpoints = {}
        return cls(path, endpoints)

    def values(self, metric: str) -> dict[str, float]:
        return {k: m[metric] for k, m in self.endpoints.items() if metric in m}

    def get(self, key: str, metric: str) -> float | None:
        return self.endpoints.get(key, {}).get(metric)

    def set(self, key: str, metric: str, value: float) -> None:
        self.endpoints.setdefault(key, {})[metric] = value

    def save(self) -> None:
        doc = {
            "schema_version": 1,
            "updated_at": rfc3339(time.time()),
            "endpoints": self.endpoints,
        }
        atomic_write_json(self.path, doc)
