"""Medians and ranges over rounds, number formatting, and Markdown tables."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence

from peerbench.rounds import Sample

Getter = Callable[[Sample], float | None]


def values(samples: Iterable[Sample], get: Getter) -> list[float]:
    return [v for s in samples if (v := get(s)) is not None]


def median(samples: Sequence[Sample], get: Getter) -> float | None:
    vals = values(samples, get)
    return statistics.median(vals) if vals else None


def fmt(value: float | None, digits: int = 3) -> str:
    """Three significant figures, thousands separated; ``—`` when unknown."""
    if value is None:
        return "—"
    if abs(value) >= 10**digits:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def med_range(samples: Sequence[Sample], get: Getter, digits: int = 3) -> str:
    """``median (min–max)`` over rounds, or just the value for a single round."""
    vals = values(samples, get)
    if not vals:
        return "—"
    mid = fmt(statistics.median(vals), digits)
    if len(vals) == 1:
        return mid
    return f"{mid} ({fmt(min(vals), digits)}–{fmt(max(vals), digits)})"


def ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or not reference:
        return None
    return value / reference


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def parsed_get(name: str) -> Getter:
    """Getter for a ``Parsed`` attribute (``p99_ms``, ``rps``...)."""

    def get(sample: Sample) -> float | None:
        value = getattr(sample.parsed, name, None) if sample.parsed else None
        return float(value) if isinstance(value, int | float) else None

    return get


def lag_get(key: str) -> Getter:
    def get(sample: Sample) -> float | None:
        lag = sample.parsed.send_lag_us if sample.parsed else None
        value = lag.get(key) if lag else None
        return float(value) if value is not None else None

    return get


def failures(samples: Sequence[Sample]) -> list[str]:
    """One line per failed run: exit code and what went wrong."""
    out = []
    for s in samples:
        if s.error or s.parsed is None:
            out.append(f"{s.tool}: exit {s.returncode}: {s.error or 'no output parsed'}")
    return out
