"""How each load generator is invoked and how its output is read.

Every tool is a ``Tool`` with a ``closed`` command (N connections as fast as the target
allows), an optional ``open`` command (a target request rate), and a ``parse`` that turns
its output into ``Parsed`` figures. ``None`` means the tool does not report that figure.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from peerbench.procs import Measured

NPM_DIR = Path.home() / ".cache" / "omninode-bench" / "npm"


@dataclass
class Parsed:
    requests: int | None = None
    rps: float | None = None
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    mean_ms: float | None = None
    errors: int | None = None
    send_lag_us: dict[str, float] | None = None
    cpu_percent: float | None = None
    extra: dict[str, object] = field(default_factory=dict)


Cmd = Callable[..., list[str] | None]


@dataclass(frozen=True)
class Tool:
    name: str
    binary: str
    version: Callable[[], str]
    closed: Callable[[str, int, float, Path], list[str]]
    open: Callable[[str, float, float, Path], list[str] | None]
    parse: Callable[[Measured, Path], Parsed]
    module: str | None = None  # a Python tool: importable module that must exist

    def available(self) -> bool:
        if self.module is not None:
            return importlib.util.find_spec(self.module) is not None
        return Path(self.binary).exists() or shutil.which(self.binary) is not None


def _first_line(argv: list[str], *, stderr: bool = False) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (out.stderr if stderr else out.stdout) or out.stdout or out.stderr
    return text.strip().splitlines()[0] if text.strip() else "?"


def _dpkg_version(package: str) -> str:
    return _first_line(["dpkg-query", "-W", "-f=${Version}", package])


_UNITS_MS = {"us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3.6e6}


def to_ms(text: str) -> float:
    """``"364.00us"``, ``"4.43ms"``, ``"1.2s"`` → milliseconds."""
    match = re.fullmatch(r"([\d.]+)\s*([a-zµ]+)", text.strip())
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def _search(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text, re.MULTILINE)
    return match.group(1) if match else None


def _num(pattern: str, text: str) -> float | None:
    found = _search(pattern, text)
    return float(found) if found is not None else None


# --- omninode-perf -------------------------------------------------------------------


def omni_cmd(url: str, dur: float, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "omninode_bridge",
        "load",
        url,
        "-d",
        f"{dur:g}s",
        "--json",
        str(out / "omni.json"),
        *extra,
    ]


def omni_parse(m: Measured, out: Path) -> Parsed:
    path = out / "omni.json"
    if not path.exists():
        raise ValueError(f"no JSON written (exit {m.returncode}): {m.stderr.strip()[-300:]}")
    doc = json.loads(path.read_text())
    metrics = doc["metrics"]
    lat = metrics.get("latency_ms") or {}
    errors = sum(int(v) for v in (metrics.get("errors_by_kind") or {}).values())
    return Parsed(
        requests=int(metrics["requests"]),
        rps=float(metrics.get("achieved_rps") or metrics.get("throughput") or 0.0),
        p50_ms=lat.get("p50"),
        p90_ms=lat.get("p90"),
        p99_ms=lat.get("p99"),
        max_ms=lat.get("max"),
        mean_ms=lat.get("mean"),
        errors=errors,
        send_lag_us=metrics.get("send_lag_us"),
        cpu_percent=metrics.get("generator_cpu_percent"),
        extra={
            "valid": doc.get("valid"),
            "invalid_reasons": doc.get("invalid_reasons"),
            "offered": metrics.get("offered"),
            "service_time_ms": metrics.get("service_time_ms"),
            "status_codes": metrics.get("status_codes") or {},
            "duration": doc.get("duration"),
        },
    )


def omni_version() -> str:
    from omninode_bridge import __version__

    return f"omninode-perf {__version__}"


OMNI = Tool(
    name="omninode-perf",
    binary=sys.executable,
    version=omni_version,
    closed=lambda url, c, d, out: omni_cmd(url, d, out, "-c", str(c)),
    open=lambda url, r, d, out: omni_cmd(url, d, out, "--rate", f"{r:g}"),
    parse=omni_parse,
)


def omni_workers(workers: int) -> Tool:
    """omninode-perf closed loop with ``--workers N`` (the scaling table)."""
    return Tool(
        name=f"omninode-perf -w{workers}",
        binary=sys.executable,
        version=omni_version,
        closed=lambda url, c, d, out: omni_cmd(url, d, out, "-c", str(c), "-w", str(workers)),
        open=lambda url, r, d, out: omni_cmd(url, d, out, "--rate", f"{r:g}", "-w", str(workers)),
        parse=omni_parse,
    )


# --- wrk ------------------------------------------------------------------------------


def wrk_parse(m: Measured, out: Path) -> Parsed:
    text = m.stdout
    pct = {k: _search(rf"^\s+{k}%\s+(\S+)", text) for k in ("50", "90", "99")}
    errors = _num(r"Non-2xx or 3xx responses:\s+(\d+)", text) or 0
    sock_line = _search(r"Socket errors: (.*)$", text) or ""
    sock = re.findall(r"(connect|read|write|timeout) (\d+)", sock_line)
    return Parsed(
        requests=int(_num(r"(\d+) requests in", text) or 0),
        rps=_num(r"Requests/sec:\s+([\d.]+)", text),
        p50_ms=to_ms(pct["50"]) if pct["50"] else None,
        p90_ms=to_ms(pct["90"]) if pct["90"] else None,
        p99_ms=to_ms(pct["99"]) if pct["99"] else None,
        max_ms=_max_from_wrk(text),
        mean_ms=_mean_from_wrk(text),
        errors=int(errors) + sum(int(n) for _, n in sock),
    )


def _mean_from_wrk(text: str) -> float | None:
    found = _search(r"^\s+Latency\s+(\S+)", text)
    return to_ms(found) if found else None


def _max_from_wrk(text: str) -> float | None:
    found = _search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", text)
    return to_ms(found) if found else None


WRK = Tool(
    name="wrk",
    binary="wrk",
    version=lambda: "wrk " + _dpkg_version("wrk"),
    closed=lambda url, c, d, out: ["wrk", "-t1", f"-c{c}", f"-d{d:g}s", "--latency", url],
    open=lambda url, r, d, out: None,
    parse=wrk_parse,
)


# --- ab -------------------------------------------------------------------------------


def ab_parse(m: Measured, out: Path) -> Parsed:
    text = m.stdout
    failed = int(_num(r"Failed requests:\s+(\d+)", text) or 0)
    non2xx = int(_num(r"Non-2xx responses:\s+(\d+)", text) or 0)
    return Parsed(
        requests=int(_num(r"Complete requests:\s+(\d+)", text) or 0),
        rps=_num(r"Requests per second:\s+([\d.]+)", text),
        p50_ms=_num(r"^\s+50%\s+(\d+)", text),
        p90_ms=_num(r"^\s+90%\s+(\d+)", text),
        p99_ms=_num(r"^\s+99%\s+(\d+)", text),
        max_ms=_num(r"^\s+100%\s+(\d+)", text),
        mean_ms=_num(r"Time per request:\s+([\d.]+) \[ms\] \(mean\)$", text),
        errors=failed + non2xx,
    )


AB = Tool(
    name="ab",
    binary="ab",
    version=lambda: "ab " + _dpkg_version("apache2-utils"),
    # -t before -n: -t implies -n 50000, a later -n lifts that cap.
    closed=lambda url, c, d, out: [
        "ab",
        "-k",
        "-q",
        "-c",
        str(c),
        "-t",
        f"{d:g}",
        "-n",
        "100000000",
        url,
    ],
    open=lambda url, r, d, out: None,
    parse=ab_parse,
)


# --- h2load ---------------------------------------------------------------------------


def h2load_parse(m: Measured, out: Path) -> Parsed:
    text = m.stdout
    slowest = _search(r"time for request:\s+\S+\s+(\S+)", text)
    failed = int(_num(r"(\d+) failed", text) or 0)
    return Parsed(
        requests=int(_num(r"requests: \d+ total, \d+ started, (\d+) done", text) or 0),
        rps=_num(r"finished in [\d.]+\w+, ([\d.]+) req/s", text),
        max_ms=to_ms(slowest) if slowest else None,
        mean_ms=_h2_mean(text),
        errors=failed,
    )


def _h2_mean(text: str) -> float | None:
    found = _search(r"time for request:\s+\S+\s+\S+\s+(\S+)", text)
    return to_ms(found) if found else None


H2LOAD = Tool(
    name="h2load",
    binary="h2load",
    version=lambda: "h2load " + _dpkg_version("nghttp2-client"),
    closed=lambda url, c, d, out: [
        "h2load",
        "--h1",
        "-t1",
        "-c",
        str(c),
        "-m1",
        "-D",
        f"{d:g}",
        url,
    ],
    open=lambda url, r, d, out: None,
    parse=h2load_parse,
)


# --- hey ------------------------------------------------------------------------------

HEY_CONNS = 50


def hey_parse(m: Measured, out: Path) -> Parsed:
    text = m.stdout
    pct = {k: _num(rf"^\s+{k}% in ([\d.]+) secs", text) for k in ("50", "90", "99")}
    codes = re.findall(r"\[(\d+)\]\s+(\d+) responses", text)
    ok = sum(int(n) for code, n in codes if code.startswith("2"))
    total = sum(int(n) for _, n in codes)
    err_part = _search(r"(Error distribution:[\s\S]*)", text) or ""
    errs = re.findall(r"^\s+\[(\d+)\]\s", err_part, re.MULTILINE)
    slowest = _num(r"Slowest:\s+([\d.]+) secs", text)
    return Parsed(
        requests=total + sum(int(n) for n in errs),
        rps=_num(r"Requests/sec:\s+([\d.]+)", text),
        p50_ms=_s_to_ms(pct["50"]),
        p90_ms=_s_to_ms(pct["90"]),
        p99_ms=_s_to_ms(pct["99"]),
        max_ms=_s_to_ms(slowest),
        mean_ms=_s_to_ms(_num(r"Average:\s+([\d.]+) secs", text)),
        errors=(total - ok) + sum(int(n) for n in errs),
    )


def _s_to_ms(value: float | None) -> float | None:
    return value * 1000.0 if value is not None else None


HEY = Tool(
    name="hey",
    binary="hey",
    version=lambda: "hey " + _dpkg_version("hey"),
    closed=lambda url, c, d, out: ["hey", "-z", f"{d:g}s", "-c", str(c), url],
    # hey's -q is per worker: the total rate R needs -q R/c.
    open=lambda url, r, d, out: [
        "hey",
        "-z",
        f"{d:g}s",
        "-c",
        str(HEY_CONNS),
        "-q",
        f"{r / HEY_CONNS:g}",
        url,
    ],
    parse=hey_parse,
)


# --- Locust ---------------------------------------------------------------------------

LOCUSTFILE = """\
from locust import FastHttpUser, constant, constant_throughput, task

