"""Table 2: scaling. omninode-perf ``--workers 1`` vs ``--workers 2``, closed loop.

The target is nginx with two workers, unpinned, so it is not the bottleneck of a single
generator worker; on a 2-core machine generator and target then share both cores, which
the table notes say.
"""

from __future__ import annotations

from peerbench import stats
from peerbench.nginx import start_nginx
from peerbench.rounds import alternate, closed_loop_job
from peerbench.section import Section, Settings, timed
from peerbench.tools import omni_workers

CONNECTIONS = 100


def build(settings: Settings) -> Section:
    section = Section("scaling", "2. Scaling: --workers 1 vs --workers 2")
    tools = [omni_workers(1), omni_workers(2)]
    with timed(section), start_nginx(workers=2, cpus=None) as nginx:
        jobs = [
            closed_loop_job(
                t, nginx.url, CONNECTIONS, settings.closed_s, None, nginx.requests_served
            )
            for t in tools
        ]
        results = alternate(jobs, settings.rounds)
    rows = []
    for tool, samples in zip(tools, results, strict=True):
        section.commands.append(samples[0].command)
        section.notes += stats.failures(samples)
        rows.append(
            [
                tool.name,
                stats.med_range(samples, stats.parsed_get("rps")),
                stats.med_range(samples, lambda s: s.cpu_us_per_request),
                stats.med_range(samples, lambda s: s.steady_us_per_request),
                stats.med_range(samples, lambda s: s.steady_cpu_percent),
                stats.med_range(samples, stats.parsed_get("p99_ms")),
            ]
        )
    section.body = stats.table(
        [
            "generator",
            "req/s",
            "CPU µs/req (whole run)",
            "CPU µs/req (steady)",
            "generator CPU % (steady)",
            "p99 ms",
        ],
        rows,
    )
    section.notes.append(
        f"{CONNECTIONS} connections, {settings.rounds} round(s) of {settings.closed_s:g} s, "
        "alternating. nginx with 2 workers, nothing pinned: on this 2-core machine the "
        "target, the generator workers and the other tenants share both cores, so req/s "
        "cannot double; the point is that CPU per request stays flat as workers are added."
    )
    one = stats.median(results[0], stats.parsed_get("rps"))
    two = stats.median(results[1], stats.parsed_get("rps"))
    c1 = stats.median(results[0], lambda s: s.steady_us_per_request)
    c2 = stats.median(results[1], lambda s: s.steady_us_per_request)
    section.reading = (
        f"Two workers give {stats.fmt(stats.ratio(two, one))}× the req/s of one at "
        f"{stats.fmt(stats.ratio(c2, c1))}× the CPU per request (steady state)."
    )
    return section
