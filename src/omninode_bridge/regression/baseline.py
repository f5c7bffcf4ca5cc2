"""Git-friendly baselines: ``<root>/<suite>/performance_report_<suite>_<ts>.json``.

Owns saving, showing and promoting baseline runs. Each baseline run is one results
document written with sorted keys and stable indentation (small, reviewable diffs), by
temp file + fsync + rename, so a crash never leaves a half-written baseline. ``save`` adds
runs to a suite's baseline (several runs let the comparison treat runs as the unit);
``promote`` makes the given runs the whole baseline of their suite: the new files are
written first and only then are the old ones removed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omninode_bridge.errors import UsageError
from omninode_bridge.regression.loader import is_suite, load_documents, read_json
from omninode_bridge.results.writer import safe_name
from omninode_bridge.util.atomic import atomic_write_text

DEFAULT_ROOT = Path("baselines/performance")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class BaselineEntry:
    suite: str
    path: Path
    timestamp: str | None
    tests: tuple[str, ...]
    valid: bool


def as_suite(doc: dict[str, Any], suite: str | None = None) -> dict[str, Any]:
    """A suite document; a bare TestResult is wrapped in one named ``suite`` (or adhoc)."""
    if is_suite(doc):
        return doc if suite is None else {**doc, "suite_name": suite}
    return {
        "schema_version": 1,
        "suite_name": suite or "adhoc",
        "timestamp": doc.get("started_at"),
        "status": "aborted" if doc.get("aborted") else "completed",
        "valid": bool(doc.get("valid", True)),
        "summary": {"total_tests": 1},
        "test_results": [doc],
        "overall_recommendations": [],
    }


def suite_dir(root: Path, suite: str) -> Path:
    name = _SAFE.sub("_", suite).strip("._")
    if not name:
        raise UsageError(f"suite name {suite!r} cannot be used as a directory name")
    return root / name


def file_name(doc: dict[str, Any]) -> str:
    suite = _SAFE.sub("_", str(doc.get("suite_name") or "adhoc"))
    return f"performance_report_{safe_name(suite)}_{_stamp(doc.get('timestamp'))}.json"


def _stamp(ts: Any) -> str:
    try:
        when = datetime.fromisoformat(str(ts).replace("Z", "+00:00"))
    except ValueError:
        when = datetime.now(UTC)
    return when.strftime("%Y%m%d_%H%M%S")


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def entries(root: Path, suite: str | None = None) -> list[BaselineEntry]:
    """The baseline runs under ``root`` (of one suite), oldest first."""
    dirs = [suite_dir(root, suite)] if suite else sorted(p for p in root.glob("*") if p.is_dir())
    out = []
    for d in dirs:
        for f in sorted(d.glob("*.json")):
            doc = read_json(f)
            if is_suite(doc):
                tests = tuple(str(t.get("test_name")) for t in doc["test_results"])
                out.append(
                    BaselineEntry(
                        d.name, f, doc.get("timestamp"), tests, bool(doc.get("valid", True))
                    )
                )
    return out


def _incoming(results: str | Path, suite: str | None) -> list[dict[str, Any]]:
    docs = [as_suite(d, suite) for _, d in load_documents(results)]
    for d in docs:
        if d.get("valid") is False:
            raise UsageError(f"{results}: refusing to make an invalid run a baseline")
    return docs


def save(
    results: str | Path,
    root: Path = DEFAULT_ROOT,
    suite: str | None = None,
    keep: int | None = None,
) -> list[Path]:
    """Add the runs in ``results`` to their suites' baselines; keep the newest ``keep``."""
    written = [_write(root, d) for d in _incoming(results, suite)]
    if keep is not None:
        for s in {p.parent.name for p in written}:
            for e in entries(root, s)[:-keep] if keep > 0 else []:
                e.path.unlink(missing_ok=True)
    return written


def promote(results: str | Path, root: Path = DEFAULT_ROOT, suite: str | None = None) -> list[Path]:
    """Make the runs in ``results`` the whole baseline of their suites."""
    written = [_write(root, d) for d in _incoming(results, suite)]
    keep = set(written)
    for s in {p.parent.name for p in written}:
        for e in entries(root, s):
            if e.path not in keep:
                e.path.unlink(missing_ok=True)
    return written


def _write(root: Path, doc: dict[str, Any]) -> Path:
    directory = suite_dir(root, str(doc.get("suite_name") or "adhoc"))
    target = directory / file_name(doc)
    n = 2
    while target.exists() and read_json(target) != doc:
        target = directory / f"{target.stem.rsplit('~', 1)[0]}~{n}.json"
        n += 1
    atomic_write_text(target, dumps(doc))
    return target
