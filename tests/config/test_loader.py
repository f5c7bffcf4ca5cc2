"""Loading configs: the seed example validates; every malformed config gives located problems.

Each malformed case names the problems it must produce as ``(key path, marker, fragment)``:
the problem's line is the first line of the YAML text that contains ``marker`` (so the
expected line is computed from the text, not copied from the output), and ``fragment`` must
appear in its message.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from omninode_bridge.config import Config, load_config, load_config_text
from omninode_bridge.errors import ConfigError, Problem, UsageError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "performance_test_config.yaml"

HEAD = """\
performance_testing:
  base_urls:
    svc: "http://127.0.0.1:8001"
  test_suites:
    s:
      tests:
"""

LOAD_TEST = """\
- name: t
  type: load
  target_rps: 10
  endpoints:
    - service: svc
"""


def with_tests(tests: str) -> str:
    """A config with one suite ``s`` holding the given (8-space indented) tests."""
    return HEAD + textwrap.indent(tests, " " * 8)


def with_root(extra: str) -> str:
    """The minimal valid config plus extra keys under ``performance_testing``."""
    return with_tests(LOAD_TEST) + textwrap.indent(extra, "  ")


Expect = tuple[str, str | None, str]

CASES: list[tuple[str, str, list[Expect]]] = [
    (
        "yaml-syntax",
        "performance_testing:\n  base_urls: [unclosed\n  test_suites: {}\n",
        [("", "test_suites", "invalid YAML")],
    ),
    ("empty-file", "# nothing here\n", [("", None, "got an empty document")]),
    ("root-is-list", "- a\n- b\n", [("", "- a", "expected a mapping at the top")]),
    (
        "root-key-misspelled",
        "performance_test:\n  base_urls: {}\n",
        [("performance_test", "performance_test:", "did you mean 'performance_testing'")],
    ),
    (
        "root-key-absent",
        "settings:\n  base_urls: {}\n",
        [
            ("settings", "settings:", "unknown key 'settings'"),
            ("performance_testing", "settings:", "required key"),
        ],
    ),
    (
        "root-value-scalar",
        "performance_testing: 5\n",
        [("performance_testing", "performance_testing", "expected a mapping")],
    ),
    (
        "no-test-suites",
        "performance_testing:\n  base_urls: {}\n",
        [("test_suites", "performance_testing", "required key 'test_suites' is missing")],
    ),
    (
        "empty-test-suites",
        "performance_testing:\n  test_suites: {}\n",
        [("test_suites", "test_suites", "at least 1 item")],
    ),
    (
        "suite-without-tests",
        HEAD.replace("      tests:\n", "      description: x\n"),
        [("test_suites.s.tests", "    s:", "required key 'tests' is missing")],
    ),
    (
        "empty-tests",
        HEAD.replace("tests:", "tests: []"),
        [("test_suites.s.tests", "tests:", "at least 1")],
    ),
    (
        "unknown-test-key",
        with_tests(LOAD_TEST + "  targt_rps: 5\n"),
        [("test_suites.s.tests[0].targt_rps", "targt_rps", "did you mean 'target_rps'")],
    ),
    (
        "unknown-endpoint-key",
        with_tests(LOAD_TEST + "      methd: POST\n"),
        [("test_suites.s.tests[0].endpoints[0].methd", "methd", "did you mean 'method'")],
    ),
    (
        "unknown-criterion",
        with_tests(LOAD_TEST + "  success_criteria:\n    max_response_time_p96: 5\n"),
        [
            (
                "test_suites.s.tests[0].success_criteria.max_response_time_p96",
                "p96",
                "'max_response_time_p95' or 'max_response_time_p99'",
            )
        ],
    ),
    (
        "bad-test-type",
        with_tests(LOAD_TEST.replace("type: load", "type: lod")),
        [("test_suites.s.tests[0].type", "type: lod", "did you mean 'load'")],
    ),
    (
        "target-rps-not-number",
        with_tests(LOAD_TEST.replace("target_rps: 10", "target_rps: abc")),
        [
            (
                "test_suites.s.tests[0].target_rps",
                "target_rps",
                "expected a number > 0 and <= 1e+07, got 'abc'",
            )
        ],
    ),
    (
        "target-rps-negative",
        with_tests(LOAD_TEST.replace("target_rps: 10", "target_rps: -3")),
        [
            (
                "test_suites.s.tests[0].target_rps",
                "target_rps",
                "expected a number > 0 and <= 1e+07, got -3",
            )
        ],
    ),
    (
        "duration-bad-unit",
        with_tests(LOAD_TEST + "  duration: 10 minutes\n"),
        [("test_suites.s.tests[0].duration", "duration", "expected a duration")],
    ),
    (
        "load-without-target-rps",
        with_tests(LOAD_TEST.replace("  target_rps: 10\n", "")),
        [("test_suites.s.tests[0].target_rps", "- name: t", "needs target_rps")],
    ),
    (
        "unknown-service",
        with_tests(LOAD_TEST.replace("service: svc", "service: hook")),
        [("test_suites.s.tests[0].endpoints[0].service", "service: hook", "base_urls has: svc")],
    ),
    (
        "path-without-slash",
        with_tests(LOAD_TEST + "      path: hooks\n"),
        [("test_suites.s.tests[0].endpoints[0].path", "path: hooks", "starting with '/'")],
    ),
    (
        "bad-method",
        with_tests(LOAD_TEST + "      method: fetch\n"),
        [("test_suites.s.tests[0].endpoints[0].method", "method", "got 'FETCH'")],
    ),
    (
        "error-rate-above-one",
        with_tests(LOAD_TEST + "  success_criteria:\n    max_error_rate: 1.5\n"),
        [("test_suites.s.tests[0].success_criteria.max_error_rate", "max_error", "in [0, 1]")],
    ),
    (
        "stress-max-below-start",
        with_tests(
            LOAD_TEST.replace("type: load", "type: stress") + "  start_rps: 100\n  max_rps: 50\n"
        ),
        [("test_suites.s.tests[0].max_rps", "max_rps", "max_rps > start_rps (100), got 50")],
    ),
    (
        "stress-with-warmup",
        with_tests(LOAD_TEST.replace("type: load", "type: stress") + "  warmup: 10s\n"),
        [("test_suites.s.tests[0].warmup", "warmup: 10s", "a stress test has no warm-up")],
    ),
    (
        "spike-without-spike-rps",
        with_tests(LOAD_TEST.replace("type: load", "type: spike") + "  base_rps: 10\n"),
        [("test_suites.s.tests[0].spike_rps", "- name: t", "needs spike_rps")],
    ),
    (
        "closed-without-concurrency",
        with_tests(LOAD_TEST + "  model: closed\n"),
        [("test_suites.s.tests[0].concurrency", "- name: t", "required when model is 'closed'")],
    ),
    (
        "intelligence-without-cases",
        with_tests("- name: i\n  type: intelligence\n"),
        [
            ("test_suites.s.tests[0].intelligence_tests", "- name: i", "at least 1 case"),
        ],
    ),
    (
        "intelligence-case-bad-type",
        with_tests(
            "- name: i\n  type: intelligence\n  intelligence_tests:\n"
            "    - type: discovery\n      service: svc\n"
        ),
        [("test_suites.s.tests[0].intelligence_tests[0].type", "discovery", "expected one of")],
    ),
    (
        "intelligence-default-service-unknown",
        with_tests(
            "- name: i\n  type: intelligence\n  intelligence_tests:\n    - type: prediction\n"
        ),
        [
            (
                "test_suites.s.tests[0].intelligence_tests[0].service",
                "type: prediction",
                "unknown service 'hook_receiver'",
            )
        ],
    ),
    (
        "unset-env-var",
        with_tests(LOAD_TEST + "      headers: {X-Key: '${NOPE_NOT_SET}'}\n"),
        [("test_suites.s.tests[0].endpoints[0].headers.X-Key", "X-Key", "NOPE_NOT_SET is not set")],
    ),
    (
        "base-url-not-http",
        with_tests(LOAD_TEST).replace("http://127.0.0.1:8001", "ftp://127.0.0.1"),
        [("base_urls.svc", "ftp://", "expected an http(s) URL")],
    ),
    (
        "export-format-unknown",
        with_root("reporting:\n  export_formats: [json, pdf]\n"),
        [("reporting.export_formats[1]", "export_formats", "got 'pdf'")],
    ),
    (
        "duplicate-test-name",
        with_tests(LOAD_TEST + LOAD_TEST.replace("- name: t", "- name: t  # again")),
        [("test_suites.s.tests[1].name", "# again", "duplicate test name 't'")],
    ),
    (
        "body-and-data",
        with_tests(LOAD_TEST + "      data: {a: 1}\n      body: raw\n"),
        [("test_suites.s.tests[0].endpoints[0].body", "body: raw", "exclusive")],
    ),
    (
        "endpoint-neither-service-nor-url",
        with_tests(LOAD_TEST.replace("- service: svc", "- path: /x")),
        [("test_suites.s.tests[0].endpoints[0]", "- path: /x", "got neither")],
    ),
    (
        "collection-interval-zero",
        with_root("monitoring:\n  metrics_collection_interval: 0\n"),
        [("monitoring.metrics_collection_interval", "metrics_collection", "duration > 0")],
    ),
    (
        "resources-port-out-of-range",
        with_root("resources:\n  port: 70000\n"),
        [("resources.port", "port:", "port number in [1, 65535], got 70000")],
    ),
    (
        "payload-uniform-without-max",
        with_tests(LOAD_TEST + "  payload:\n    distribution: uniform\n    min_size: 1KB\n"),
        [("test_suites.s.tests[0].payload.max_size", "payload:", "distribution 'uniform'")],
    ),
    (
        "max-body-bytes-bad-unit",
        with_tests(LOAD_TEST + "  max_body_bytes: 10 parsecs\n"),
        [("test_suites.s.tests[0].max_body_bytes", "max_body_bytes", "expected a size")],
    ),
    (
        "threshold-unknown-metric",
        with_tests(LOAD_TEST + "  thresholds:\n    latncy: ['p(99)<300']\n"),
        [("test_suites.s.tests[0].thresholds.latncy", "latncy", "unknown threshold metric")],
    ),
    (
        "threshold-unknown-endpoint",
        with_tests(LOAD_TEST + "  thresholds:\n    latency{endpoint=nope}: ['p(99)<300']\n"),
        [("test_suites.s.tests[0].thresholds.latency{endpoint=nope}", "nope", "'GET /'")],
    ),
    (
        "duplicate-yaml-key",
        with_tests(LOAD_TEST + "  target_rps: 20  # twice\n"),
        [("test_suites.s.tests[0].target_rps", "# twice", "duplicate key")],
    ),
    (
        "headers-not-mapping",
        with_tests(LOAD_TEST + "      headers: [a, b]\n"),
        [("test_suites.s.tests[0].endpoints[0].headers", "headers", "expected a mapping")],
    ),
    (
        "bool-not-bool",
        with_root("monitoring:\n  resource_monitoring: maybe\n"),
        [("monitoring.resource_monitoring", "resource_monitoring", "expected true or false")],
    ),
    (
        "regression-metric-unknown",
        with_root("regression:\n  metric_thresholds: {p95: 5, p42: 5}\n"),
        [("regression.metric_thresholds.p42", "metric_thresholds", "unknown key 'p42'")],
    ),
    (
        "recursive-alias",
        "performance_testing: &top\n  test_suites: {s: *top}\n",
        [("", "test_suites", "an alias refers to itself")],
    ),
    (
        "required-key-misspelled",
        with_root("resources:\n  prometheus: {url: 'http://127.0.0.1:9090', qury: up}\n"),
        [("resources.prometheus.qury", "qury", "did you mean 'query'")],
    ),
    (
        "workers-not-integer",
        with_tests(LOAD_TEST + "  workers: 1.5\n"),
        [("test_suites.s.tests[0].workers", "workers", "expected an integer in [1, ")],
    ),
]


def line_of(text: str, marker: str | None) -> int:
    if marker is None:
        return 1
    return next(n for n, line in enumerate(text.splitlines(), 1) if marker in line)


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in CASES])
def test_malformed_config_reports_each_problem_on_one_line(
    tmp_path: Path, text: str, expected: list[Expect]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    output = str(info.value).splitlines()
    assert len(output) == len(expected), output
    got = sorted(info.value.problems, key=lambda p: p.path)
    for problem, (key_path, marker, fragment) in zip(
        got, sorted(expected, key=lambda e: e[0]), strict=True
    ):
        assert (problem.path, problem.line) == (key_path, line_of(text, marker)), str(problem)
        assert fragment in str(problem)
        assert str(problem).startswith(f"{path}:{problem.line}: ")


def test_at_least_25_malformed_cases() -> None:
    assert len(CASES) >= 25
    assert len({name for name, _, _ in CASES}) == len(CASES)


MULTI = (
    with_tests(
        """\
