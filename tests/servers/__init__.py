"""Purpose-built test servers with known behaviour, started as subprocesses.

``start_server(kind, **params)`` runs ``python -m tests.servers.<module> --port 0 ...``,
waits for its ``LISTENING <port>`` line and returns a ``RunningServer`` (pid, port, url,
``stop()``). Keyword params become flags (``service_ms=20`` → ``--service-ms 20``).

Kinds and their known behaviour:

==================  ==========================================================
``capacity``        fixed service time + concurrency cap → max throughput
                    ``concurrency * 1000 / service_ms`` req/s
``recovering``      degraded for ``recovery_s`` after arrivals exceed ``overload_rps``
``never_recovering`` the same, degraded forever once overloaded
``leaking``         RSS grows ``mb_per_s`` MB/s; ``not_leaking`` is its twin at 0
``stall``           blocks all responses 1 s every 5 s
``cold_start``      every response waits ``cold_ms`` for ``cold_s`` after the first request
``reset``           resets the connection mid-response
``silent``          never answers
``malformed``       malformed status line
``big_body``        10 MB body (``body_mb``)
==================  ==========================================================
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]

KINDS: dict[str, tuple[str, dict[str, Any]]] = {
    "capacity": ("capacity", {}),
    "recovering": ("recovering", {}),
    "never_recovering": ("recovering", {"recovery_s": -1}),
    "leaking": ("leaking", {}),
    "not_leaking": ("leaking", {"mb_per_s": 0}),
    "stall": ("stall", {}),
    "cold_start": ("stall", {"cold_s": 1.5, "cold_ms": 300}),
    "reset": ("misbehaving", {"mode": "reset"}),
    "silent": ("misbehaving", {"mode": "silent"}),
    "malformed": ("misbehaving", {"mode": "malformed"}),
    "big_body": ("misbehaving", {"mode": "big_body"}),
    "short_body": ("misbehaving", {"mode": "short_body"}),
    "short_body_close": ("misbehaving", {"mode": "short_body_close"}),
    "until_close": ("misbehaving", {"mode": "until_close"}),
}


@dataclass
class RunningServer:
    pid: int
    port: int
    url: str
    process: subprocess.Popen[str] = field(repr=False)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the server by its PID (SIGTERM, then SIGKILL after ``timeout``)."""
        if self.process.poll() is not None:
            return
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(timeout)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _argv(kind: str, params: dict[str, Any]) -> list[str]:
    if kind not in KINDS:
        raise ValueError(f"unknown server kind {kind!r}; kinds: {', '.join(KINDS)}")
    module, defaults = KINDS[kind]
    argv = [sys.executable, "-m", f"tests.servers.{module}", "--port", "0"]
    for key, value in {**defaults, **params}.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    return argv


def start_server(kind: str, *, timeout: float = 10.0, **params: Any) -> RunningServer:
    """Start a test server of ``kind`` on a free loopback port and wait until it listens."""
    env = {**os.environ, "PYTHONPATH": f"{REPO_ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen(
        _argv(kind, params), stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT, env=env
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("LISTENING "):
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        raise RuntimeError(f"test server {kind!r} failed to start: {line!r}")
    port = int(line.split()[1])
    return RunningServer(proc.pid, port, f"http://127.0.0.1:{port}", proc)


__all__ = ["KINDS", "RunningServer", "start_server"]
