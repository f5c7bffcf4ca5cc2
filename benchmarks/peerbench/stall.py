"""Table 4: truth under a stall. A server stalls every response 1 s in every 5 s.

The analytic model: open-model arrivals at rate R are uniform over the server's 5 s
period. A fraction S/P = 1/5 of them land in the stall and wait until it ends, a wait
uniform on (0, S); the rest see the normal response time s0. So the true latency
quantile is q ↦ s0 for q ≤ 1 − S/P, and s0 + S·(q − (1 − S/P))/(S/P) above it:
p50 = s0, p90 = s0 + 0.5 s, p99 = s0 + 0.95 s. Runs last a whole number of periods, so
the stalled fraction does not depend on the phase at which a run starts.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from peerbench import stats
from peerbench.rounds import Job, Sample, alternate, run_once
from peerbench.section import GEN_CPUS, TARGET_CPUS, Section, Settings, timed
from peerbench.tools import OMNI, Tool

PERIOD_S = 5.0
STALL_S = 1.0
RATE = 300.0
CONNECTIONS = 50
QUANTILES = {"p50": 0.50, "p90": 0.90, "p99": 0.99}


def true_quantile_ms(q: float, s0_ms: float) -> float:
    stalled = STALL_S / PERIOD_S
    if q <= 1 - stalled:
        return s0_ms
    return s0_ms + 1000.0 * STALL_S * (q - (1 - stalled)) / stalled


def has_open_mode(tool: Tool) -> bool:
    """Whether the tool has a rate mode (asked in a scratch dir: Locust writes a file)."""
    with tempfile.TemporaryDirectory(prefix="bench-probe-") as tmp:
        return tool.open("http://127.0.0.1:1/", RATE, 1.0, Path(tmp)) is not None


def _variants(peers: Sequence[Tool]) -> list[tuple[str, Tool, str]]:
    """(label, tool, mode) for every way a tool is run against the stall server."""
    out = [("omninode-perf --rate", OMNI, "open"), ("omninode-perf closed -c 50", OMNI, "closed")]
    for tool in peers:
        if tool.name == OMNI.name:
            continue
        if has_open_mode(tool):
            out.append((f"{tool.name} (rate mode)", tool, "open"))
        else:
            out.append((f"{tool.name} (closed, -c 50)", tool, "closed"))
    return out


def _job(tool: Tool, mode: str, url: str, duration: float) -> Job:
    def run(workdir: Path) -> Sample:
        argv = (
            tool.open(url, RATE, duration, workdir)
            if mode == "open"
            else tool.closed(url, CONNECTIONS, duration, workdir)
        )
        assert argv is not None
        return run_once(tool, argv, duration_s=duration, cpus=GEN_CPUS, workdir=workdir)

    return run


def in_flight(s: Sample) -> float | None:
    """Little's law: mean latency × throughput = mean requests in flight."""
    p = s.parsed
    if not p or p.mean_ms is None or not p.rps:
        return None
    return p.mean_ms / 1000.0 * p.rps


def _little_notes(variants: list[tuple[str, Tool, str]], results: list[list[Sample]]) -> list[str]:
    out = []
    for (label, _, mode), samples in zip(variants, results, strict=True):
        implied = stats.median(samples, in_flight)
        if mode == "closed" and implied is not None and implied > CONNECTIONS * 1.05:
            out.append(
                f"{label}: mean latency × req/s implies {implied:,.0f} requests in flight on "
                f"{CONNECTIONS} connections, which a closed loop cannot have (Little's law): "
                "its latency figures are not one sample per request."
            )
    return out


