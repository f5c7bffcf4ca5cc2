"""A minimal HTTP/1.1 keep-alive server core for the purpose-built test servers.

Each test server supplies an async ``handler(request, writer) -> bool``; the core parses
request heads and content-length bodies, and loops while the handler returns True (keep
the connection) and the client did not ask to close. It prints ``LISTENING <port>`` once
bound so a parent process can use ``--port 0``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[bool]]


def response_bytes(status: int, body: bytes, reason: str = "OK") -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n"
        "Content-Type: text/plain\r\n\r\n"
    )
    return head.encode() + body


async def send(writer: asyncio.StreamWriter, status: int, body: bytes = b"ok") -> bool:
    writer.write(response_bytes(status, body, "OK" if status < 400 else "Error"))
    await writer.drain()
    return True


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    try:
        body = await reader.readexactly(length) if length else b""
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    return Request(parts[0], parts[1], headers, body)


def _connection_loop(handler: Handler) -> Callable[..., Awaitable[None]]:
    async def serve_one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await read_request(reader)) is not None:
                keep = await handler(request, writer)
                if not keep or request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    return serve_one


Background = Callable[[], Awaitable[None]]


async def _serve(handler: Handler, host: str, port: int, background: Background | None) -> None:
    task = asyncio.ensure_future(background()) if background else None
    server = await asyncio.start_server(_connection_loop(handler), host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"LISTENING {bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    if task is not None:
        task.cancel()


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    return parser


def run(handler: Handler, host: str, port: int, background: Background | None = None) -> None:
    import uvloop

    uvloop.run(_serve(handler, host, port, background))
    sys.exit(0)
