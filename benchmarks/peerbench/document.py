"""BENCHMARKS.md from its template and the measured sections."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import jinja2

from peerbench.section import Section, Settings, unique

TEMPLATE = Path(__file__).with_name("BENCHMARKS.md.j2")


def render(sections: Sequence[Section], settings: Settings, context: Mapping[str, object]) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE.parent),
        autoescape=False,  # Markdown, not HTML
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters["unique_list"] = unique
    acceptance = [row for s in sections for row in s.acceptance]
    text = env.get_template(TEMPLATE.name).render(
        sections=sections, settings=settings, acceptance=acceptance, **context
    )
    return _tidy(text)


def _tidy(text: str) -> str:
    """Collapse the template's runs of blank lines to one."""
    out: list[str] = []
    for line in text.splitlines():
        if line.strip() == "" and out and out[-1] == "":
            continue
        out.append(line.rstrip())
    return "\n".join(out).strip() + "\n"
