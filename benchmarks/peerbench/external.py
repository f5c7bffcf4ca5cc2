"""Tables 6 and 7: scripts owned by other modules, folded in as they print them.

``benchmarks/report_bench.py`` (reporters on a synthetic 1-hour result) and
``benchmarks/regression_power.py`` (the regression gate's false-alarm rate and power) each
print Markdown on stdout. The harness runs them as they are, with reduced arguments in
``--quick`` mode, and includes their output; a missing or failing script is a clear note.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from peerbench.section import Section, Settings, timed

BENCH_DIR = Path(__file__).resolve().parents[1]

SCRIPTS = {
    "report": (
        "report_bench.py",
        "6. Reporting: HTML report for a 1-hour result",
        {"quick": ["--repeat", "1"], "full": ["--repeat", "3"]},
    ),
    "regression": (
        "regression_power.py",
        "7. Regression gate: false alarms and power",
        {
            "quick": [
                "--pairs",
                "20",
                "--sweep-pairs",
                "5",
                "--bootstrap",
                "200",
                "--noise",
                "moderate",
            ],
            "full": ["--pairs", "200", "--sweep-pairs", "50"],
        },
    ),
}


def _supported(script: Path, args: list[str], quick: bool) -> list[str]:
    """``--quick`` if the script has it, else the flags its ``--help`` mentions."""
    help_text = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    if "--quick" in help_text:
        return ["--quick"] if quick else []
    out: list[str] = []
    i = 0
    while i < len(args):
        flag, value = args[i], args[i + 1]
        if flag in help_text:
            out += [flag, value]
        i += 2
    return out


def build(key: str, settings: Settings) -> Section:
    name, title, arg_sets = SCRIPTS[key]
    section = Section(key, title)
    script = BENCH_DIR / name
    if not script.exists():
        section.skipped = f"`benchmarks/{name}` does not exist yet."
        return section
    args = _supported(script, arg_sets["quick" if settings.quick else "full"], settings.quick)
    timeout = 180.0 if settings.quick else 900.0
    with timed(section):
        try:
            out = subprocess.run(
                [sys.executable, str(script), *args],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                cwd=BENCH_DIR.parent,
            )
        except subprocess.TimeoutExpired:
            section.skipped = f"`benchmarks/{name}` did not finish in {timeout:g} s."
            return section
    section.commands.append(shlex.join(["python", f"benchmarks/{name}", *args]))
    if out.returncode != 0:
        section.skipped = (
            f"`benchmarks/{name}` exited {out.returncode}: "
            f"{out.stderr.strip().splitlines()[-1:] or ''}"
        )
        return section
    section.body = out.stdout.strip()
    section.reading = "As printed by the script (its own notes and limits are in the table)."
    return section
