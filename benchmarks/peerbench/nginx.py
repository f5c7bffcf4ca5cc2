"""The reference target: nginx from Debian's packages, started with a temp config.

``start_nginx`` writes a config (``worker_processes N``, no access log, huge
``keepalive_requests``, ``/`` returns ``hello``, ``/status`` is ``stub_status``), starts
the master in the foreground pinned with ``taskset`` on a free loopback port, and waits
until it answers. ``Nginx.stop()`` ends it by its PID.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from peerbench.procs import pinned, stop_pid

CONFIG = """\
daemon off;
master_process on;
worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; multi_accept on; }}
http {{
    access_log off;
    keepalive_requests 1000000000;
    keepalive_timeout 300s;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port} reuseport backlog=4096;
        location / {{ return 200 "hello\\n"; }}
        location /status {{ stub_status; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Nginx:
    port: int
    root: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    own_hits: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def requests_served(self) -> int:
        """nginx's own request count (``stub_status``), less our own status requests."""
        self.own_hits += 1
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/status", timeout=5) as r:
            lines = r.read().decode().splitlines()
        return int(lines[2].split()[2]) - self.own_hits

    def stop(self) -> None:
        stop_pid(self.process)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Nginx:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def nginx_version() -> str:
    out = subprocess.run(["nginx", "-v"], capture_output=True, text=True, check=False)
    return out.stderr.strip().split("/")[-1]


def start_nginx(*, workers: int = 1, cpus: str | None = "0", timeout: float = 10.0) -> Nginx:
    root = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(CONFIG.format(workers=workers, root=root, port=port))
    argv = pinned(["nginx", "-c", str(conf), "-p", str(root), "-e", str(root / "error.log")], cpus)
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Nginx(port, root, proc)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"nginx exited: {err.strip()}")
        try:
            server.requests_served()
            return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError("nginx did not start in time")