_RATE = {rate!r}


class Bench(FastHttpUser):
    wait_time = constant_throughput(_RATE) if _RATE > 0 else constant(0)

    @task
    def hit(self) -> None:
        self.client.get("/")
"""
LOCUST_USERS = 50


def locust_cmd(url: str, users: int, dur: float, out: Path, user_rate: float) -> list[str]:
    # The per-user rate is in the file's name so the printed commands tell rates apart.
    locustfile = out / f"locustfile_{user_rate:g}rps_per_user.py"
    locustfile.write_text(LOCUSTFILE.format(rate=user_rate))
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(locustfile),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{max(1, round(dur))}s",
        "--host",
        url.rstrip("/"),
        "--csv",
        str(out / "locust"),
        "--only-summary",
        "--stop-timeout",
        "5",
        "-L",
        "ERROR",
        "--exit-code-on-error",
        "0",
    ]


def locust_open(url: str, rate: float, dur: float, out: Path) -> list[str]:
    return locust_cmd(url, LOCUST_USERS, dur, out, rate / LOCUST_USERS)


def locust_closed(url: str, conns: int, dur: float, out: Path) -> list[str]:
    return locust_cmd(url, conns, dur, out, 0.0)


def locust_parse(m: Measured, out: Path) -> Parsed:
    path = out / "locust_stats.csv"
    if not path.exists():
        raise ValueError(f"no locust stats (exit {m.returncode}): {m.stderr.strip()[-300:]}")
    with path.open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["Name"] == "Aggregated"]
    row = rows[0]
    return Parsed(
        requests=int(row["Request Count"]),
        rps=float(row["Requests/s"]),
        p50_ms=_f(row["50%"]),
        p90_ms=_f(row["90%"]),
        p99_ms=_f(row["99%"]),
        max_ms=_f(row["Max Response Time"]),
        mean_ms=_f(row["Average Response Time"]),
        errors=int(row["Failure Count"]),
    )


def _f(text: str) -> float | None:
    return float(text) if text not in ("", "N/A") else None


def locust_version() -> str:
    import locust

    return f"locust {locust.__version__}"


LOCUST = Tool(
    name="locust",
    binary=sys.executable,
    version=locust_version,
    closed=locust_closed,
    open=locust_open,
    parse=locust_parse,
    module="locust",
)


# --- autocannon (npm, optional) --------------------------------------------------------


def autocannon_bin() -> Path:
    return NPM_DIR / "node_modules" / ".bin" / "autocannon"


def install_autocannon(timeout: float = 90.0) -> str:
    """``npm install autocannon`` into a cache dir; returns "" or why it is skipped."""
    if autocannon_bin().exists():
        return ""
    if shutil.which("npm") is None:
        return "npm not found"
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    try:
        out = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "autocannon"],
            cwd=NPM_DIR,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"npm install autocannon took over {timeout:g}s"
    return "" if autocannon_bin().exists() else f"npm install failed: {out.stderr[-200:]}"


def autocannon_parse(m: Measured, out: Path) -> Parsed:
    doc = json.loads(m.stdout[m.stdout.index("{") :])
    lat = doc["latency"]
    return Parsed(
        requests=int(doc["requests"]["total"]),
        rps=float(doc["requests"]["average"]),
        p50_ms=lat.get("p50"),
        p90_ms=lat.get("p90"),
        p99_ms=lat.get("p99"),
        max_ms=lat.get("max"),
        mean_ms=lat.get("average"),
        errors=int(doc.get("errors", 0)) + int(doc.get("non2xx", 0)),
    )


def autocannon_version() -> str:
    pkg = NPM_DIR / "node_modules" / "autocannon" / "package.json"
    node = _first_line(["node", "--version"])
    return f"autocannon {json.loads(pkg.read_text())['version']} (node {node})"


AUTOCANNON = Tool(
    name="autocannon",
    binary=str(autocannon_bin()),
    version=autocannon_version,
    closed=lambda url, c, d, out: [str(autocannon_bin()), "-j", "-c", str(c), "-d", f"{d:g}", url],
    open=lambda url, r, d, out: [
        str(autocannon_bin()),
        "-j",
        "-c",
        str(HEY_CONNS),
        "-R",
        f"{r:g}",
        "-d",
        f"{d:g}",
        url,
    ],
    parse=autocannon_parse,
)

ALL_TOOLS = (OMNI, WRK, AB, H2LOAD, HEY, LOCUST, AUTOCANNON)
