"""A tiny aiohttp server that answers every request after a fixed delay.

``python -m tests.regression.delay_server --port 0 --delay-ms 20`` prints
``LISTENING <port>`` once it accepts connections (loopback only).
"""

from __future__ import annotations

import argparse
import asyncio
import socket

from aiohttp import web


def build_app(delay_s: float) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        await asyncio.sleep(delay_s)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def serve(port: int, delay_ms: float) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    runner = web.AppRunner(build_app(delay_ms / 1000), access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print(f"LISTENING {sock.getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--delay-ms", type=float, default=20.0)
    args = ap.parse_args()
    asyncio.run(serve(args.port, args.delay_ms))


if __name__ == "__main__":
    main()
