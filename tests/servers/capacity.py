"""Capacity server: a fixed service time behind a concurrency cap.

Its maximum throughput is known exactly: ``concurrency / service_ms * 1000`` req/s.
Requests beyond the cap wait in a FIFO queue (bounded by ``--queue-limit``; past it the
server answers 503 at once). ``GET /state`` reports the counters as JSON.

    python -m tests.servers.capacity --port 0 --service-ms 20 --concurrency 4
"""

from __future__ import annotations

import asyncio
import json

from tests.servers._http import Request, base_parser, run, send


def make_handler(service_ms: float, concurrency: int, queue_limit: int):  # type: ignore[no-untyped-def]
    slots = asyncio.Semaphore(concurrency)
    state = {"served": 0, "rejected": 0, "waiting": 0}

    async def handler(request: Request, writer: asyncio.StreamWriter) -> bool:
        if request.path == "/state":
            return await send(writer, 200, json.dumps(state).encode())
        if queue_limit and state["waiting"] >= queue_limit:
            state["rejected"] += 1
            return await send(writer, 503, b"overloaded")
        state["waiting"] += 1
        async with slots:
            state["waiting"] -= 1
            await asyncio.sleep(service_ms / 1000)
        state["served"] += 1
        return await send(writer, 200)

    return handler


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--service-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--queue-limit", type=int, default=0, help="0 = unbounded")
    args = parser.parse_args()
    run(make_handler(args.service_ms, args.concurrency, args.queue_limit), args.host, args.port)


if __name__ == "__main__":
    main()
