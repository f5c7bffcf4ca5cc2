"""Argument types shared by the sub-commands: durations, sizes, positive numbers, headers.

Each raises ``argparse.ArgumentTypeError`` with what was expected, so argparse prints one
line and exits 2.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from omninode_bridge.config import parse_duration, parse_size

T = TypeVar("T", int, float)


def _converter(parse: Callable[[str], T], expected: str, positive: bool) -> Callable[[str], T]:
    def convert(text: str) -> T:
        try:
            value = parse(text)
        except (ValueError, TypeError) as exc:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from exc
        if positive and value <= 0:
            raise argparse.ArgumentTypeError(f"expected {expected} > 0, got {text!r}")
        return value

    return convert


DURATION = "a duration (seconds, or 250ms, 10s, 5m, 1h)"
duration_arg = _converter(lambda t: float(parse_duration(t)), DURATION, positive=False)
positive_duration_arg = _converter(lambda t: float(parse_duration(t)), DURATION, positive=True)
size_arg = _converter(lambda t: int(parse_size(t)), "a size (bytes, or 64KB, 1MB, 10MiB)", False)
positive_float = _converter(float, "a number", positive=True)
positive_int = _converter(int, "a whole number", positive=True)


def header_arg(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected 'Name: value', got {text!r}")
    return name.strip(), value.strip()
