"""Start the reference services as subprocesses and stop them again, by PID.

``start_services`` picks ports (the seed's 8001/8002/8003 when free, else free ports),
launches each service with ``python -m omninode_bridge.services.<name>``, waits for
``/health`` (and for the tool proxy's registration) within a bounded time, and returns a
``ServicesHandle``. A service that fails to start raises ``ServiceStartError`` naming the
service and its log file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from omninode_bridge.errors import TargetUnreachable, UsageError
from omninode_bridge.util.net import url_host

SERVICE_NAMES = ("service_registry", "hook_receiver", "tool_proxy")  # start order
DEFAULT_PORTS = {"hook_receiver": 8001, "tool_proxy": 8002, "service_registry": 8003}


class ServiceStartError(TargetUnreachable):
    """A service did not become healthy; the message names it and its log file."""


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def choose_ports(
    host: str, names: Sequence[str], ports: Mapping[str, int] | None
) -> dict[str, int]:
    chosen: dict[str, int] = {}
    for name in names:
        wanted = (ports or {}).get(name)
        if wanted is None:
            default = DEFAULT_PORTS[name]
            free = port_is_free(host, default) and default not in chosen.values()
            wanted = default if free else free_port(host)
            while wanted in chosen.values():
                wanted = free_port(host)
        chosen[name] = wanted
    return chosen


@dataclass
class ServicesHandle:
    """Running services: ``base_urls`` and ``pids`` keyed by service name."""

    base_urls: dict[str, str]
    pids: dict[str, int]
    data_dir: Path
    log_files: dict[str, Path]
    processes: dict[str, subprocess.Popen[bytes]] = field(repr=False)
    owns_data_dir: bool = False
    keep_data_dir: bool = False

    def returncodes(self) -> dict[str, int | None]:
        return {name: proc.poll() for name, proc in self.processes.items()}

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM every service, wait up to ``timeout`` s in all, then SIGKILL leftovers."""
        alive = [p for p in self.processes.values() if p.poll() is None]
        for proc in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in alive:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        if self.owns_data_dir and not self.keep_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> ServicesHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _command(
    name: str, host: str, port: int, data_dir: Path, ports: Mapping[str, int], extra: Sequence[str]
) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        f"omninode_bridge.services.{name}",
        "--host",
        host,
        "--port",
        str(port),
        "--data-dir",
        str(data_dir / name),
    ]
    if name == "tool_proxy" and "--registry-url" not in extra:
        registry_port = ports.get("service_registry", DEFAULT_PORTS["service_registry"])
        cmd += ["--registry-url", f"http://{url_host(host)}:{registry_port}"]
    return cmd + list(extra)


def _spawn(cmd: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log: IO[bytes] = open(log_path, "ab")  # noqa: SIM115 - the child keeps writing to it
    try:
        return subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
    finally:
        log.close()


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy


def _get(url: str) -> int:
    try:
        with _OPENER.open(url, timeout=1.0) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, ValueError):
        return 0


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def _wait_until_ready(handle: ServicesHandle, deadline: float) -> None:
    checks = {name: f"{url}/health" for name, url in handle.base_urls.items()}
    if "tool_proxy" in checks and "service_registry" in checks:
        checks["tool_proxy"] = f"{handle.base_urls['service_registry']}/tools/test_tool"
    pending = dict(checks)
    while pending:
        for name in list(pending):
            proc = handle.processes[name]
            if proc.poll() is not None:
                raise _start_error(handle, name, f"exited with code {proc.returncode}")
            if _get(pending[name]) == 200:
                del pending[name]
        if pending and time.monotonic() > deadline:
            raise _start_error(handle, next(iter(pending)), "did not become ready in time")
        if pending:
            time.sleep(0.05)


def _start_error(handle: ServicesHandle, name: str, why: str) -> ServiceStartError:
    log = handle.log_files[name]
    return ServiceStartError(f"service {name} {why} (log: {log}: {_tail(log)})")


def start_services(
    host: str = "127.0.0.1",
    ports: Mapping[str, int] | None = None,
    data_dir: str | None = None,
    extra_args: Mapping[str, Sequence[str]] | None = None,
    only: Sequence[str] | None = None,
    startup_timeout: float = 30.0,
) -> ServicesHandle:
    """Start the services (all, or ``only`` some) and wait until they are ready."""
    names = [n for n in SERVICE_NAMES if only is None or n in only]
    unknown = sorted(set(only or ()) - set(SERVICE_NAMES))
    if unknown or not names:
        raise UsageError(f"unknown service(s) {unknown}; choose from {list(SERVICE_NAMES)}")
    owns = data_dir is None
    root = Path(tempfile.mkdtemp(prefix="omninode-services-") if owns else str(data_dir))
    chosen = choose_ports(host, names, ports)
    all_ports = {**DEFAULT_PORTS, **(ports or {}), **chosen}
    handle = ServicesHandle({}, {}, root, {}, {}, owns_data_dir=owns)
    for name in names:
        cmd = _command(name, host, chosen[name], root, all_ports, (extra_args or {}).get(name, ()))
        handle.log_files[name] = root / "logs" / f"{name}.log"
        proc = _spawn(cmd, handle.log_files[name])
        handle.processes[name], handle.pids[name] = proc, proc.pid
        handle.base_urls[name] = f"http://{url_host(host)}:{chosen[name]}"
    try:
        _wait_until_ready(handle, time.monotonic() + startup_timeout)
    except BaseException:
        handle.keep_data_dir = True  # keep the logs the error points at
        handle.stop(timeout=5)
        raise
    return handle
