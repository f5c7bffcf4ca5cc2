"""The self-contained HTML report.

Owns: turning results documents (and optionally the regression check's JSON) into one HTML
file with everything inline: the vendored uPlot chart library (``assets/``), the report's
own script and style, and the data as JSON in a ``<script type="application/json">`` block
with ``<``, ``>``, ``&`` and U+2028/2029 escaped. The page's script renders every string
with ``textContent``; the server-side header is rendered by Jinja2 with autoescaping.
Per-interval ``hdr`` strings are never embedded: the charts use the per-interval
percentiles, and the spectra are decoded here from the whole-test histograms.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from omninode_bridge.reporters import payload
from omninode_bridge.reporters.loading import LoadedReport
from omninode_bridge.util.atomic import atomic_write_text

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def embed_json(obj: Any) -> str:
    """JSON safe to place inside a ``<script>`` element: no tag, entity or line breaker."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.translate(str.maketrans(_JSON_ESCAPES))  # type: ignore[arg-type]


@lru_cache(maxsize=8)
def _asset(name: str) -> str:
    return resources.files("omninode_bridge.reporters").joinpath("assets", name).read_text("utf-8")


def _environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("omninode_bridge.reporters", "templates")
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)


def render_html(
    runs: Sequence[LoadedReport],
    compare: Mapping[str, Any] | None = None,
    compare_base: Path | None = None,
) -> str:
    """The whole report page for ``runs`` (newest shown first) as a string."""
    data = payload.build(runs, compare, compare_base)
    template = _environment().get_template("report.html.j2")
    return template.render(
        runs=data["runs"],
        title=_title(data["runs"]),
        data_json=embed_json(data),
        uplot_js=_script_safe(_asset("uPlot.iife.min.js")),
        uplot_css=_asset("uPlot.min.css"),
        report_js=_script_safe(_asset("report.js")),
        report_css=_asset("report.css"),
    )


def _script_safe(code: str) -> str:
    # Inlined code must not close its own element early.
    return code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def _title(runs: Sequence[Mapping[str, Any]]) -> str:
    if not runs:
        return "Performance report"
    head = runs[0]
    return f"{head['verdict']} · {head['suite']} · performance report"


def write_html(
    runs: Sequence[LoadedReport],
    path: str | Path,
    compare: Mapping[str, Any] | None = None,
    compare_base: Path | None = None,
) -> Path:
    """Render and write the report atomically; returns the path written."""
    return atomic_write_text(path, render_html(runs, compare, compare_base))
