"""Pydantic validation errors → located ``Problem``s that say what was expected.

Each error's ``loc`` becomes a key path (``test_suites.x.tests[0].target_rps``) and a YAML
line; unknown keys get a "did you mean" hint from the model's field names.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from omninode_bridge.config.yamlsource import KeyPath, LineMap, format_path
from omninode_bridge.errors import Problem


def short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    options = sorted(choices)
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    if close:
        # Equally close candidates (p96 → p95 or p99) are all offered.
        best = _similarity(word, close[0])
        tied = [c for c in close if _similarity(word, c) == best]
        return f"did you mean {' or '.join(repr(c) for c in sorted(tied))}?"
    return f"expected one of: {', '.join(options)}" if options else None


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def pydantic_problems(
    errors: Sequence[ErrorDetails],
    root: type[BaseModel],
    prefix: KeyPath,
    lines: LineMap,
    filename: str,
) -> list[Problem]:
    """One Problem per error; ``prefix`` is where ``root``'s data sits in the YAML."""
    problems = []
    for error in _without_misspelled_missing(errors):
        loc: KeyPath = tuple(error["loc"])
        is_key = bool(loc) and loc[-1] == "[key]"
        path = loc[:-1] if is_key else loc
        message, hint = _describe(error, is_key, root, path)
        line = lines.line_of((*prefix, *path))
        problems.append(Problem(filename, line, format_path(path), message, hint))
    return problems


def _without_misspelled_missing(errors: Sequence[ErrorDetails]) -> list[ErrorDetails]:
    """Drop "required key X is missing" when an unknown sibling key looks like a typo of X."""
    unknown: dict[KeyPath, list[str]] = {}
    for error in errors:
        if error["type"] == "extra_forbidden" and error["loc"]:
            unknown.setdefault(tuple(error["loc"][:-1]), []).append(str(error["loc"][-1]))

    def misspelled(error: ErrorDetails) -> bool:
        loc = tuple(error["loc"])
        siblings = unknown.get(loc[:-1], []) if loc else []
        return any(difflib.get_close_matches(str(loc[-1]), siblings, n=1, cutoff=0.6))

    return [e for e in errors if not (e["type"] == "missing" and misspelled(e))]


def _describe(
    error: ErrorDetails, is_key: bool, root: type[BaseModel], path: KeyPath
) -> tuple[str, str | None]:
    kind, value = error["type"], error["input"]
    if kind == "extra_forbidden":
        fields = _fields_at(root, path[:-1])
        return f"unknown key {path[-1]!r}", did_you_mean(str(path[-1]), fields)
    if kind == "missing":
        return f"required key {path[-1]!r} is missing", None
    if kind == "literal_error":
        expected = str((error.get("ctx") or {}).get("expected", ""))
        choices = [c.strip(" '") for c in expected.replace(" or ", ", ").split(",")]
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else None
        close = hint if hint and hint.startswith("did you") else None
        if is_key:
            return f"unknown key {value!r}: expected one of {expected}", close
        return f"expected one of {expected}, got {short(value)}", close
    describe = _EXPECTATIONS.get(kind)
    if describe is not None:
        return f"expected {describe(error)}, got {short(value)}", None
    if kind == "config_value":
        return error["msg"], None
    return f"{error['msg']}, got {short(value)}", None


def _min_items(error: ErrorDetails) -> str:
    count = (error.get("ctx") or {}).get("min_length", 1)
    return f"at least {count} item{'s' if count != 1 else ''}"


_EXPECTATIONS: dict[str, Callable[[ErrorDetails], str]] = {
    "bool_parsing": lambda e: "true or false",
    "bool_type": lambda e: "true or false",
    "string_type": lambda e: "a string",
    "list_type": lambda e: "a list",
    "dict_type": lambda e: "a mapping of key: value",
    "model_type": lambda e: "a mapping of key: value",
    "model_attributes_type": lambda e: "a mapping of key: value",
    "too_short": _min_items,
    "int_type": lambda e: "an integer",
    "int_parsing": lambda e: "an integer",
    "float_type": lambda e: "a number",
    "float_parsing": lambda e: "a number",
}


def _fields_at(root: type[BaseModel], path: KeyPath) -> list[str]:
    """The field names of the model found at ``path`` below ``root`` (empty if none)."""
    current: Any = root
    for part in path:
        current = _step(current, part)
        if current is None:
            return []
    model = _model_in(current)
    return list(model.model_fields) if model is not None else []


def _step(annotation: Any, part: str | int) -> Any:
    model = _model_in(annotation)
    if model is not None:
        field = model.model_fields.get(str(part))
        return field.annotation if field is not None else None
    for inner in _unwrap(annotation):
        origin = typing.get_origin(inner)
        if origin is list and isinstance(part, int):
            return typing.get_args(inner)[0]
        if origin is dict:
            return typing.get_args(inner)[1]
    return None


def _unwrap(annotation: Any) -> list[Any]:
    """Members of a union (``X | None``), with ``Annotated`` metadata stripped."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for inner in _unwrap(annotation):
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return None
