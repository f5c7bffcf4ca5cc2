"""Stall server: blocks all responses for ``--stall-s`` every ``--period-s``.

Time is measured from server start: during the last ``stall_s`` of each period every
request (new or already waiting) is held until the period ends. Outside a stall it
answers after ``--service-ms``. With the defaults (1 s every 5 s) an open-model load sees
a latency p99 of about 0.95 s and a p50 near the normal response time.

    python -m tests.servers.stall --port 0 --period-s 5 --stall-s 1

With ``--cold-s S --cold-ms M`` it is a cold start instead: for the first S seconds after
the first request every response waits M ms, then it answers at once, never stalling.
"""

from __future__ import annotations

import asyncio
import time

from tests.servers._http import Request, base_parser, run, send


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--period-s", type=float, default=5.0)
    parser.add_argument("--stall-s", type=float, default=1.0)
    parser.add_argument("--service-ms", type=float, default=0.0)
    parser.add_argument("--cold-s", type=float, default=0.0)
    parser.add_argument("--cold-ms", type=float, default=0.0)
    args = parser.parse_args()
    start = time.monotonic()
    first_request: list[float] = []

    def stall_left(now: float) -> float:
        phase = (now - start) % args.period_s
        in_stall = phase >= args.period_s - args.stall_s
        return args.period_s - phase if in_stall else 0.0

    async def handler(request: Request, writer: asyncio.StreamWriter) -> bool:
        if args.cold_s:
            now = time.monotonic()
            first_request[:] = first_request or [now]
            if now - first_request[0] < args.cold_s:
                await asyncio.sleep(args.cold_ms / 1000)
            return await send(writer, 200)
        if args.service_ms:
            await asyncio.sleep(args.service_ms / 1000)
        left = stall_left(time.monotonic())
        if left > 0:
            await asyncio.sleep(left)
        return await send(writer, 200)

    run(handler, args.host, args.port)


if __name__ == "__main__":
    main()
