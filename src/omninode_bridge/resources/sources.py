"""Where resource figures of the **service under test** come from.

A ``ResourceSource`` returns cumulative ``Reading``s; ``sampler.py`` turns consecutive
readings into per-interval samples. Sources:

- ``ProcessSource``: local processes by pid, by the port they listen on (auto-discovered
  for localhost targets), or by process name; child processes are included (nginx or
  gunicorn workers do the work). Per-core CPU: psutil gives per-process, not per-core,
  CPU, so each thread's CPU time since the last reading is attributed to the core it
  last ran on (``cpu_num`` of the thread) — an approximation, exact for pinned threads.
- ``PrometheusSource``: the ``process_*`` metrics of a job in Prometheus (a label
  selector), or one PromQL query whose value fills one field.

``resolve_source`` picks one from the ``resources:`` options, with one-line errors.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import psutil

from omninode_bridge.errors import UsageError

if TYPE_CHECKING:  # aiohttp costs 0.3 s to import; only a Prometheus source needs it
    import aiohttp

MAX_THREADS_PER_CORE_SCAN = 256


class ResourceSourceError(UsageError):
    """The resources block names no usable source (exit 2)."""


@dataclass(frozen=True)
class Reading:
    """Cumulative figures at monotonic time ``t`` (None = not available from the source)."""

    t: float
    cpu_s_by_pid: Mapping[int, float] = field(default_factory=dict)
    cpu_s_by_thread: Mapping[int, tuple[float, int]] = field(default_factory=dict)
    cpu_percent: float | None = None  # when the source computes a rate itself
    rss_bytes: float | None = None
    memory_total_bytes: float | None = None
    threads: int | None = None
    fds: int | None = None
    ctx_switches: int | None = None
    value: float | None = None  # a raw Prometheus query value with no known field


class ResourceSource(Protocol):
    name: str

    async def read(self) -> Reading: ...

    async def close(self) -> None: ...


# --- local processes ----------------------------------------------------------------------


def _thread_cpu(proc: psutil.Process) -> dict[int, tuple[float, int]]:
    out: dict[int, tuple[float, int]] = {}
    for thread in proc.threads()[:MAX_THREADS_PER_CORE_SCAN]:
        try:
            core = psutil.Process(thread.id).cpu_num()
        except psutil.Error:
            continue
        out[thread.id] = (thread.user_time + thread.system_time, core)
    return out


class ProcessSource:
    """Local process trees rooted at ``pids`` (children included if asked)."""

    def __init__(self, name: str, pids: Sequence[int], include_children: bool = True) -> None:
        self.name = name
        self.roots = [psutil.Process(pid) for pid in pids]
        self.include_children = include_children
        self.memory_total = float(psutil.virtual_memory().total)

    def processes(self) -> list[psutil.Process]:
        procs = [p for p in self.roots if p.is_running()]
        if self.include_children:
            for root in list(procs):
                try:
                    procs += root.children(recursive=True)
                except psutil.Error:
                    continue
        return procs

    def read_sync(self) -> Reading:
        cpu: dict[int, float] = {}
        threads: dict[int, tuple[float, int]] = {}
        rss = 0.0
        nthreads = fds = ctx = 0
        for proc in self.processes():
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    cpu[proc.pid] = times.user + times.system
                    rss += proc.memory_info().rss
                    nthreads += proc.num_threads()
                    fds += proc.num_fds()
                    switches = proc.num_ctx_switches()
                    ctx += switches.voluntary + switches.involuntary
                threads.update(_thread_cpu(proc))
            except psutil.Error:
                continue  # exited between listing and reading
        if not cpu:
            raise ResourceSourceError(f"resources: {self.name}: the process is gone")
        return Reading(
            time.monotonic(), cpu, threads, None, rss, self.memory_total, nthreads, fds, ctx
        )

    async def read(self) -> Reading:
        return await asyncio.to_thread(self.read_sync)

    async def close(self) -> None:
        return None


def _roots(pids: set[int]) -> list[int]:
    """Of a set of pids, those whose parent is not in the set."""
    roots = []
    for pid in sorted(pids):
        try:
            parent = psutil.Process(pid).ppid()
        except psutil.Error:
            continue
        if parent not in pids:
            roots.append(pid)
    return roots


def pids_listening_on(port: int) -> list[int]:
    """Root pids of the processes (of this user, unless privileged) listening on ``port``.

    On Linux, reads only the listening sockets of ``/proc/net/tcp{,6}`` and then the fds
    of each process until those sockets are found: about 10 ms, where
    ``psutil.net_connections`` decodes every connection on the machine (100–170 ms on a
    host running databases), which the generator's own CPU figures would carry.
    """
    inodes = _listening_inodes(port) if os.path.exists("/proc/net/tcp") else None
    if inodes is None:
        found = {
            conn.pid
            for conn in psutil.net_connections(kind="tcp")
            if conn.status == psutil.CONN_LISTEN
            and conn.laddr
            and conn.laddr.port == port
            and conn.pid
        }
    else:
        found = _pids_holding(inodes)
    return _roots(found)


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes in LISTEN state (``0A``) on ``port``, from ``/proc/net/tcp`` and tcp6."""
    suffix = f":{port:04X}"
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                next(handle, None)  # the header
                for line in handle:
                    fields = line.split()
                    if len(fields) > 9 and fields[3] == "0A" and fields[1].endswith(suffix):
                        inodes.add(fields[9])
        except OSError:
            continue
    return inodes


