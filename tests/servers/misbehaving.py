"""Misbehaving servers, one per ``--mode``:

- ``reset``: sends half a response head, then resets the connection (RST via SO_LINGER 0)
- ``silent``: reads the request and never answers (keeps the connection open)
- ``malformed``: answers with a malformed status line
- ``big_body``: answers 200 with a ``--body-mb`` MB body (default 10)
- ``short_body``: promises 100 bytes of body, sends 3, and closes cleanly (FIN)
- ``short_body_close``: the same, having said ``Connection: close``
- ``until_close``: a well-formed body with no length, ended by closing (not an error)

    python -m tests.servers.misbehaving --port 0 --mode reset
"""

from __future__ import annotations

import asyncio
import socket
import struct

from tests.servers._http import Request, base_parser, run

CHUNK = b"x" * (1 << 20)


async def reset(writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n")
    await writer.drain()
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
    return False


async def short_body(writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
    await writer.drain()
    return False  # close: the body is 97 bytes short


async def short_body_close(writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 100\r\n\r\nabc")
    await writer.drain()
    return False  # close, as announced, but 97 bytes short


async def until_close(writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nthe body ends at FIN")
    await writer.drain()
    return False


async def silent(writer: asyncio.StreamWriter) -> bool:
    await asyncio.sleep(3600)
    return False


async def malformed(writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 2x0 Okay-ish\r\nContent-Length: 2\r\n\r\nok")
    await writer.drain()
    return False


def big_body(body_mb: int):  # type: ignore[no-untyped-def]
    async def answer(writer: asyncio.StreamWriter) -> bool:
        size = body_mb * len(CHUNK)
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nContent-Type: text/plain\r\n\r\n"
        writer.write(head.encode())
        for _ in range(body_mb):
            writer.write(CHUNK)
            await writer.drain()
        return True

    return answer


def main() -> None:
    parser = base_parser(__doc__ or "")
    modes = {
        "reset": reset,
        "silent": silent,
        "malformed": malformed,
        "short_body": short_body,
        "short_body_close": short_body_close,
        "until_close": until_close,
    }
    parser.add_argument("--mode", choices=[*modes, "big_body"])
    parser.add_argument("--body-mb", type=int, default=10)
    args = parser.parse_args()
    answer = modes.get(args.mode) or big_body(args.body_mb)

    async def handler(request: Request, writer: asyncio.StreamWriter) -> bool:
        return await answer(writer)

    run(handler, args.host, args.port)


if __name__ == "__main__":
    main()
