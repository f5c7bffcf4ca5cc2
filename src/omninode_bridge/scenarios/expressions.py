"""Check every ``thresholds`` and ``abort_on`` expression of a config before anything runs.

The grammar lives in :mod:`omninode_bridge.analysis.thresholds`; the config layer only
types these as strings. Checking here, before the first test starts, reports every bad
expression at once, each located by file, line and key path, and loses no results.
"""

from __future__ import annotations

import difflib

from omninode_bridge.analysis.thresholds import (
    RATE_METRICS,
    TIME_METRICS,
    ThresholdSyntaxError,
    parse_abort_rule,
    parse_metric_key,
    parse_threshold,
)
from omninode_bridge.config import Config, TestConfig
from omninode_bridge.errors import ConfigError, Problem


def _problem(config: Config, path: str, exc: ThresholdSyntaxError, hint: str | None) -> Problem:
    line = config.line_of(path) or config.line_of(path.rsplit("[", 1)[0])
    message = str(exc).split(": ", 1)[-1]
    return Problem(config.source_path, line, path, message, hint)


def _metric_hint(key: str) -> str | None:
    name = key.partition("{")[0].strip()
    close = difflib.get_close_matches(name, [*TIME_METRICS, *RATE_METRICS], n=1)
    return f"did you mean {close[0]!r}?" if close else None


def test_problems(config: Config, base: str, test: TestConfig) -> list[Problem]:
    problems: list[Problem] = []
    for key, exprs in test.thresholds.items():
        where = f"{base}.thresholds.{key}"
        try:
            metric, _ = parse_metric_key(key, where)
        except ThresholdSyntaxError as exc:
            problems.append(_problem(config, where, exc, _metric_hint(key)))
            continue
        for i, expr in enumerate(exprs):
            try:
                parse_threshold(expr, f"{where}[{i}]", metric)
            except ThresholdSyntaxError as exc:
                problems.append(_problem(config, f"{where}[{i}]", exc, None))
    for i, expr in enumerate(test.abort_on):
        where = f"{base}.abort_on[{i}]"
        try:
            parse_abort_rule(expr, where)
        except ThresholdSyntaxError as exc:
            problems.append(_problem(config, where, exc, None))
    return problems


def check_expressions(config: Config) -> None:
    """Raise ``ConfigError`` listing every malformed expression in the config."""
    problems: list[Problem] = []
    for suite_name, suite in config.performance_testing.test_suites.items():
        for i, test in enumerate(suite.tests):
            problems += test_problems(config, f"test_suites.{suite_name}.tests[{i}]", test)
    if problems:
        raise ConfigError(problems)
