"""What one worker process is asked to do: plain, picklable data."""

from __future__ import annotations

from dataclasses import dataclass

from omninode_bridge.plan.pacers import Segment
from omninode_bridge.plan.requests import RequestSpec


@dataclass(frozen=True)
class WorkerPlan:
    requests: tuple[RequestSpec, ...]
    model: str  # "open" or "closed"
    segments: tuple[Segment, ...] = ()  # open model: the whole test's rate curve
    duration_s: float = 10.0  # closed model: how long to run
    concurrency: int = 50  # closed model: connections (virtual users)
    think_time_s: float = 0.0
    max_connections: int = 1024  # open model: pool ceiling per origin
    timeout_s: float = 30.0
    max_body_bytes: int = 10 * 1024 * 1024
    worker_index: int = 0
    worker_count: int = 1
    start_ns: int = 0  # CLOCK_MONOTONIC start shared by every worker
    insecure_tls: bool = False
