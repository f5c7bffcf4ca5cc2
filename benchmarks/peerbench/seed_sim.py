"""The seed's "list of every response time" design, simulated: append floats at a rate.

``python seed_sim.py RATE SECONDS`` appends RATE float objects per second to a list (as
the seed's ``metrics.response_times.append(response_time)`` does) for SECONDS, pacing in
10 ms steps, then exits. Its RSS is what that design costs in memory, without any I/O.
"""

from __future__ import annotations

import sys
import time


def main() -> None:
    rate, seconds = float(sys.argv[1]), float(sys.argv[2])
    response_times: list[float] = []
    start = time.monotonic()
    done = 0
    while (elapsed := time.monotonic() - start) < seconds:
        due = int(rate * elapsed)
        while done < due:
            response_times.append(0.001 * (done % 997) + 1e-9 * done)  # distinct objects
            done += 1
        time.sleep(0.01)
    print(len(response_times))


if __name__ == "__main__":
    main()
