"""Loading a config: read → parse YAML with lines → interpolate ``${ENV}`` → validate → check.

Every problem found on the way (syntax, unset variables, type errors, unknown keys,
cross-field rules) is collected and raised at once as ``ConfigError(problems)``, each
located by file, YAML line and key path relative to ``performance_testing``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from omninode_bridge.config.checks import cross_check
from omninode_bridge.config.interpolate import interpolate
from omninode_bridge.config.model import Config, PerformanceTesting
from omninode_bridge.config.problems import did_you_mean, pydantic_problems, short
from omninode_bridge.config.secrets import mask_secrets
from omninode_bridge.config.yamlsource import LineMap, Parsed, format_path, parse_yaml
from omninode_bridge.errors import ConfigError, Problem

ROOT_KEY = "performance_testing"


def load_config(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Config:
    """Load and validate a config file; ``env`` defaults to ``os.environ``."""
    filename = os.fspath(path)
    try:
        with open(filename, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ConfigError([Problem(filename, None, "", "config file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError([Problem(filename, None, "", f"cannot read: {reason}")]) from None
    return load_config_text(text, filename, env)


def load_config_text(
    text: str, filename: str = "<string>", env: Mapping[str, str] | None = None
) -> Config:
    """Validate config text; ``filename`` is only used to locate problems."""
    try:
        return _load(text, filename, env)
    except RecursionError:
        raise ConfigError([Problem(filename, None, "", "the YAML is nested too deeply")]) from None


def _load(text: str, filename: str, env: Mapping[str, str] | None) -> Config:
    parsed = parse_yaml(text, filename)
    problems = list(parsed.problems)
    for path in parsed.duplicates:
        problems.append(_problem(parsed.lines, filename, path, "duplicate key"))
    doc = _root_document(parsed, filename, problems)
    if doc is None:
        raise ConfigError(problems)
    values, result = interpolate(doc, os.environ if env is None else env)
    unresolved = [_problem(parsed.lines, filename, (ROOT_KEY, *p), m) for p, m in result.errors]
    found: list[Problem] = []
    model = _validate(values, parsed.lines, filename, found)
    # An unresolved ${VAR} is the cause of whatever else is wrong with that value.
    blamed = {p.path for p in unresolved}
    problems += unresolved + [p for p in found if p.path not in blamed]
    if problems or model is None:
        masked = [_masked(p, result.secrets) for p in problems]
        raise ConfigError(sorted(masked, key=_order))
    return Config(
        performance_testing=model,
        source_path=filename,
        secret_values=frozenset(result.secrets),
        key_lines={format_path(p[1:]): line for p, line in parsed.lines.lines.items() if p},
    )


def _root_document(parsed: Parsed, filename: str, problems: list[Problem]) -> Any:
    """The mapping under ``performance_testing``, or None after adding why it is missing."""
    if problems and parsed.data is None:
        return None
    data, line = parsed.data, parsed.lines.line_of(()) or 1
    if not isinstance(data, dict):
        got = "an empty document" if data is None else short(data)
        problems.append(Problem(filename, line, "", f"expected a mapping at the top, got {got}"))
        return None
    unknown = [
        Problem(
            filename,
            parsed.lines.line_of((k,)),
            str(k),
            f"unknown key {k!r}",
            did_you_mean(str(k), [ROOT_KEY]),
        )
        for k in data
        if k != ROOT_KEY
    ]
    problems += unknown
    if ROOT_KEY not in data:
        if not any(p.hint and p.hint.startswith("did you mean") for p in unknown):
            message = f"required key {ROOT_KEY!r} is missing"
            problems.append(Problem(filename, line, ROOT_KEY, message))
        return None
    doc = data[ROOT_KEY]
    if doc is not None and not isinstance(doc, dict):
        where = parsed.lines.line_of((ROOT_KEY,))
        message = f"expected a mapping of key: value, got {short(doc)}"
        problems.append(Problem(filename, where, ROOT_KEY, message))
        return None
    return {} if doc is None else doc


def _problem(
    lines: LineMap,
    filename: str,
    path: tuple[str | int, ...],
    message: str,
    hint: str | None = None,
) -> Problem:
    """A Problem at ``path`` (relative to the document root) reported relative to the root key."""
    return Problem(filename, lines.line_of(path), format_path(path[1:]), message, hint)


def _validate(
    values: Any, lines: LineMap, filename: str, problems: list[Problem]
) -> PerformanceTesting | None:
    model: PerformanceTesting | None = None
    try:
        model = PerformanceTesting.model_validate(values)
    except ValidationError as exc:
        problems += pydantic_problems(
            exc.errors(), PerformanceTesting, (ROOT_KEY,), lines, filename
        )
    for finding in cross_check(values):
        path = (ROOT_KEY, *finding.path)
        problems.append(_problem(lines, filename, path, finding.message, finding.hint))
    return model


def _masked(problem: Problem, secrets: set[str]) -> Problem:
    # An invalid value that came from the environment is still a secret in the message.
    message: str = mask_secrets(problem.message, secrets)
    hint: str | None = mask_secrets(problem.hint, secrets)
    return dataclasses.replace(problem, message=message, hint=hint)


def _order(problem: Problem) -> tuple[int, str]:
    return (problem.line if problem.line is not None else 0, problem.path)
