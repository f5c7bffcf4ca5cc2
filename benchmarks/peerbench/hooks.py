"""Table 8: the reference hook receiver's events/s on one core, with durable acks.

The service (``python -m omninode_bridge.services.hook_receiver``, SQLite WAL with group
commit, ``synchronous=FULL`` by default) is pinned to core 0 with every process it starts;
omninode-perf loads ``POST /hooks`` from core 1 in the open model at fixed rates, then in a
closed loop to find the ceiling. Issue 4: ≥ 5,000 events/s with p99 ≤ 50 ms.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from peerbench import stats
from peerbench.nginx import free_port
from peerbench.procs import pinned, stop_pid
from peerbench.rounds import Sample, run_once
from peerbench.section import GEN_CPUS, TARGET_CPUS, Section, Settings, timed
from peerbench.tools import OMNI, omni_cmd

EVENT = '{"type":"service_lifecycle","service":"s","event":"startup"}'
TARGET_EPS = 5000.0
TARGET_P99_MS = 50.0


def start_receiver(data_dir: Path, timeout: float = 30.0) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    argv = pinned(
        [
            sys.executable,
            "-m",
            "omninode_bridge.services.hook_receiver",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        TARGET_CPUS,
    )
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return proc, port
        except OSError:
            time.sleep(0.1)
    err = b""
    if proc.poll() is not None and proc.stderr is not None:
        err = proc.stderr.read()
    stop_pid(proc)
    raise RuntimeError(f"hook_receiver did not start: {err.decode()[-300:]}")


def hook_argv(url: str, dur: float, work: Path, *mode: str) -> list[str]:
    return omni_cmd(
        url, dur, work, *mode, "-m", "POST", "--body", EVENT, "-H", "Content-Type: application/json"
    )


def accepted(s: Sample) -> int | None:
    codes = s.parsed.extra.get("status_codes") if s.parsed else None
    return int(codes.get("202", 0)) if isinstance(codes, dict) else None


def accepted_per_s(s: Sample, duration: float) -> float | None:
    """202s per second of the run's nominal duration."""
    n = accepted(s)
    return n / duration if n is not None else None


def accepted_share(s: Sample) -> float | None:
    """202s as a fraction of the requests the open-model schedule offered."""
    n, offered = accepted(s), s.parsed.extra.get("offered") if s.parsed else None
    return n / offered if n is not None and isinstance(offered, int) and offered else None


def build(settings: Settings) -> Section:
    section = Section("hooks", "8. Reference hook receiver: events/s on one core, durable acks")
    rates = [TARGET_EPS] if settings.quick else [2000.0, TARGET_EPS, 7000.0]
    runs: list[tuple[str, Sample]] = []
    with timed(section), tempfile.TemporaryDirectory(prefix="bench-hooks-") as tmp:
        try:
            proc, port = start_receiver(Path(tmp) / "data")
        except (RuntimeError, OSError) as exc:
            section.skipped = f"the hook receiver is not runnable yet: {exc}"
            return section
        url = f"http://127.0.0.1:{port}/hooks"
        try:
            for rate in rates:
                runs.append((f"--rate {rate:g}", _run(url, settings, tmp, "--rate", f"{rate:g}")))
            runs.append(("closed -c 50", _run(url, settings, tmp, "-c", "50")))
        finally:
            stop_pid(proc, timeout=30)
        shutil.rmtree(Path(tmp) / "data", ignore_errors=True)
    _fill(section, runs, settings)
    return section


def _run(url: str, settings: Settings, tmp: str, *mode: str) -> Sample:
    work = Path(tempfile.mkdtemp(dir=tmp))
    argv = hook_argv(url, settings.hooks_s, work, *mode)
    return run_once(OMNI, argv, duration_s=settings.hooks_s, cpus=GEN_CPUS, workdir=work)


def _fill(section: Section, runs: list[tuple[str, Sample]], settings: Settings) -> None:
    dur = settings.hooks_s
    rows = []
    for label, s in runs:
        section.commands.append(s.command)
        section.notes += stats.failures([s])
        p = s.parsed
        extra = p.extra if p else {}
        if extra.get("valid") is False:
            section.notes.append(f"{label}: run marked invalid: {extra.get('invalid_reasons')}")
        share = accepted_share(s) if label.startswith("--rate") else None
        rows.append(
            [
                label,
                stats.fmt(accepted_per_s(s, dur)),
                "—" if share is None else f"{100 * share:.2f} %",
                stats.fmt(p.p50_ms if p else None),
                stats.fmt(p.p99_ms if p else None),
                stats.fmt(p.max_ms if p else None),
                str(p.errors if p else "—"),
                str(extra.get("valid", "—")),
            ]
        )
    section.body = stats.table(
        [
            "load",
            "202 accepted/s",
            "accepted ÷ offered",
            "p50 ms",
            "p99 ms",
            "max ms",
            "errors",
            "run valid",
        ],
        rows,
    )
    section.notes.append(
        f"One {dur:g} s run per row against one service instance (data dir "
        "in a temp dir, SQLite store, synchronous=FULL default), the service and its "
        "children pinned to core 0 and the generator to core 1. Latency from the intended "
        "start (open model). accepted/s = 202 responses ÷ the run's nominal duration."
    )
    _judge(section, runs, dur)


def _pct(share: float | None) -> float | None:
    return None if share is None else 100.0 * share


def _judge(section: Section, runs: list[tuple[str, Sample]], dur: float) -> None:
    target = next((s for label, s in runs if label == f"--rate {TARGET_EPS:g}"), None)
    eps = accepted_per_s(target, dur) if target else None
    share = accepted_share(target) if target else None
    p99 = target.parsed.p99_ms if target and target.parsed else None
    ok = None
    if share is not None and p99 is not None:
        ok = share >= 0.999 and p99 <= TARGET_P99_MS
    section.acceptance.append(
        (
            "hook receiver ≥ 5,000 events/s with p99 ≤ 50 ms (issue 4)",
            ok,
            f"{stats.fmt(eps)} accepted/s ({stats.fmt(_pct(share), 4)} % "
            f"of offered), p99 {stats.fmt(p99)} ms",
        )
    )
    ceiling = accepted_per_s(runs[-1][1], dur)
    section.reading = (
        f"At {TARGET_EPS:,.0f} events/s offered the receiver accepted {stats.fmt(eps)}/s "
        f"with p99 {stats.fmt(p99)} ms; its closed-loop ceiling on one core was "
        f"{stats.fmt(ceiling)} events/s."
    )
