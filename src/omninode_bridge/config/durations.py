"""Durations and sizes as humans write them in configs.

Durations: a number is seconds; strings may be ``"250ms"``, ``"10s"``, ``"5m"``, ``"1h"``,
``"1h30m"``, ``"1.5s"``, ``"100us"``. Sizes: an int is bytes; strings may be ``"512B"``,
``"64KB"`` (decimal, 1000), ``"10MiB"`` (binary, 1024). Both parsers raise ``ValueError``
with a message saying what was expected.
"""

from __future__ import annotations

import math
import re

_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6}
_DURATION_TOKEN = re.compile(r"(\d+(?:\.\d+)?|\.\d+)(ms|us|µs|h|m|s)")
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}
_SIZE_RE = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)?")

DURATION_EXPECTED = "a duration like 10, '250ms', '10s', '5m' or '1h30m'"
SIZE_EXPECTED = "a size like 65536, '64KB', '1MB' or '10MiB'"


def _number(value: object) -> float | None:
    """The value as a finite float if it is a plain number (or numeric string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def parse_duration(value: object) -> float:
    """Seconds from a number (seconds) or a unit string such as ``"1h30m"``."""
    seconds = _number(value)
    if seconds is None and isinstance(value, str):
        seconds = _parse_duration_text(value.strip())
    if seconds is None:
        raise ValueError(f"expected {DURATION_EXPECTED}, got {value!r}")
    if seconds < 0:
        raise ValueError(f"expected a duration >= 0, got {value!r}")
    return seconds


def _parse_duration_text(text: str) -> float | None:
    pos, total = 0, 0.0
    for match in _DURATION_TOKEN.finditer(text):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    return total if pos == len(text) and pos > 0 else None


def parse_size(value: object) -> int:
    """Bytes from an int (bytes) or a unit string such as ``"64KB"`` or ``"10MiB"``."""
    size = _parse_size_value(value)
    if size is None:
        raise ValueError(f"expected {SIZE_EXPECTED}, got {value!r}")
    if size < 0:
        raise ValueError(f"expected a size >= 0, got {value!r}")
    return size


def _parse_size_value(value: object) -> int | None:
    number = _number(value)
    if number is not None:
        return int(number) if number == int(number) else None
    if not isinstance(value, str):
        return None
    match = _SIZE_RE.fullmatch(value.strip().lower())
    if match is None:
        return None
    unit = _SIZE_UNITS.get(match.group(2) or "b")
    return None if unit is None else round(float(match.group(1)) * unit)