- name: a
  type: lod
  targt_rps: 5
  duration: abc
  endpoints:
    - service: nope
      path: x
- name: a
  type: stress
  start_rps: 100
  max_rps: 50
  endpoints: []
"""
    )
    + "  reporting:\n    export_formats: [json, pdf]\n"
)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text(MULTI, "multi.yaml", env={})
    found = {(p.path, p.line) for p in info.value.problems}
    assert found == {
        ("test_suites.s.tests[0].type", 8),
        ("test_suites.s.tests[0].targt_rps", 9),
        ("test_suites.s.tests[0].duration", 10),
        ("test_suites.s.tests[0].endpoints[0].service", 12),
        ("test_suites.s.tests[0].endpoints[0].path", 13),
        ("test_suites.s.tests[1].name", 14),
        ("test_suites.s.tests[1].max_rps", 17),
        ("test_suites.s.tests[1].endpoints", 18),
        ("reporting.export_formats[1]", 20),
    }
    assert [p.line for p in info.value.problems] == sorted(p.line or 0 for p in info.value.problems)


def test_seed_example_validates() -> None:
    config = load_config(EXAMPLE, env={})
    pt = config.performance_testing
    assert sorted(pt.test_suites) == [
        "basic_load",
        "endurance_test",
        "intelligence_performance",
        "stress_test",
    ]
    stress = config.suite("stress_test").tests[0]
    assert (stress.start_rps, stress.max_rps, stress.ramp_duration) == (10, 500, 300)
    cases = config.suite("intelligence_performance").tests[0].intelligence_tests
    assert [c.type for c in cases] == ["pattern_discovery", "event_processing", "prediction"]
    assert pt.reporting.export_formats == ["json", "csv", "html"]
    assert config.source_path == str(EXAMPLE)
    assert config.secret_values == frozenset()


def test_seed_example_is_the_seed_verbatim() -> None:
    name = "seed/000_763c4e16334a2336.txt"
    # shared/ sits beside the checkout (CI lays a copy there), or at /work/shared
    candidates = [
        Path(__file__).resolve().parents[3] / "shared" / name,
        Path("/work/shared") / name,
    ]
    seed = next((c for c in candidates if c.exists()), candidates[0])
    assert EXAMPLE.read_text() in seed.read_text()


def test_unknown_suite_lists_the_suites() -> None:
    config = load_config(EXAMPLE, env={})
    with pytest.raises(UsageError, match="basic_load, endurance_test, intelligence_perf"):
        config.suite("nope")


def test_defaults_and_units() -> None:
    text = with_tests(
        LOAD_TEST
        + "      method: post\n  duration: 1h30m\n  timeout: 250ms\n  max_body_bytes: 64KB\n"
    )
    test = load_config_text(text, env={}).suite("s").tests[0]
    assert (test.duration, test.timeout, test.max_body_bytes) == (5400.0, 0.25, 64_000)
    assert test.endpoints[0].name == "POST /"
    assert test.endpoints[0].full_url({"svc": "http://127.0.0.1:8001/"}) == "http://127.0.0.1:8001/"
    assert (test.recovery_time, test.model, test.workers) == (30.0, "open", 1)


def test_line_of_key_path() -> None:
    config = load_config(EXAMPLE, env={})
    text = EXAMPLE.read_text()
    target = "test_suites.basic_load.tests[1].target_rps"
    assert config.line_of(target) == line_of(text, "target_rps: 50")


def test_config_is_frozen() -> None:
    config = load_config(EXAMPLE, env={})
    with pytest.raises(ValueError, match="frozen"):
        config.suite("basic_load").tests[0].target_rps = 5  # type: ignore[misc]
    assert isinstance(config, Config)


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        pytest.param(
            Problem("f.yaml", 3, "a.b", "bad", "hint"), "f.yaml:3: a.b: bad (hint)", id="full"
        ),
        pytest.param(Problem("f.yaml", None, "", "gone"), "f.yaml: gone", id="no-line"),
    ],
)
def test_problem_line_format(problem: Problem, text: str) -> None:
    assert str(problem) == text


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_full_example_validates_with_every_test_type() -> None:
    path = EXAMPLE.with_name("all_test_types.yaml")
    config = load_config(path, env={"BRIDGE_TOKEN": "tok-9f"})
    tests = config.suite("quick").tests
    assert sorted({t.type for t in tests}) == sorted(
        ["load", "stress", "spike", "volume", "endurance", "intelligence"]
    )
    assert config.secret_values == frozenset({"tok-9f"})
    assert "tok-9f" not in repr(config)
    closed = next(t for t in tests if t.model == "closed")
    assert (closed.concurrency, closed.think_time) == (20, 0.1)


ANCHORS = HEAD + textwrap.indent(
    """\
- &base
  name: a
  type: load
  target_rps: 10
  endpoints: [{service: svc}]
- <<: *base
  name: b
  target_rps: oops
""",
    " " * 8,
)


def test_merge_keys_are_not_duplicates_and_overrides_are_located() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text(ANCHORS, "anchors.yaml", env={})
    assert [(p.path, p.line) for p in info.value.problems] == [
        ("test_suites.s.tests[1].target_rps", line_of(ANCHORS, "oops"))
    ]


def test_single_threshold_expression_becomes_a_list() -> None:
    text = with_tests(
        LOAD_TEST + "  thresholds: {latency: 'p(99)<300'}\n  abort_on: 'p95>1s for 5s'\n"
    )
    test = load_config_text(text, env={}).suite("s").tests[0]
    assert (test.thresholds, test.abort_on) == ({"latency": ["p(99)<300"]}, ["p95>1s for 5s"])


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    text = "\n".join([*lines, "performance_testing: {test_suites: *a8}"]) + "\n"
    with pytest.raises(ConfigError, match="aliases expand to more than"):
        load_config_text(text, "bomb.yaml", env={})
