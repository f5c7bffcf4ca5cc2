"""Argument types shared by the sub-commands: durations, positive numbers, headers."""

from __future__ import annotations

import argparse

from omninode_bridge.config import parse_duration, parse_size


def duration_arg(text: str) -> float:
    try:
        return float(parse_duration(text))
    except (ValueError, TypeError) as exc:
        raise argparse.ArgumentTypeError(
            f"invalid duration {text!r}: use seconds or 250ms, 10s, 5m, 1h"
        ) from exc


def positive_duration_arg(text: str) -> float:
    value = duration_arg(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a duration > 0, got {text!r}")
    return value


def size_arg(text: str) -> int:
    try:
        return int(parse_size(text))
    except (ValueError, TypeError) as exc:
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: use bytes or 64KB, 1MB, 10MiB"
        ) from exc


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from exc
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from exc
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number > 0, got {text!r}")
    return value


def header_arg(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected 'Name: value', got {text!r}")
    return name.strip(), value.strip()
