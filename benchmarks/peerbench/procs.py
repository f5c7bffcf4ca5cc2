"""Child processes, measured from the outside alike for every tool.

``run_measured`` starts a command pinned with ``taskset``, waits for it with
``os.wait4`` and returns its wall time and the user+sys CPU of the process *and every
descendant it waited for* (the kernel folds reaped grandchildren, such as worker
processes, into the rusage of the child that reaped them).
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    """One finished child: exit code, output, wall seconds, CPU seconds (user+sys, and
    the kernel's part alone)."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    cpu_s: float
    maxrss_kb: int
    sys_s: float = 0.0


def pinned(argv: Sequence[str], cpus: str | None) -> list[str]:
    """``argv`` prefixed by ``taskset -c cpus`` (which execs, so the PID is the tool's)."""
    return ["taskset", "-c", cpus, *argv] if cpus else list(argv)


def run_measured(
    argv: Sequence[str],
    *,
    cpus: str | None = None,
    timeout: float = 120.0,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    probe: Callable[[int], None] | None = None,
) -> Measured:
    """Run ``argv`` to completion (killed after ``timeout``) and measure it by rusage."""
    cmd = pinned(argv, cpus)
    out_path, err_path = _tmp_pair()
    with open(out_path, "w+") as out, open(err_path, "w+") as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env)
        if probe is not None:
            probe(proc.pid)  # samples while the child runs; returns before it exits
        status, usage = _wait4(proc, timeout)
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    os.unlink(out_path)
    os.unlink(err_path)
    return Measured(
        argv=tuple(cmd),
        returncode=os.waitstatus_to_exitcode(status),
        stdout=stdout,
        stderr=stderr,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        maxrss_kb=usage.ru_maxrss,
        sys_s=usage.ru_stime,
    )


def _tmp_pair() -> tuple[str, str]:
    import tempfile

    fd1, p1 = tempfile.mkstemp(prefix="bench-out-")
    fd2, p2 = tempfile.mkstemp(prefix="bench-err-")
    os.close(fd1)
    os.close(fd2)
    return p1, p2


def _wait4(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, resource.struct_rusage]:
    """Wait for ``proc`` by PID with a deadline; SIGTERM then SIGKILL past it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, usage
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGTERM)
    time.sleep(2.0)
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGKILL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return status, usage


def stop_pid(proc: subprocess.Popen[bytes] | subprocess.Popen[str], timeout: float = 5.0) -> None:
    """Stop a background child we started, by its PID: SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout)
