"""Recovering server: degrades for a known period after overload.

Overload = more than ``--overload-rps`` arrivals, counted over the last ``--window-ms``.
From the last overloaded moment the server stays degraded for ``--recovery-s`` seconds
(negative = forever: the never-recovering server): every response is delayed by
``--degraded-ms`` and fails with 503 with probability ``--degraded-error-rate``.
Otherwise it answers after ``--normal-ms``. ``GET /state`` reports the degradation.

    python -m tests.servers.recovering --port 0 --overload-rps 150 --recovery-s 4
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
import time

from tests.servers._http import Request, base_parser, run, send


class Degradation:
    """Arrival-rate overload detector with a known recovery period."""

    def __init__(self, overload_rps: float, window_s: float, recovery_s: float) -> None:
        self.limit = overload_rps * window_s
        self.window_s = window_s
        self.recovery_s = recovery_s
        self.arrivals: collections.deque[float] = collections.deque()
        self.last_overload: float | None = None

    def arrive(self, now: float) -> None:
        self.arrivals.append(now)
        while self.arrivals and self.arrivals[0] < now - self.window_s:
            self.arrivals.popleft()
        if len(self.arrivals) > self.limit:
            self.last_overload = now

    def degraded(self, now: float) -> bool:
        if self.last_overload is None:
            return False
        return self.recovery_s < 0 or now - self.last_overload < self.recovery_s


def make_handler(args):  # type: ignore[no-untyped-def]
    state = Degradation(args.overload_rps, args.window_ms / 1000, args.recovery_s)
    rng = random.Random(1)

    async def handler(request: Request, writer: asyncio.StreamWriter) -> bool:
        now = time.monotonic()
        if request.path == "/state":
            since = None if state.last_overload is None else now - state.last_overload
            body = {"degraded": state.degraded(now), "since_last_overload_s": since}
            return await send(writer, 200, json.dumps(body).encode())
        state.arrive(now)
        if not state.degraded(now):
            await asyncio.sleep(args.normal_ms / 1000)
            return await send(writer, 200)
        await asyncio.sleep(args.degraded_ms / 1000)
        failed = rng.random() < args.degraded_error_rate
        return await send(writer, 503 if failed else 200)

    return handler


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--overload-rps", type=float, default=150.0)
    parser.add_argument("--window-ms", type=float, default=200.0)
    parser.add_argument("--recovery-s", type=float, default=4.0)
    parser.add_argument("--normal-ms", type=float, default=0.0)
    parser.add_argument("--degraded-ms", type=float, default=100.0)
    parser.add_argument("--degraded-error-rate", type=float, default=0.0)
    args = parser.parse_args()
    run(make_handler(args), args.host, args.port)


if __name__ == "__main__":
    main()