def _s0(samples: Sequence[Sample]) -> float:
    """Normal response time: omninode-perf's service-time p50 (send → done)."""
    vals = []
    for s in samples:
        svc = s.parsed.extra.get("service_time_ms") if s.parsed else None
        if isinstance(svc, dict) and svc.get("p50") is not None:
            vals.append(float(svc["p50"]))
    return sorted(vals)[len(vals) // 2] if vals else 1.0


def build(settings: Settings, peers: Sequence[Tool]) -> Section:
    from tests.servers import start_server

    section = Section("stall", "4. Truth under a stall (1 s every 5 s)")
    variants = _variants(peers)
    rounds = min(settings.rounds, 2)
    with timed(section), start_server("stall", period_s=PERIOD_S, stall_s=STALL_S) as server:
        os.sched_setaffinity(server.pid, {int(TARGET_CPUS)})
        jobs = [_job(t, mode, server.url + "/", settings.stall_s) for _, t, mode in variants]
        results = alternate(jobs, rounds)
    s0 = _s0(results[0])
    truth = {k: true_quantile_ms(q, s0) for k, q in QUANTILES.items()}
    truth["mean"] = true_mean_ms(s0)
    section.body = _table(variants, results, truth)
    for samples in results:
        section.commands.append(samples[0].command)
        section.notes += stats.failures(samples)
    section.notes += _notes(settings, rounds, s0)
    section.notes += _little_notes(variants, results)
    section.reading = _reading(variants, results, truth)
    return section


def true_mean_ms(s0_ms: float) -> float:
    """Mean of the mixture: s0 plus the stalled share times the mean wait S/2."""
    return s0_ms + (STALL_S / PERIOD_S) * 1000.0 * STALL_S / 2


def _table(
    variants: list[tuple[str, Tool, str]], results: list[list[Sample]], truth: dict[str, float]
) -> str:
    mean = truth["mean"]
    rows = [
        [
            "analytic truth",
            *(stats.fmt(truth[k]) for k in QUANTILES),
            "1",
            "1",
            "1",
            stats.fmt(mean),
            f"{RATE * mean / 1000:.3g} (at {RATE:g} req/s)",
        ]
    ]
    for (label, _, _), samples in zip(variants, results, strict=True):
        got = {k: stats.median(samples, stats.parsed_get(f"{k}_ms")) for k in QUANTILES}
        rows.append(
            [
                label,
                *(stats.med_range(samples, stats.parsed_get(f"{k}_ms")) for k in QUANTILES),
                *(stats.fmt(stats.ratio(got[k], truth[k])) for k in QUANTILES),
                stats.med_range(samples, stats.parsed_get("mean_ms")),
                stats.med_range(samples, in_flight),
            ]
        )
    header = [
        "tool",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p50 ÷ true",
        "p90 ÷ true",
        "p99 ÷ true",
        "mean ms",
        "mean × req/s (Little)",
    ]
    return stats.table(header, rows)


def _notes(settings: Settings, rounds: int, s0: float) -> list[str]:
    return [
        f"Server: `tests/servers/stall.py` (period {PERIOD_S:g} s, stall {STALL_S:g} s), "
        f"pinned to core 0; {rounds} round(s) of {settings.stall_s:g} s (whole periods), "
        f"alternating; open-model tools at {RATE:g} req/s. Cells: reported value, median "
        "(min–max) over rounds.",
        "Analytic model: arrivals uniform over the period; a fraction S/P = 0.2 land in the "
        "stall and wait uniform(0, 1 s) for it to end, the rest see the normal response "
        "time s0. True quantile: s0 for q ≤ 0.8, s0 + 1 s·(q − 0.8)/0.2 above: p50 = s0, "
        f"p90 = s0 + 500 ms, p99 = s0 + 950 ms. s0 = {s0:.3g} ms, omninode-perf's own "
        "service-time p50 (send → done) in the open run.",
        "Closed-loop tools only send when a connection is free, so during a stall each "
        "connection contributes one slow sample instead of the ~R·S requests that should "
        "have been sent: coordinated omission.",
    ]


def _reading(
    variants: list[tuple[str, Tool, str]], results: list[list[Sample]], truth: dict[str, float]
) -> str:
    mine = stats.median(results[0], stats.parsed_get("p99_ms"))
    others = []
    for (label, _, _), samples in list(zip(variants, results, strict=True))[1:]:
        got = stats.median(samples, stats.parsed_get("p99_ms"))
        others.append(f"{label} {stats.fmt(stats.ratio(got, truth['p99']))}×")
    return (
        f"omninode-perf (open model) reports p99 {stats.fmt(mine)} ms against a true "
        f"{stats.fmt(truth['p99'])} ms ({stats.fmt(stats.ratio(mine, truth['p99']))}×); "
        "p99 ÷ true for the others: " + ", ".join(others) + "."
    )
