"""A keep-alive connection pool for one origin, with honest accounting.

Requests that find no idle connection wait in a FIFO queue while a new connection is
opened (up to ``max_connections``). Time spent waiting is measured (it is part of the
latency from the intended start); a request that waits longer than the timeout is
``DROPPED``. Timeouts are enforced by a periodic sweep, not a timer per request.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from time import monotonic_ns
from typing import cast

from omninode_bridge.engine.outcome import ErrorKind
from omninode_bridge.engine.transport import HeadAwareConnection, HttpConnection
from omninode_bridge.metrics.recorder import Recorder


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


RECONNECT_FIRST_S = 0.01  # closed model: first retry after a refused connect...
RECONNECT_MAX_S = 1.0  # ...doubling up to this, back to the first after a success

# (intended_ns, data, endpoint index, is HEAD, queued at ns)
Pending = tuple[int, bytes, int, bool, int]


class ConnectionPool:
    __slots__ = (
        "closed",
        "connecting",
        "connection_class",
        "conns",
        "head_aware",
        "idle",
        "loop",
        "max_body_bytes",
        "max_connections",
        "on_idle",
        "origin",
        "pending",
        "reconnect_delay_s",
        "recorder",
        "ssl_context",
        "timeout_ns",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        origin: Origin,
        recorder: Recorder,
        *,
        max_connections: int,
        timeout_s: float,
        max_body_bytes: int,
        ssl_context: ssl.SSLContext | None = None,
        head_requests: bool = False,
    ) -> None:
        self.loop = loop
        self.origin = origin
        self.recorder = recorder
        self.max_connections = max_connections
        self.timeout_ns = int(timeout_s * 1e9)
        self.max_body_bytes = max_body_bytes
        self.ssl_context = ssl_context
        self.head_aware = head_requests
        self.connection_class = HeadAwareConnection if head_requests else HttpConnection
        self.idle: list[HttpConnection] = []
        self.conns: set[HttpConnection] = set()
        self.pending: deque[Pending] = deque()
        self.connecting = 0
        self.closed = False
        self.reconnect_delay_s = RECONNECT_FIRST_S
        # Closed model: called with an idle connection to start its next request.
        self.on_idle: Callable[[HttpConnection], None] | None = None

    # -- submitting -------------------------------------------------------------------
    def submit(self, intended_ns: int, data: bytes, ep: int, head: bool = False) -> None:
        idle = self.idle
        if idle:
            self.recorder.queue_ns.append(0)  # the wait for a connection: none
            self.send_on(idle.pop(), data, ep, head, intended_ns)
            return
        self.pending.append((intended_ns, data, ep, head, monotonic_ns()))
        if len(self.conns) + self.connecting < self.max_connections:
            self.open_connection()

    def send_on(
        self, conn: HttpConnection, data: bytes, ep: int, head: bool = False, intended_ns: int = 0
    ) -> None:
        """Send on an idle connection now; ``intended_ns`` 0 means "now" (closed model)."""
        if self.head_aware:
            cast(HeadAwareConnection, conn).send_head(data, intended_ns, ep, head)
        else:
            conn.send(data, intended_ns, ep)

    def open_connection(self) -> None:
        self.connecting += 1
        self.loop.create_task(self._connect())

    async def _connect(self) -> None:
        started = monotonic_ns()
        origin = self.origin
        try:
            _, conn = await self.loop.create_connection(
                lambda: self.connection_class(self),
                origin.host,
                origin.port,
                ssl=self.ssl_context if origin.tls else None,
                server_hostname=origin.host if origin.tls else None,
            )
        except (TimeoutError, OSError, ssl.SSLError) as exc:
            self.connecting -= 1
            self._connect_failed(exc)
            return
        self.connecting -= 1
        self.reconnect_delay_s = RECONNECT_FIRST_S
        self.recorder.connect_ns.append(monotonic_ns() - started)
        if self.closed:
            conn.close()
            return
        self.conns.add(conn)
        self.reuse(conn)

    def _connect_failed(self, exc: BaseException) -> None:
        del exc  # classified as a connect error; the kind is what users act on
        if self.pending:
            _, _, ep, _, _ = self.pending.popleft()
            self.recorder.failure(ErrorKind.CONNECT, ep)
        elif self.on_idle is not None and not self.closed:
            # Closed model: each attempt is a failed request, so back off as a client
            # would; retrying every 10 ms made a dead service look busier than a live one.
            self.recorder.failure(ErrorKind.CONNECT, 0)
            self.loop.call_later(self.reconnect_delay_s, self.open_connection)
            self.reconnect_delay_s = min(RECONNECT_MAX_S, self.reconnect_delay_s * 2)
        if self.pending and len(self.conns) + self.connecting < self.max_connections:
            self.open_connection()

    # -- completion -------------------------------------------------------------------
    def reuse(self, conn: HttpConnection) -> None:
        """Give a connection that is free (new, or its response recorded) its next job."""
        if self.closed:
            conn.close()
        elif self.pending:
            intended, data, ep, head, queued = self.pending.popleft()
            self.recorder.queue_ns.append(monotonic_ns() - queued)
            self.send_on(conn, data, ep, head, intended)
        elif self.on_idle is not None and not self.closed:
            self.on_idle(conn)
        else:
            self.idle.append(conn)

    def on_failure(self, conn: HttpConnection, kind: ErrorKind, closed: bool = False) -> None:
        if not conn.busy:
            conn.close()
            return
        conn.busy = False
        if kind == ErrorKind.TIMEOUT:
            now = monotonic_ns()
            self.recorder.failure(kind, conn.ep, now - conn.intended_ns, now - conn.sent_ns)
        else:
            self.recorder.failure(kind, conn.ep)
        if not closed:
            conn.close()

    def on_lost(self, conn: HttpConnection) -> None:
        self.conns.discard(conn)
        if conn in self.idle:
            self.idle.remove(conn)
        if self.closed:
            return
        if self.on_idle is not None:
            self.open_connection()  # closed model keeps its N connections
        elif self.pending and len(self.conns) + self.connecting < self.max_connections:
            self.open_connection()

    # -- housekeeping -----------------------------------------------------------------
    def sweep(self, now_ns: int) -> None:
        """Time out stuck requests and drop requests that waited too long for a slot."""
        limit = now_ns - self.timeout_ns
        for conn in [c for c in self.conns if c.busy and c.sent_ns <= limit]:
            self.on_failure(conn, ErrorKind.TIMEOUT)
        pending = self.pending
        while pending and pending[0][0] <= limit:
            _, _, ep, _, _ = pending.popleft()
            self.recorder.failure(ErrorKind.DROPPED, ep)

    def busy(self) -> bool:
        """Requests still owed an outcome (a connection still being opened owes none)."""
        return bool(self.pending) or any(conn.busy for conn in self.conns)

    def close(self) -> None:
        self.closed = True
        for conn in list(self.conns):
            if conn.busy:
                self.on_failure(conn, ErrorKind.TIMEOUT)
            conn.close()
        while self.pending:
            _, _, ep, _, _ = self.pending.popleft()
            self.recorder.failure(ErrorKind.DROPPED, ep)
