"""Results on disk: the suite JSON (atomic) and the per-interval streams written as the run goes.

Each interval is appended and flushed to ``.intervals.jsonl`` and ``.hlog`` the moment it
is merged, so a crash loses at most one interval. The final report re-reads the stream
instead of holding every interval in memory during the run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from omninode_bridge.metrics.hdrlog import HdrLogWriter
from omninode_bridge.util.atomic import atomic_write_json


def report_stem(suite: str, started: datetime) -> str:
    return f"performance_report_{safe_name(suite)}_{started.strftime('%Y%m%d_%H%M%S')}"


def safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80] or "test"


class IntervalStream:
    """Appends interval documents to JSONL and their latency histograms to an HDR log."""

    def __init__(self, output_dir: Path, stem: str, test_name: str) -> None:
        base = output_dir / f"{stem}.{safe_name(test_name)}"
        self.jsonl_path = base.with_name(base.name + ".intervals.jsonl")
        self.hlog_path = base.with_name(base.name + ".hlog")
        output_dir.mkdir(parents=True, exist_ok=True)
        self._jsonl: IO[str] = self.jsonl_path.open("w", encoding="utf-8")
        self._hlog: HdrLogWriter | None = None  # opened at the first interval (see write)

    def write(self, interval: dict[str, Any]) -> None:
        self._jsonl.write(json.dumps(interval, separators=(",", ":")) + "\n")
        self._jsonl.flush()
        hdr = interval.get("hdr", {}).get("latency")
        if hdr:
            max_ms = (interval.get("latency_ms") or {}).get("max") or 0
            if self._hlog is None:
                # An interval is written as it ends, so the run began t + duration_s ago
                # (not when this stream was made: reachability checks and preloads come
                # between); within a tick's wake-up of the engine's own start.
                ended = float(interval["t"]) + float(interval["duration_s"])
                self._hlog = HdrLogWriter(self.hlog_path, start_time_epoch_s=time.time() - ended)
            self._hlog.write_encoded(
                "latency",
                float(interval["t"]),
                float(interval["duration_s"]),
                round(max_ms * 1000),
                hdr,
            )

    def close(self) -> None:
        if not self._jsonl.closed:
            self._jsonl.close()
            if self._hlog is not None:
                self._hlog.close()

    def read_back(self) -> Iterator[dict[str, Any]]:
        with self.jsonl_path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def write_report(document: dict[str, Any], output_dir: Path, stem: str) -> Path:
    return atomic_write_json(output_dir / f"{stem}.json", document)
