"""Constrained field types for the config models, with messages that say what was expected.

Each type is an ``Annotated`` alias whose ``BeforeValidator`` accepts the value (numbers may
arrive as strings after ``${ENV}`` interpolation) or raises a ``PydanticCustomError`` whose
message reads ``expected a number > 0, got 'abc'``. ``number_value`` is shared with the
cross-checks so both coerce values the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from omninode_bridge.config.durations import _number, parse_duration, parse_size

ERROR_TYPE = "config_value"


def fail(message: str) -> PydanticCustomError:
    # The message is pre-formatted: braces in user input must not be read as placeholders.
    return PydanticCustomError(ERROR_TYPE, "{m}", {"m": message})


def number_value(value: object) -> float | None:
    """The value as a float (numbers and numeric strings; never bools), else None."""
    return _number(value)


def _bounds_text(gt: float | None, ge: float | None, le: float | None) -> str:
    parts = [f"> {gt:g}" if gt is not None else "", f">= {ge:g}" if ge is not None else ""]
    low = "".join(parts)
    if le is None:
        return f" {low}" if low else ""
    if gt is not None:
        return f" > {gt:g} and <= {le:g}"
    return f" in [{ge:g}, {le:g}]" if ge is not None else f" <= {le:g}"


def _number_validator(
    *,
    gt: float | None = None,
    ge: float | None = None,
    le: float | None = None,
    integer: bool = False,
    le_func: Callable[[], float] | None = None,
) -> Callable[[object], object]:
    def validate(value: object) -> object:
        if value is None:
            return None
        limit = le_func() if le_func is not None else le
        kind = "an integer" if integer else "a number"
        expected = f"expected {kind}{_bounds_text(gt, ge, limit)}, got {value!r}"
        number = number_value(value)
        if number is None or (integer and number != int(number)):
            raise fail(expected)
        too_low = (gt is not None and number <= gt) or (ge is not None and number < ge)
        if too_low or (limit is not None and number > limit):
            raise fail(expected)
        return int(number) if integer else number

    return validate


def _duration_validator(positive: bool) -> Callable[[object], object]:
    def validate(value: object) -> object:
        if value is None:
            return None
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            raise fail(str(exc)) from None
        if positive and seconds <= 0:
            raise fail(f"expected a duration > 0, got {value!r}")
        return seconds

    return validate


def _size_validator(value: object) -> object:
    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError as exc:
        raise fail(str(exc)) from None


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _http_url(value: object) -> object:
    if value is None:
        return None
    if not isinstance(value, str):
        raise fail(f"expected an http(s) URL, got {value!r}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail(f"expected an http(s) URL like 'http://127.0.0.1:8001', got {value!r}")
    try:
        parts.port  # noqa: B018  (urlsplit checks the port only when asked)
    except ValueError:
        raise fail(f"expected a URL with a port from 1 to 65535, got {value!r}") from None
    return value


def _url_path(value: object) -> object:
    if isinstance(value, str) and not value.startswith("/"):
        raise fail(f"expected a path starting with '/', got {value!r}")
    return value


def _port(value: object) -> object:
    if value is None or value == "auto":
        return value
    number = number_value(value)
    if number is None or number != int(number) or not 1 <= number <= 65535:
        raise fail(f"expected 'auto' or a port number in [1, 65535], got {value!r}")
    return int(number)


def _string_list(value: object) -> object:
    # A single expression is a convenient shorthand for a one-item list.
    return [value] if isinstance(value, str) else value


def max_cpu_percent() -> float:
    """CPU usage is in percent of one core, so the ceiling is 100 per core."""
    return 100.0 * (os.cpu_count() or 1)


PositiveFloat = Annotated[float, BeforeValidator(_number_validator(gt=0))]
OptPositiveFloat = Annotated[float | None, BeforeValidator(_number_validator(gt=0))]
NonNegFloat = Annotated[float, BeforeValidator(_number_validator(ge=0))]
OptNonNegFloat = Annotated[float | None, BeforeValidator(_number_validator(ge=0))]
Fraction = Annotated[float, BeforeValidator(_number_validator(ge=0, le=1))]
OptFraction = Annotated[float | None, BeforeValidator(_number_validator(ge=0, le=1))]
OptCpuPercent = Annotated[
    float | None, BeforeValidator(_number_validator(ge=0, le_func=max_cpu_percent))
]
MAX_RPS = 10_000_000.0  # far beyond one machine; a bound keeps schedule arithmetic finite
Rate = Annotated[float, BeforeValidator(_number_validator(gt=0, le=MAX_RPS))]
OptRate = Annotated[float | None, BeforeValidator(_number_validator(gt=0, le=MAX_RPS))]
NonNegRate = Annotated[float, BeforeValidator(_number_validator(ge=0, le=MAX_RPS))]


def max_workers() -> float:
    """Generator processes beyond 4 per CPU only contend (and thousands exhaust memory)."""
    return float(4 * (os.cpu_count() or 1))


Workers = Annotated[
    int, BeforeValidator(_number_validator(ge=1, integer=True, le_func=max_workers))
]
PositiveInt = Annotated[int, BeforeValidator(_number_validator(ge=1, integer=True))]
OptPositiveInt = Annotated[int | None, BeforeValidator(_number_validator(ge=1, integer=True))]
Int = Annotated[int, BeforeValidator(_number_validator(integer=True))]
Duration = Annotated[float, BeforeValidator(_duration_validator(positive=False))]
PositiveDuration = Annotated[float, BeforeValidator(_duration_validator(positive=True))]
OptPositiveDuration = Annotated[float | None, BeforeValidator(_duration_validator(positive=True))]
Size = Annotated[int, BeforeValidator(_size_validator)]
OptSize = Annotated[int | None, BeforeValidator(_size_validator)]
HttpUrl = Annotated[str, BeforeValidator(_http_url)]
OptHttpUrl = Annotated[str | None, BeforeValidator(_http_url)]
UrlPath = Annotated[str, BeforeValidator(_url_path)]
Port = Annotated[int | Literal["auto"] | None, BeforeValidator(_port)]
StringList = Annotated[list[str], BeforeValidator(_string_list)]
HttpMethod = Annotated[
    Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"], BeforeValidator(_upper)
]
