"""``${ENV_VAR}`` and ``${ENV_VAR:-default}`` interpolation in every string value.

Runs on the parsed YAML data before validation. As in the shell, ``:-`` also uses the
default when the variable is set but empty; ``$${`` is a literal ``${``. Every non-empty
value that came from the environment is a secret: the caller masks it in all outputs.
An unset variable without a default is reported with the variable's name and key path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omninode_bridge.config.yamlsource import KeyPath

_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{([^}]*)\}?")


@dataclass
class Interpolation:
    secrets: set[str] = field(default_factory=set)
    # (key path, message) of every reference that could not be resolved
    errors: list[tuple[KeyPath, str]] = field(default_factory=list)


def interpolate(data: Any, env: Mapping[str, str]) -> tuple[Any, Interpolation]:
    """A copy of ``data`` with every ``${...}`` reference in its strings resolved."""
    result = Interpolation()
    return _walk(data, env, (), result), result


def _walk(data: Any, env: Mapping[str, str], path: KeyPath, result: Interpolation) -> Any:
    if isinstance(data, str):
        return _substitute(data, env, path, result)
    if isinstance(data, dict):
        return {k: _walk(v, env, (*path, k), result) for k, v in data.items()}
    if isinstance(data, list):
        return [_walk(v, env, (*path, i), result) for i, v in enumerate(data)]
    return data


def _substitute(text: str, env: Mapping[str, str], path: KeyPath, result: Interpolation) -> str:
    if "$" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name, default = match.group(1), match.group(2)
        if name is None:
            result.errors.append((path, f"malformed reference {match.group(0)!r}"))
            return match.group(0)
        value = env.get(name)
        if value:
            result.secrets.add(value)
            return value
        if default is not None:
            return default
        state = "is empty" if value == "" else "is not set"
        result.errors.append((path, f"environment variable {name} {state} (no default)"))
        return ""

    return _REFERENCE.sub(replace, text)
