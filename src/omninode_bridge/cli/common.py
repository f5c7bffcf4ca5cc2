"""Argument types shared by the sub-commands: durations, sizes, positive numbers, headers.

Each raises ``argparse.ArgumentTypeError`` with what was expected, so argparse prints one
line and exits 2.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from omninode_bridge.config import parse_duration, parse_size
from omninode_bridge.config.fields import max_workers

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


def workers_arg(text: str) -> int:
    count = positive_int(text)
    if count > max_workers():
        raise argparse.ArgumentTypeError(
            f"expected at most {max_workers():.0f} (4 per CPU), got {text!r}"
        )
    return count


def header_arg(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected 'Name: value', got {text!r}")
    return name.strip(), value.strip()


def _writable_dir(path: Path, text: str) -> None:
    """``path`` is, or can be made as, a directory we may write into."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}: {probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text!r}: {probe} is not writable")


def output_dir_arg(text: str) -> Path:
    """A directory for results, checked before anything runs (not after the first test)."""
    path = Path(text)
    _writable_dir(path, text)
    return path


def output_file_arg(text: str) -> Path:
    """A file to write results to, checked before anything runs."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory; expected a file")
    _writable_dir(path.parent, text)
    return path
