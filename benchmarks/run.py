"""Regenerate BENCHMARKS.md: omninode-perf against wrk, ab, h2load, hey, Locust, autocannon.

    python benchmarks/run.py [--quick] [--output BENCHMARKS.md] [--only efficiency,stall]

Starts nginx pinned to core 0, runs every generator pinned to core 1 in alternating
rounds, and writes the tables (see peerbench/ for one module per table). ``--quick``
(about 3 minutes) runs a reduced set: it checks the harness, not the speed.
Exit codes: 0 written, 2 usage error, 3 a prerequisite is missing (nginx, taskset).
"""

from __future__ import annotations

import argparse
import compileall
import shutil
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from peerbench import (  # noqa: E402
    document,
    efficiency,
    external,
    hooks,
    memory,
    openmodel,
    profile,
    scaling,
    stall,
    tools,
)
from peerbench.machine import (  # noqa: E402
    git_revision,
    loadavg,
    machine_line,
    now_utc,
    wakeup_latency,
)
from peerbench.nginx import nginx_version  # noqa: E402
from peerbench.section import GEN_CPUS, Section, Settings  # noqa: E402

TABLES = ("efficiency", "scaling", "openmodel", "stall", "memory", "report", "regression", "hooks")
QUICK_PEERS = ("wrk", "ab", "h2load", "hey", "locust", "autocannon")


def available_tools(notes: list[str], quick: bool) -> list[tools.Tool]:
    """Locate the peers; a full run also installs autocannon from npm if it can."""
    skipped = "" if quick else tools.install_autocannon()
    if skipped:
        notes.append(f"autocannon skipped: {skipped}")
    found = []
    for tool in tools.ALL_TOOLS:
        if tool.available():
            found.append(tool)
        else:
            notes.append(f"{tool.name} skipped: `{tool.binary}` not found")
    return found


def _open_peers(found: list[tools.Tool]) -> list[tools.Tool]:
    return [t for t in found if t.name in ("hey", "locust", "autocannon")]


def _stall_peers(found: list[tools.Tool], quick: bool) -> list[tools.Tool]:
    names = ("wrk", "hey", "autocannon") if quick else ("wrk", "hey", "locust", "autocannon")
    return [t for t in found if t.name in names]


def builders(settings: Settings, found: list[tools.Tool]) -> dict[str, Callable[[], Section]]:
    def eff() -> Section:
        section = efficiency.build(settings, found)
        section.extra = "**Where omninode-perf's time goes:**\n\n" + profile.profile_markdown(
            settings
        )
        return section

    return {
        "efficiency": eff,
        "scaling": lambda: scaling.build(settings),
        "openmodel": lambda: openmodel.build(settings, _open_peers(found)),
        "stall": lambda: stall.build(settings, _stall_peers(found, settings.quick)),
        "memory": lambda: memory.build(settings),
        "report": lambda: external.build("report", settings),
        "regression": lambda: external.build("regression", settings),
        "hooks": lambda: hooks.build(settings),
    }


def run_tables(keys: list[str], table_builders: dict[str, Callable[[], Section]]) -> list[Section]:
    """Build the tables in order; the regression simulation (pure, seeded computation whose
    figures do not depend on timing) runs alongside the 10-minute memory table."""
    done: dict[str, Section] = {}
    for key in keys:
        if key in done:
            continue
        print(f"[{now_utc()}] {key} …", file=sys.stderr, flush=True)
        if key == "memory" and "regression" in keys:
            done.update(_alongside(table_builders, "memory", "regression"))
        else:
            done[key] = table_builders[key]()
    return [done[k] for k in keys]


def _alongside(
    table_builders: dict[str, Callable[[], Section]], main: str, side: str
) -> dict[str, Section]:
    box: dict[str, Section] = {}
    thread = threading.Thread(target=lambda: box.update({side: table_builders[side]()}))
    thread.start()
    first = table_builders[main]()
    thread.join()
    first.notes.append(f"`{side}` table computed alongside this one (pure computation).")
    return {main: first, **box}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="reduced set, ~3 minutes")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--only", default=",".join(TABLES), help=f"comma-separated subset of: {', '.join(TABLES)}"
    )
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(TABLES)
    if unknown:
        parser.error(f"--only: unknown table(s) {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for needed in ("nginx", "taskset"):
        if shutil.which(needed) is None:
            print(f"run.py: error: `{needed}` not found on PATH", file=sys.stderr)
            return 3
    settings = Settings.make(args.quick)
    # A regular install ships byte-code; an editable one writes it on first import unless
    # PYTHONDONTWRITEBYTECODE is set (it is on some CI images). Compile it up front so
    # omninode-perf's start-up CPU is what a user's would be, not a compile per run.
    compileall.compile_dir(str(ROOT / "src"), quiet=1)
    start, started, load_start = time.monotonic(), now_utc(), loadavg()
    wake_start = wakeup_latency(GEN_CPUS)
    notes: list[str] = []
    found = available_tools(notes, args.quick)
    table_builders = builders(settings, found)
    sections = run_tables(args.only.split(","), table_builders)
    context = {
        "machine": machine_line(),
        "started": started,
        "finished": now_utc(),
        "revision": git_revision(str(ROOT)),
        "nginx_version": nginx_version(),
        "versions": [t.version() for t in found] + [f"nginx {nginx_version()}", *notes],
        "load_start": f"{load_start:.2f}",
        "wake_start": wake_start,
        "wake_end": wakeup_latency(GEN_CPUS),
        "load_end": f"{loadavg():.2f}",
        "total_minutes": f"{(time.monotonic() - start) / 60:.1f}",
    }
    args.output.write_text(document.render(sections, settings, context))
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