def _pids_holding(inodes: set[str]) -> set[int]:
    wanted = {f"socket:[{inode}]" for inode in inodes}
    found: set[int] = set()
    if not wanted:
        return found
    for pid in psutil.pids():
        fd_dir = f"/proc/{pid}/fd"
        try:
            names = os.listdir(fd_dir)
        except OSError:
            continue  # gone, or not ours to read
        for name in names:
            try:
                if os.readlink(f"{fd_dir}/{name}") in wanted:
                    found.add(pid)
                    break
            except OSError:
                continue
    return found


def pids_named(name: str) -> list[int]:
    found = set()
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        exe = os.path.basename(cmdline[0]) if cmdline else ""
        if proc.info.get("name") == name or exe == name:
            found.add(proc.pid)
    found.discard(os.getpid())
    return _roots(found)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _target_port(target_url: str | None) -> int:
    if not target_url:
        raise ResourceSourceError("resources.port: 'auto' needs a target URL")
    parts = urlsplit(target_url)
    host = parts.hostname or ""
    if not _is_loopback(host):
        raise ResourceSourceError(
            f"resources.port: 'auto' only works for localhost targets, not {host!r}; "
            "give resources.pid, resources.process_name or resources.prometheus"
        )
    return parts.port or (443 if parts.scheme == "https" else 80)


# --- Prometheus ---------------------------------------------------------------------------

PROCESS_QUERIES = {
    "cpu_percent": "sum(rate(process_cpu_seconds_total{sel}[{window}])) * 100",
    "rss_bytes": "sum(process_resident_memory_bytes{sel})",
    "fds": "sum(process_open_fds{sel})",
}
FIELD_BY_METRIC = {
    "process_resident_memory_bytes": "rss_bytes",
    "process_open_fds": "fds",
    "process_cpu_seconds_total": "cpu_percent",
}


