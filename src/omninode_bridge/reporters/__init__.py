"""reporters layer: results documents → HTML, PNG, CSV, JUnit, Markdown (and the terminal).

The public callables are imported lazily so that importing one reporter (e.g. the terminal
one) does not pull in matplotlib or jinja2.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "load_results": "loading",
    "load_report": "loading",
    "find_result_files": "loading",
    "LoadedReport": "loading",
    "render_html": "html",
    "write_html": "html",
    "write_charts": "png",
    "write_csv": "csv_export",
    "render_junit": "junit",
    "write_junit": "junit",
    "render_markdown": "markdown",
    "write_markdown": "markdown",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
