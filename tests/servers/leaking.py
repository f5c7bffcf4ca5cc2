"""Leaking server: its RSS grows at a known rate, independent of the load.

From start (after ``--start-delay-s``) a timer appends ``--mb-per-s / 10`` MB of touched
(resident) memory ten times a second, up to ``--max-mb``. ``--mb-per-s 0`` is the
non-leaking twin. ``GET /state`` reports the leaked MB.

    python -m tests.servers.leaking --port 0 --mb-per-s 2 --max-mb 200
"""

from __future__ import annotations

import asyncio
import json

from tests.servers._http import Request, base_parser, run, send

TICK_S = 0.1


class Leak:
    def __init__(self, mb_per_s: float, max_mb: float, start_delay_s: float) -> None:
        self.chunk = int(mb_per_s * TICK_S * 1024 * 1024)
        self.max_mb = max_mb
        self.start_delay_s = start_delay_s
        self.hoard: list[bytes] = []

    @property
    def leaked_mb(self) -> float:
        return len(self.hoard) * self.chunk / 1048576

    async def run(self) -> None:
        await asyncio.sleep(self.start_delay_s)
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while self.chunk and self.leaked_mb < self.max_mb:
            self.hoard.append(b"\x01" * self.chunk)  # memset: resident, unlike calloc'd zeros
            next_at += TICK_S
            await asyncio.sleep(max(0.0, next_at - loop.time()))


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--mb-per-s", type=float, default=2.0)
    parser.add_argument("--max-mb", type=float, default=200.0)
    parser.add_argument("--start-delay-s", type=float, default=0.0)
    args = parser.parse_args()
    leak = Leak(args.mb_per_s, args.max_mb, args.start_delay_s)

    async def handler(request: Request, writer: asyncio.StreamWriter) -> bool:
        if request.path == "/state":
            return await send(writer, 200, json.dumps({"leaked_mb": leak.leaked_mb}).encode())
        return await send(writer, 200)

    run(handler, args.host, args.port, leak.run)


if __name__ == "__main__":
    main()
