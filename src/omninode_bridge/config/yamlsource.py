"""YAML text → plain Python data plus the line of every key, from ``yaml.compose`` marks.

``KeyPath`` is a tuple of mapping keys and list indexes from the document root.
``LineMap.line_of(path)`` gives the 1-based line of that key (or list item), falling back to
the nearest enclosing key when the path does not exist (a missing key is reported at the
line of its parent mapping). Duplicate keys, which YAML silently collapses, are problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from omninode_bridge.errors import Problem

KeyPath = tuple[str | int, ...]


def format_path(path: KeyPath) -> str:
    """``("test_suites", "a", "tests", 0, "x")`` → ``test_suites.a.tests[0].x``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass
class LineMap:
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


@dataclass
class Parsed:
    data: Any
    lines: LineMap
    duplicates: list[KeyPath]  # key paths that occur twice in one mapping (line: LineMap)
    problems: list[Problem]  # syntax errors; then data is None


def parse_yaml(text: str, filename: str) -> Parsed:
    """Parse one YAML document; syntax errors become a single located Problem."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        bad_alias = _alias_problem(loader, node)
        if bad_alias is not None:
            problem = Problem(filename, bad_alias[0], "", f"invalid YAML: {bad_alias[1]}")
            return Parsed(None, LineMap(), [], [problem])
        duplicates = _duplicates(loader, node, (), set())
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        return Parsed(None, LineMap(), [], [_syntax_problem(exc, filename)])
    except yaml.YAMLError as exc:
        problem = Problem(filename, None, "", f"invalid YAML: {exc}")
        return Parsed(None, LineMap(), [], [problem])
    finally:
        loader.dispose()
    lines = LineMap()
    if node is not None:
        lines.lines[()] = node.start_mark.line + 1
        _record_lines(loader, node, (), lines, set())
    return Parsed(data, lines, duplicates, [])


def _syntax_problem(exc: yaml.MarkedYAMLError, filename: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    what = " ".join(part for part in (exc.context, exc.problem) if part)
    return Problem(filename, line, "", f"invalid YAML: {what or exc}")


def _children(loader: yaml.SafeLoader, node: yaml.Node) -> list[tuple[str | int, int, yaml.Node]]:
    """(key or index, line, child node) of a mapping or sequence node."""
    if isinstance(node, yaml.MappingNode):
        return [(_key(loader, k), k.start_mark.line + 1, v) for k, v in node.value]
    if isinstance(node, yaml.SequenceNode):
        return [(i, item.start_mark.line + 1, item) for i, item in enumerate(node.value)]
    return []


MAX_NODES = 200_000  # after alias expansion; stops "billion laughs" documents


def _alias_problem(loader: yaml.SafeLoader, node: yaml.Node | None) -> tuple[int, str] | None:
    """(line, message) if an alias refers to its own ancestor or aliases expand too far."""
    budget = [MAX_NODES]

    def visit(current: yaml.Node, stack: set[int]) -> tuple[int, str] | None:
        for _, line, child in _children(loader, current):
            budget[0] -= 1
            if budget[0] < 0:
                return line, f"aliases expand to more than {MAX_NODES} values"
            if id(child) in stack or child is current:
                return line, "an alias refers to itself"
            found = visit(child, stack | {id(current)})
            if found is not None:
                return found
        return None

    return visit(node, set()) if node is not None else None


def _duplicates(
    loader: yaml.SafeLoader, node: yaml.Node | None, path: KeyPath, stack: set[int]
) -> list[KeyPath]:
    # Checked before construction: merge keys (<<) are flattened in place by the constructor.
    if node is None or id(node) in stack:
        return []
    found: list[KeyPath] = []
    seen: set[str | int] = set()
    for key, _, child in _children(loader, node):
        if isinstance(node, yaml.MappingNode) and key in seen and key != "<<":
            found.append((*path, key))
        seen.add(key)
        found += _duplicates(loader, child, (*path, key), stack | {id(node)})
    return found


def _record_lines(
    loader: yaml.SafeLoader, node: yaml.Node, path: KeyPath, lines: LineMap, stack: set[int]
) -> None:
    if id(node) in stack:  # a recursive alias
        return
    for key, line, child in _children(loader, node):
        lines.lines[(*path, key)] = line  # later keys win, as they do in the data
        _record_lines(loader, child, (*path, key), lines, stack | {id(node)})


def _key(loader: yaml.SafeLoader, node: yaml.Node) -> str | int:
    if node.tag == "tag:yaml.org,2002:merge":
        return "<<"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_object(node)
        return value if isinstance(value, str | int) and not isinstance(value, bool) else str(value)
    return str(node.value)
