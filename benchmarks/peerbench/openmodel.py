"""Table 3: open-model accuracy at 1k, 5k, 20k req/s, plus issue 2's 2,000 req/s check.

Achieved-rate error is taken from nginx's own count over the run (the same yardstick for
every tool): (served − rate × duration) / (rate × duration). Send lag is only reported by
omninode-perf; the peers do not measure it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from peerbench import stats
from peerbench.nginx import Nginx, start_nginx
from peerbench.rounds import Job, Sample, alternate, run_once
from peerbench.section import GEN_CPUS, TARGET_CPUS, Section, Settings, timed
from peerbench.tools import OMNI, Tool

ACCEPT_RATE = 2000
ACCEPT_S = 10.0


def rate_error(rate: float, duration: float) -> stats.Getter:
    def get(s: Sample) -> float | None:
        if s.served is None:
            return None
        return 100.0 * (s.served - rate * duration) / (rate * duration)

    return get


def whole_cpu_percent(duration: float) -> stats.Getter:
    return lambda s: 100.0 * s.cpu_s / duration


def _job(tool: Tool, nginx: Nginx, rate: float, duration: float) -> Job:
    def run(workdir: Path) -> Sample:
        argv = tool.open(nginx.url, rate, duration, workdir)
        assert argv is not None
        return run_once(
            tool,
            argv,
            duration_s=duration,
            cpus=GEN_CPUS,
            workdir=workdir,
            counter=nginx.requests_served,
        )

    return run


def _rows(
    tools: Sequence[Tool], rate: float, duration: float, results: list[list[Sample]]
) -> list[list[str]]:
    rows = []
    for tool, samples in zip(tools, results, strict=True):
        rows.append(
            [
                f"{rate:,.0f}",
                tool.name,
                stats.med_range(samples, rate_error(rate, duration), 2),
                stats.med_range(samples, stats.lag_get("p50")),
                stats.med_range(samples, stats.lag_get("p99")),
                stats.med_range(samples, stats.lag_get("max")),
                stats.med_range(samples, lambda s: s.steady_cpu_percent),
                stats.med_range(samples, whole_cpu_percent(duration)),
                stats.med_range(samples, stats.parsed_get("p99_ms")),
            ]
        )
    return rows


def build(settings: Settings, peers: Sequence[Tool]) -> Section:
    section = Section("openmodel", "3. Open-model accuracy")
    tools = [OMNI, *[p for p in peers if p.name != OMNI.name]]
    rows: list[list[str]] = []
    with timed(section), start_nginx(workers=1, cpus=TARGET_CPUS) as nginx:
        for rate in settings.open_rates:
            jobs = [_job(t, nginx, rate, settings.open_s) for t in tools]
            results = alternate(jobs, settings.rounds)
            rows += _rows(tools, rate, settings.open_s, results)
            for samples in results:
                section.commands.append(samples[0].command)
                section.notes += stats.failures(samples)
                section.notes += _invalid(samples)
        accept = alternate([_job(OMNI, nginx, ACCEPT_RATE, ACCEPT_S)], settings.rounds)[0]
    section.body = stats.table(
        [
            "target req/s",
            "tool",
            "achieved error % (nginx count)",
            "send lag p50 µs",
            "send lag p99 µs",
            "send lag max µs",
            "generator CPU % (steady)",
            "generator CPU % (whole run)",
            "reported p99 ms",
        ],
        rows,
    )
    section.body += "\n\n**Issue 2 acceptance (omninode-perf, 2,000 req/s, 10 s):**\n\n"
    section.body += _accept_table(accept)
    section.commands.append(accept[0].command)
    _notes(section, settings)
    _acceptance(section, accept)
    return section


def _invalid(samples: Sequence[Sample]) -> list[str]:
    out = []
    for s in samples:
        extra = s.parsed.extra if s.parsed else {}
        if extra.get("valid") is False:
            out.append(f"{s.tool} marked its run invalid: {extra.get('invalid_reasons')}")
    return out


def _accept_table(samples: list[Sample]) -> str:
    row = [
        stats.med_range(samples, rate_error(ACCEPT_RATE, ACCEPT_S), 2),
        stats.med_range(samples, _own_rate_error),
        stats.med_range(samples, stats.lag_get("p99")),
        stats.med_range(samples, stats.parsed_get("cpu_percent")),
        stats.med_range(samples, lambda s: s.steady_cpu_percent),
        stats.med_range(samples, whole_cpu_percent(ACCEPT_S)),
    ]
    return stats.table(
        [
            "achieved error % (nginx)",
            "achieved error % (own count)",
            "send lag p99 µs",
            "CPU % (own report)",
            "CPU % (steady, ours)",
            "CPU % (whole process incl. start-up)",
        ],
        [row],
    )


def _own_rate_error(s: Sample) -> float | None:
    if not s.parsed or s.parsed.requests is None:
        return None
    target = ACCEPT_RATE * ACCEPT_S
    return 100.0 * (s.parsed.requests - target) / target


def _notes(section: Section, settings: Settings) -> None:
    section.notes.append(
        f"{settings.rounds} round(s) of {settings.open_s:g} s per tool and rate, alternating; "
        "nginx pinned to core 0, generator to core 1. hey's `-q` is per worker, so the "
        "harness passes `-q R/50` with `-c 50`; Locust runs 50 FastHttpUsers with "
        "`constant_throughput(R/50)`; autocannon uses `-R R`. Only omninode-perf measures "
        "send lag (actual send − intended start). *Steady* CPU is the process tree over the "
        "15 %–85 % window; *whole run* includes interpreter start-up."
    )


def _acceptance(section: Section, samples: list[Sample]) -> None:
    err = stats.median(samples, _own_rate_error)
    err_ng = stats.median(samples, rate_error(ACCEPT_RATE, ACCEPT_S))
    lag = stats.median(samples, stats.lag_get("p99"))
    cpu = stats.median(samples, lambda s: s.steady_cpu_percent)
    own_cpu = stats.median(samples, stats.parsed_get("cpu_percent"))
    section.acceptance += [
        (
            "open 2,000 req/s: achieved within 0.5 % of target",
            None if err is None else abs(err) <= 0.5,
            f"{stats.fmt(err)} % by its own count, {stats.fmt(err_ng)} % by nginx's",
        ),
        (
            "open 2,000 req/s: send-lag p99 ≤ 200 µs",
            None if lag is None else lag <= 200,
            f"{stats.fmt(lag)} µs",
        ),
        (
            "open 2,000 req/s: generator CPU ≤ 30 % of a core",
            None if cpu is None else cpu <= 30,
            f"{stats.fmt(cpu)} % (steady, measured outside); {stats.fmt(own_cpu)} % own report",
        ),
    ]
    section.reading = _reading(section)


def _reading(section: Section) -> str:
    held = [name for name, ok, _ in section.acceptance if ok]
    return (
        f"omninode-perf holds {len(held)} of {len(section.acceptance)} issue-2 open-model "
        "targets here and is the only tool that reports send lag; see the table for how "
        "closely each peer keeps the asked rate."
    )
