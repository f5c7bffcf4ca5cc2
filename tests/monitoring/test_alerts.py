"""The alert state machine with explicit times: fire, dedupe, re-send, resolve, log."""

from __future__ import annotations

import json
from pathlib import Path

from omninode_bridge.monitoring.alerts import AlertBook, Finding

SLOW = Finding("ResponseTimeDegradation", "warning", "hook_receiver", "p95_response_time", "slow")
ERRS = Finding("HighErrorRate", "warning", "hook_receiver", "error_rate", "errors")


def test_lifecycle(tmp_path: Path) -> None:
    book = AlertBook(resend_interval_s=60, log_path=tmp_path / "a.jsonl")
    book.update("rt", [SLOW, SLOW], now=1000)
    sent = book.outbox(1000)
    assert [(a.labels["alertname"], a.status) for a in sent] == [
        ("ResponseTimeDegradation", "firing")
    ]
    assert sent[0].ends_at == 1000 + 240  # auto-expires if the monitor dies
    book.mark_sent(sent, 1000)
    book.update("rt", [SLOW], now=1010)
    assert book.outbox(1010) == []  # deduplicated, not yet due
    resend = book.outbox(1061)
    assert len(resend) == 1 and resend[0].starts_at == 1000  # same alert, re-sent
    book.mark_sent(resend, 1061)
    book.update("rt", [], now=1100)
    resolved = book.outbox(1100)
    assert [(a.status, a.ends_at) for a in resolved] == [("resolved", 1100)]
    assert book.outbox(1100) == resolved  # kept until delivered
    book.mark_sent(resolved, 1100)
    assert book.outbox(1200) == []
    events = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == ["firing", "resolved"]
    assert events[1]["endsAt"].endswith("Z")


def test_scopes_are_independent() -> None:
    book = AlertBook(resend_interval_s=60)
    book.update("rt", [SLOW], now=0)
    book.update("err", [ERRS], now=0)
    book.update("err", [], now=5)  # clears only the error-rate scope
    assert book.active() == [SLOW]


def test_undelivered_firing_is_retried() -> None:
    book = AlertBook(resend_interval_s=60)
    book.update("rt", [SLOW], now=0)
    assert len(book.outbox(0)) == 1
    assert len(book.outbox(1)) == 1  # never marked sent: due again at once


def test_refiring_after_resolve_is_a_new_alert() -> None:
    book = AlertBook(resend_interval_s=60)
    book.update("rt", [SLOW], now=0)
    book.mark_sent(book.outbox(0), 0)
    book.update("rt", [], now=10)
    book.update("rt", [SLOW], now=20)  # the resolution was never delivered: superseded
    assert [(a.status, a.starts_at) for a in book.outbox(20)] == [("firing", 20)]
