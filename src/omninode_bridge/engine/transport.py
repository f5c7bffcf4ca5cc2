"""The request hot path: an ``asyncio.Protocol`` fed to ``httptools`` on keep-alive sockets.

One instance is one connection carrying at most one request at a time (no pipelining).
It timestamps the send, the first response byte and completion, parses with httptools
(content-length, chunked, and close-delimited bodies), and reports to its pool. It never
raises into the engine: every failure becomes an ``ErrorKind``.
"""

from __future__ import annotations

import asyncio
import re
import socket
from time import monotonic_ns
from typing import TYPE_CHECKING, cast

import httptools

from omninode_bridge.engine.outcome import ErrorKind

if TYPE_CHECKING:
    from omninode_bridge.engine.pool import ConnectionPool


_FRAMING = re.compile(rb"\r\n(?:content-length|transfer-encoding)[ \t]*:", re.IGNORECASE)


def framed(first_chunk: bytes) -> bool:
    """Whether the response head in ``first_chunk`` gives its body a length (Content-Length
    or Transfer-Encoding), so the body does not end with the connection. Only read when a
    connection is lost mid-response; a head not wholly in the first read counts as unframed.
    """
    head, sep, _ = first_chunk.partition(b"\r\n\r\n")
    return bool(sep) and _FRAMING.search(head) is not None


class HttpConnection(asyncio.Protocol):
    __slots__ = (
        "body_bytes",
        "busy",
        "ep",
        "first_byte_ns",
        "first_chunk",
        "head_request",
        "headers_done",
        "intended_ns",
        "last_byte_ns",
        "parser",
        "pool",
        "recorder",
        "sent_ns",
        "transport",
    )

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        self.recorder = pool.recorder
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.busy = False
        self.intended_ns = 0
        self.sent_ns = 0
        self.first_byte_ns = 0
        self.first_chunk = b""
        self.last_byte_ns = 0
        self.ep = 0
        self.body_bytes = 0
        self.headers_done = False
        self.head_request = False

    # -- asyncio.Protocol -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        # One clock read per read: the response ends when its last bytes arrived.
        now = monotonic_ns()
        if not self.busy:
            self.pool.on_failure(self, ErrorKind.PROTOCOL)  # unsolicited bytes
            return
        self.last_byte_ns = now
        if not self.first_byte_ns:
            self.first_byte_ns = now
            self.first_chunk = data  # its head tells a framed body from one ended by close
        self.recorder.bytes_in += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError:
            pass  # our own callback already reported the outcome
        except httptools.HttpParserError:
            if self.busy:
                self.pool.on_failure(self, ErrorKind.PROTOCOL)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.busy:
            headers_seen = self.headers_done or self.body_bytes > 0
            # Only a body without a length ends with the connection; one cut short of its
            # Content-Length (or chunked end) is a reset, not a response, even when the
            # server said it would close.
            ends_at_close = not self.parser.should_keep_alive() and not framed(self.first_chunk)
            if headers_seen and exc is None and not self.head_request and ends_at_close:
                self.finish(keep_alive=False)
            else:
                self.pool.on_failure(self, ErrorKind.RESET, closed=True)
        self.pool.on_lost(self)
        self.transport = None

    # -- request ----------------------------------------------------------------------
    def send(self, data: bytes, intended_ns: int, ep: int) -> None:
        """Send one request; ``intended_ns`` 0 means "now" (the closed model)."""
        now = monotonic_ns()
        self.busy = True
        self.intended_ns = intended_ns or now
        self.sent_ns = now
        self.ep = ep
        self.first_byte_ns = 0
        self.body_bytes = 0
        self.recorder.bytes_out += len(data)
        self.transport.write(data)  # type: ignore[union-attr]

    def close(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # -- httptools callbacks ----------------------------------------------------------
    def on_body(self, body: bytes) -> None:
        self.body_bytes += len(body)
        if self.body_bytes > self.pool.max_body_bytes:
            self.pool.on_failure(self, ErrorKind.BODY_TOO_LARGE)
            raise httptools.HttpParserCallbackError("body above limit")

    def finish(self, keep_alive: bool | None = None) -> None:
        """Record the response just completed, then reuse or close the connection.

        ``keep_alive`` None asks the parser (the end of a parsed message).
        """
        self.busy = False
        self.recorder.responses += (
            self.intended_ns,
            self.sent_ns,
            self.first_byte_ns,
            self.last_byte_ns,
            self.parser.get_status_code(),
            self.ep,
        )
        if keep_alive or (keep_alive is None and self.parser.should_keep_alive()):
            self.pool.reuse(self)
        else:
            self.close()

    # httptools' end-of-message callback is ``finish`` itself: one Python call fewer.
    on_message_complete = finish


class HeadAwareConnection(HttpConnection):
    """For origins that get HEAD requests: their responses end at the headers.

    Kept out of the base class because httptools calls every callback a protocol
    defines, and one more Python call per response is measurable on the hot path.
    """

    __slots__ = ()

    def send_head(self, data: bytes, intended_ns: int, ep: int, head: bool) -> None:
        self.head_request = head
        self.headers_done = False
        self.send(data, intended_ns, ep)

    def on_headers_complete(self) -> None:
        self.headers_done = True
        if self.head_request:
            self.finish()
            self.parser = httptools.HttpResponseParser(self)
            raise httptools.HttpParserCallbackError("head response ends at its headers")
