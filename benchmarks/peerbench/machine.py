"""Context for every table: machine, date, versions, load average."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg() -> float:
    return os.getloadavg()[0]


def machine_line() -> str:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {cpu_model()}, {mem_gb:.1f} GiB RAM, "
        f"Linux {platform.release()}, Python {platform.python_version()}"
    )


def wakeup_latency(cpus: str, count: int = 2000, sleep_us: float = 500.0) -> str:
    """Sleep overshoot p50/p99/max (µs) of a process pinned to ``cpus``, as text."""
    script = Path(__file__).with_name("wakeup.py")
    out = subprocess.run(
        ["taskset", "-c", cpus, sys.executable, str(script), str(count), f"{sleep_us:g}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    parts = out.stdout.split()
    if len(parts) != 3:
        return "not measured"
    return f"p50 {parts[0]} µs, p99 {parts[1]} µs, max {parts[2]} µs"


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def git_revision(repo: str) -> str:
    out = subprocess.run(
        ["git", "-C", repo, "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() or "unknown"
