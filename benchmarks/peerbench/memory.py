"""Table 5: generator memory over a long run at 5,000 req/s.

omninode-perf (open model) and Locust (``constant_throughput``) load nginx side by side,
while ``seed_sim.py`` appends one float per "response" at the same rate, as the seed's
design does. The RSS of each process tree is sampled from /proc every few seconds.
Also judges issue 2's criterion: RSS after warm-up grows < 10 MB over 5 minutes.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from peerbench import stats
from peerbench.nginx import start_nginx
from peerbench.procs import pinned, stop_pid
from peerbench.rounds import display_command
from peerbench.section import GEN_CPUS, TARGET_CPUS, Section, Settings, timed
from peerbench.tools import LOCUST, OMNI

RATE = 5000.0
SLACK_S = 6.0  # a sample within this of a checkpoint counts as reaching it
HERE = Path(__file__).resolve().parent


@dataclass
class Track:
    label: str
    proc: subprocess.Popen[bytes]
    rss_mb: list[tuple[float, float]] = field(default_factory=list)
    command: str = ""


def tree_rss_mb(pid: int) -> float | None:
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
        return float(sum(p.memory_info().rss for p in procs)) / 2**20
    except psutil.Error:
        return None


def _start(label: str, argv: list[str], cpus: str | None, cwd: Path) -> Track:
    cmd = pinned(argv, cpus)
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Track(label, proc, command=display_command(argv))


def _sample(tracks: list[Track], duration: float, every: float) -> None:
    start = time.monotonic()
    while (t := time.monotonic() - start) < duration + 5:
        for track in tracks:
            rss = tree_rss_mb(track.proc.pid) if track.proc.poll() is None else None
            if rss is not None:
                track.rss_mb.append((t, rss))
        if all(tr.proc.poll() is not None for tr in tracks):
            break
        time.sleep(every)


def _checkpoints(duration: float) -> list[float]:
    marks = [10, 30, 60, 120, 300, 600]
    return [m for m in marks if m <= duration + 1] or [duration]


def rss_at(track: Track, t: float) -> float | None:
    before = [rss for ts, rss in track.rss_mb if ts <= t]
    return before[-1] if before else None


def build(settings: Settings) -> Section:
    section = Section("memory", f"5. Memory: generator RSS at {RATE:,.0f} req/s")
    dur = settings.memory_s
    every = 2.0 if settings.quick else 5.0
    with (
        timed(section),
        start_nginx(workers=1, cpus=TARGET_CPUS) as nginx,
        tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp,
    ):
        work = Path(tmp)
        omni_argv = OMNI.open(nginx.url, RATE, dur, work)
        assert omni_argv is not None
        (work / "locust").mkdir()
        locust_argv = LOCUST.open(nginx.url, RATE, dur, work / "locust")
        assert locust_argv is not None
        seed_argv = [sys.executable, str(HERE / "seed_sim.py"), f"{RATE:g}", f"{dur:g}"]
        tracks = [
            _start("omninode-perf", omni_argv, GEN_CPUS, work),
            _start("locust", locust_argv, None, work),
            _start("seed design (list of floats)", seed_argv, None, work),
        ]
        try:
            _sample(tracks, dur, every)
        finally:
            for track in tracks:
                stop_pid(track.proc, timeout=30)
    _fill(section, tracks, settings, every)
    return section


def _fill(section: Section, tracks: list[Track], settings: Settings, every: float) -> None:
    marks = _checkpoints(settings.memory_s)
    rows = [[f"{m:g} s", *(stats.fmt(rss_at(tr, m)) for tr in tracks)] for m in marks]
    rows.append(
        ["peak", *(stats.fmt(max((r for _, r in tr.rss_mb), default=None)) for tr in tracks)]
    )
    warm = _warm(settings)
    rows.append([f"growth since {warm:g} s", *(stats.fmt(_delta(tr, warm)) for tr in tracks)])
    section.body = stats.table(["time", *(f"{tr.label} RSS MB" for tr in tracks)], rows)
    section.commands += [tr.command for tr in tracks]
    section.notes.append(
        f"One {settings.memory_s:g} s run of each, started together against the same nginx "
        f"(pinned to core 0; omninode-perf pinned to core 1, the others unpinned); RSS of "
        f"each process tree (workers included) sampled every {every:g} s. Locust is asked "
        f"for {RATE:,.0f} req/s (50 users × constant_throughput(100)) and delivers what "
        "one core allows. The seed column appends one Python float per response at "
        f"{RATE:,.0f}/s: 32 bytes each (24-byte float + 8-byte list slot), ~9.2 MB a minute."
    )
    _growth(section, tracks[0], settings)
    seed_peak = max((r for _, r in tracks[2].rss_mb), default=None)
    omni_peak = max((r for _, r in tracks[0].rss_mb), default=None)
    section.reading = (
        f"Over {settings.memory_s:g} s omninode-perf peaks at "
        f"{stats.fmt(omni_peak)} MB; the seed's design reaches "
        f"{stats.fmt(seed_peak)} MB and keeps growing with the run length."
    )


def _warm(settings: Settings) -> float:
    return 10.0 if settings.quick else 60.0


def _delta(track: Track, since: float, until: float | None = None) -> float | None:
    """RSS growth from ``since`` to ``until`` (default: the last sample); None when the
    run did not reach both points."""
    if not track.rss_mb or track.rss_mb[-1][0] < since:
        return None
    if until is not None and track.rss_mb[-1][0] < until - SLACK_S:
        return None
    start = rss_at(track, since)
    end = rss_at(track, until) if until is not None else track.rss_mb[-1][1]
    return end - start if start is not None and end is not None else None


def _growth(section: Section, track: Track, settings: Settings) -> None:
    warm = _warm(settings)
    span = 300.0 if not settings.quick else settings.memory_s - warm
    growth = _delta(track, warm, warm + span)
    scope = "" if not settings.quick else f" (quick run: {span:g} s window, not the 5-min test)"
    section.notes.append(
        f"omninode-perf RSS growth from t={warm:g} s to t={warm + span:g} s: "
        f"{stats.fmt(growth)} MB{scope}."
    )
    section.acceptance.append(
        (
            "RSS after warm-up grows < 10 MB over 5 min at 5,000 req/s" + scope,
            None if growth is None else growth < 10.0,
            f"{stats.fmt(growth)} MB",
        )
    )
