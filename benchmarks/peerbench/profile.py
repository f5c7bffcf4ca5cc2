"""Where omninode-perf's time goes: a py-spy profile of one closed-loop run.

``py-spy record --format raw --subprocesses`` samples the tool (and any worker processes)
while it loads nginx; the collapsed stacks are folded into self time per function and
the share spent importing modules at start-up.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from peerbench import stats
from peerbench.nginx import start_nginx
from peerbench.procs import pinned
from peerbench.rounds import display_command
from peerbench.section import GEN_CPUS, TARGET_CPUS, Settings
from peerbench.tools import OMNI

FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")
TOP = 12
STARTUP = "start-up: importing modules"


def _frame(text: str) -> str:
    match = FRAME.match(text.strip())
    if not match:
        return text.strip()
    return f"{match['func']} ({match['file']})"


def fold(raw: str) -> tuple[Counter[str], Counter[str], int]:
    """(self samples per function outside start-up, samples per bucket, total) from
    py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    buckets: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")[1:]  # drop the "process N:..." frame
        if not frames:
            continue
        total += count
        bucket = _bucket(stack)
        buckets[bucket] += count
        if bucket != STARTUP:
            own[_frame(frames[-1])] += count
    return own, buckets, total


def _bucket(stack: str) -> str:
    if "_find_and_load" in stack:
        return STARTUP
    if "engine/" in stack:
        return "engine (scheduler, transport, pool)"
    if "metrics/" in stack:
        return "metrics (recorder, histograms)"
    return "other (event loop, results, reporting)"


def profile_markdown(settings: Settings) -> str:
    """A Markdown block with the profile, or a line saying why there is none."""
    if shutil.which("py-spy") is None:
        return "_No profile: py-spy is not installed (`pip install py-spy`)._"
    with (
        start_nginx(workers=1, cpus=TARGET_CPUS) as nginx,
        tempfile.TemporaryDirectory(prefix="bench-prof-") as tmp,
    ):
        out = Path(tmp) / "profile.txt"
        load = OMNI.closed(nginx.url, 50, settings.closed_s, Path(tmp))
        argv = pinned(
            [
                "py-spy",
                "record",
                "--format",
                "raw",
                "-o",
                str(out),
                "-r",
                "250",
                "--subprocesses",
                "--nonblocking",
                "--",
                *load,
            ],
            GEN_CPUS,
        )
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0 or not out.exists():
            return f"_No profile: py-spy exited {done.returncode}: {done.stderr[-200:]}_"
        own, buckets, total = fold(out.read_text())
    return _render(
        own,
        buckets,
        total,
        "py-spy record --format raw -r 250 --subprocesses -- " + display_command(load),
    )


def _render(own: Counter[str], buckets: Counter[str], total: int, command: str) -> str:
    if not total:
        return "_No profile: py-spy recorded no samples._"
    share = [[name, f"{100 * n / total:.1f} %"] for name, n in buckets.most_common()]
    top = [[f"`{name}`", f"{100 * n / total:.1f} %"] for name, n in own.most_common(TOP)]
    header = f"top {TOP} functions by self time, start-up excluded"
    return "\n\n".join(
        [
            f"Profile of one closed-loop run ({total} samples at 250 Hz): `{command}`",
            stats.table(["where", "share of samples"], share),
            stats.table([header, "share of all samples"], top),
        ]
    )