class PrometheusSource:
    """``process_*`` metrics of the service from a Prometheus server's HTTP API."""

    def __init__(self, url: str, queries: Mapping[str, str], name: str) -> None:
        self.url = url.rstrip("/")
        self.queries = dict(queries)
        self.name = name
        self.session: aiohttp.ClientSession | None = None

    async def _query(self, session: aiohttp.ClientSession, query: str) -> float | None:
        async with session.get(f"{self.url}/api/v1/query", params={"query": query}) as resp:
            body: Any = await resp.json(content_type=None)
        if resp.status != 200 or body.get("status") != "success":
            error = body.get("error", resp.status) if isinstance(body, dict) else resp.status
            raise ResourceSourceError(f"resources.prometheus: query {query!r} failed: {error}")
        result = body["data"]["result"]
        if body["data"]["resultType"] == "scalar":
            return float(result[1])
        return sum(float(r["value"][1]) for r in result) if result else None

    async def read(self) -> Reading:
        import aiohttp

        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        try:
            values = {f: await self._query(self.session, q) for f, q in self.queries.items()}
        except aiohttp.ClientError as exc:
            raise ResourceSourceError(f"resources.prometheus: {self.url}: {exc}") from exc
        fds = values.get("fds")
        return Reading(
            time.monotonic(),
            cpu_percent=values.get("cpu_percent"),
            rss_bytes=values.get("rss_bytes"),
            fds=None if fds is None else int(fds),
            value=values.get("value"),
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None


def prometheus_source(spec: str | Mapping[str, Any], interval_s: float = 1.0) -> PrometheusSource:
    """From ``{url, selector}`` (all process metrics) or ``{url, query}`` (one field).

    A bare string is a query against ``http://127.0.0.1:9090``.
    """
    if isinstance(spec, str):
        spec = {"query": spec}
    url = str(spec.get("url", "http://127.0.0.1:9090"))
    if "selector" in spec:
        sel = str(spec["selector"])
        window = f"{max(4 * interval_s, 4):g}s"  # rate() needs >= 2 scrapes in the window
        queries = {
            f: q.replace("{sel}", sel).replace("{window}", window)
            for f, q in PROCESS_QUERIES.items()
        }
        return PrometheusSource(url, queries, f"prometheus:{sel}")
    if "query" not in spec:
        raise ResourceSourceError("resources.prometheus: give 'selector' or 'query'")
    query = str(spec["query"])
    field_name = next((f for m, f in FIELD_BY_METRIC.items() if m in query), "value")
    if field_name == "cpu_percent" and "rate(" not in query:
        raise ResourceSourceError(
            "resources.prometheus.query: a CPU counter needs rate(...[window]) * 100"
        )
    return PrometheusSource(url, {field_name: query}, f"prometheus:{query}")


# --- choosing ------------------------------------------------------------------------------


def resolve_source(
    pid: int | None = None,
    port: int | str | None = None,
    process_name: str | None = None,
    prometheus: str | Mapping[str, Any] | None = None,
    target_url: str | None = None,
    include_children: bool = True,
    interval_s: float = 1.0,
) -> ResourceSource:
    """The one source the ``resources:`` block names; ``port="auto"`` uses the target's."""
    given = [k for k, v in (("pid", pid), ("port", port), ("process_name", process_name),
                            ("prometheus", prometheus)) if v is not None]  # fmt: skip
    if len(given) != 1:
        raise ResourceSourceError(
            "resources: give exactly one of pid, port, process_name, prometheus"
            + (f" (got {', '.join(given)})" if given else "")
        )
    if prometheus is not None:
        return prometheus_source(prometheus, interval_s)
    if pid is not None:
        if not psutil.pid_exists(pid):
            raise ResourceSourceError(f"resources.pid: no process with pid {pid}")
        return ProcessSource(f"pid:{pid}", [pid], include_children)
    if process_name is not None:
        pids = pids_named(process_name)
        if not pids:
            raise ResourceSourceError(f"resources.process_name: no process named {process_name!r}")
        return ProcessSource(f"name:{process_name}", pids, include_children)
    number = _target_port(target_url) if port == "auto" else _port_number(port)
    pids = pids_listening_on(number)
    if not pids:
        raise ResourceSourceError(
            f"resources.port: no process listening on port {number} could be found "
            "(processes of other users need privileges; give resources.pid instead)"
        )
    return ProcessSource(f"port:{number}", pids, include_children)


def _port_number(port: int | str | None) -> int:
    try:
        number = int(port)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ResourceSourceError(
            f"resources.port: expected a port number or 'auto', not {port!r}"
        ) from None
    if not 0 < number < 65536:
        raise ResourceSourceError(f"resources.port: {number} is not a valid port")
    return number


__all__ = [
    "ProcessSource",
    "PrometheusSource",
    "Reading",
    "ResourceSource",
    "ResourceSourceError",
    "pids_listening_on",
    "pids_named",
    "prometheus_source",
    "resolve_source",
]
