"""How late the generator's core wakes a sleeping process: a machine-noise yardstick.

``python wakeup.py N SLEEP_US`` sleeps N times for SLEEP_US and prints the overshoot
p50/p99/max in µs. Pinned to the generator's core it bounds from below the send lag any
non-spinning generator can achieve on this machine at that moment.
"""

from __future__ import annotations

import sys
import time


def main() -> None:
    count, sleep_us = int(sys.argv[1]), float(sys.argv[2])
    late = []
    for _ in range(count):
        start = time.perf_counter_ns()
        time.sleep(sleep_us / 1e6)
        late.append((time.perf_counter_ns() - start) / 1000.0 - sleep_us)
    late.sort()
    print(f"{late[len(late) // 2]:.0f} {late[int(len(late) * 0.99)]:.0f} {late[-1]:.0f}")


if __name__ == "__main__":
    main()
