"""The alert state machine: fire, re-send while active, resolve with ``endsAt``, dedupe, log.

Each monitor loop reports the :class:`Finding` s that hold *now* for its scope. An alert is
identified by its label set, so the same condition reported twice is one alert. A finding
that disappears from its scope's report resolves its alert. A scope whose evaluation failed
reports nothing (``update`` is not called), so its alerts stay as they are.

Firing alerts carry ``endsAt = now + 4 × resend interval``: if the monitor dies, the
receiver resolves them on its own. Transitions (firing, resolved) go to a JSONL log.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from omninode_bridge.monitoring.alertmanager import AlertPayload, rfc3339

AlertKey = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Finding:
    """One condition that holds now."""

    alertname: str
    severity: str
    service: str
    metric: str
    summary: str
    description: str = ""
    extra_labels: tuple[tuple[str, str], ...] = ()

    def labels(self) -> dict[str, str]:
        base = {
            "alertname": self.alertname,
            "severity": self.severity,
            "service": self.service,
            "metric": self.metric,
        }
        return base | dict(self.extra_labels)

    @property
    def key(self) -> AlertKey:
        return tuple(sorted(self.labels().items()))


@dataclass
class _Active:
    finding: Finding
    scope: str
    starts_at: float
    last_sent: float | None = None


@dataclass
class AlertBook:
    resend_interval_s: float
    log_path: Path | None = None
    _active: dict[AlertKey, _Active] = field(default_factory=dict)
    _resolved: dict[AlertKey, AlertPayload] = field(default_factory=dict)

    def active(self) -> list[Finding]:
        return [a.finding for a in self._active.values()]

    def update(self, scope: str, findings: Iterable[Finding], now: float) -> None:
        """Replace the set of conditions that hold for ``scope``."""
        current = {f.key: f for f in findings}
        for key, finding in current.items():
            if key in self._active:
                self._active[key].finding = finding  # fresher annotations
            else:
                self._active[key] = _Active(finding, scope, now)
                self._resolved.pop(key, None)
                self._log("firing", self._payload(self._active[key], now))
        for key in [k for k, a in self._active.items() if a.scope == scope and k not in current]:
            payload = self._payload(self._active.pop(key), now, resolved=True)
            self._resolved[key] = payload
            self._log("resolved", payload)

    def outbox(self, now: float) -> list[AlertPayload]:
        """Alerts to send now: new or due for re-send, and resolutions not yet delivered."""
        due = [
            self._payload(a, now)
            for a in self._active.values()
            if a.last_sent is None or now - a.last_sent >= self.resend_interval_s
        ]
        return due + list(self._resolved.values())

    def mark_sent(self, payloads: Sequence[AlertPayload], now: float) -> None:
        for payload in payloads:
            key = tuple(sorted(payload.labels.items()))
            if payload.resolved:
                self._resolved.pop(key, None)
            elif key in self._active:
                self._active[key].last_sent = now

    def _payload(self, active: _Active, now: float, resolved: bool = False) -> AlertPayload:
        f = active.finding
        annotations = {"summary": f.summary} | (
            {"description": f.description} if f.description else {}
        )
        ends = now if resolved else now + 4 * self.resend_interval_s
        return AlertPayload(f.labels(), annotations, active.starts_at, ends, resolved)

    def _log(self, event: str, payload: AlertPayload) -> None:
        if self.log_path is None:
            return
        record = {
            "event": event,
            "at": rfc3339(payload.ends_at if payload.resolved else payload.starts_at),
        }
        record |= payload.to_api()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
