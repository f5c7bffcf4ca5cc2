"""The ``Pattern`` record that ``GET /patterns`` returns, and its JSON shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Pattern:
    """A discovered pattern. ``support``, ``confidence`` and ``stats`` keep updating."""

    id: str
    kind: str  # "sequence" | "tool_usage" | "error_burst"
    service: str
    description: str
    sequence: list[str]
    support: int
    confidence: float
    discovered_at: float  # ms since the epoch
    first_event_at: float  # ms since the epoch
    stats: dict[str, Any] | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "service": self.service,
            "description": self.description,
            "sequence": self.sequence,
            "support": self.support,
            "confidence": round(self.confidence, 6),
            "discovered_at": self.discovered_at,
            "first_event_at": self.first_event_at,
            "stats": self.stats,
        }


def sequence_id(service: str, gram: tuple[str, ...]) -> str:
    return f"seq:{service}:{'>'.join(gram)}"
