"""A tiny aiohttp server that answers every request after a delay.

``python -m tests.regression.delay_server --port 0 --delay-ms 20 [--jitter 0.3]`` prints
``LISTENING <port>`` once it accepts connections (loopback only). With ``--jitter S``
each delay is ``delay_ms · exp(S · z)``, z standard normal (lognormal service times, as
real services show), from a seeded generator.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import socket

from aiohttp import web


def build_app(delay_s: float, jitter: float = 0.0, seed: int = 0) -> web.Application:
    rng = random.Random(seed)

    async def handle(request: web.Request) -> web.Response:
        factor = math.exp(jitter * rng.gauss(0.0, 1.0)) if jitter else 1.0
        await asyncio.sleep(delay_s * factor)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def serve(port: int, delay_ms: float, jitter: float, seed: int) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    runner = web.AppRunner(build_app(delay_ms / 1000, jitter, seed), access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print(f"LISTENING {sock.getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--delay-ms", type=float, default=20.0)
    ap.add_argument("--jitter", type=float, default=0.0, help="lognormal sigma of the delay")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    asyncio.run(serve(args.port, args.delay_ms, args.jitter, args.seed))


if __name__ == "__main__":
    main()
