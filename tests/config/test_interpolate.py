"""``${ENV}`` interpolation and the masking of values that came from the environment."""

from __future__ import annotations

import json
import textwrap

import pytest

from omninode_bridge.config import MASK, load_config_text, mask_secrets
from omninode_bridge.config.interpolate import interpolate
from omninode_bridge.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        pytest.param("${A}", {"A": "x"}, "x", id="plain"),
        pytest.param("Bearer ${TOKEN}", {"TOKEN": "t0k"}, "Bearer t0k", id="embedded"),
        pytest.param("${A:-dflt}", {}, "dflt", id="default-when-unset"),
        pytest.param("${A:-dflt}", {"A": ""}, "dflt", id="default-when-empty"),
        pytest.param("${A:-dflt}", {"A": "set"}, "set", id="set-beats-default"),
        pytest.param("${A:-}", {}, "", id="empty-default"),
        pytest.param("${A:-http://h:1/x}", {}, "http://h:1/x", id="default-with-colons"),
        pytest.param("${A}-${B}", {"A": "1", "B": "2"}, "1-2", id="two-references"),
        pytest.param("$${A}", {"A": "x"}, "${A}", id="escaped"),
        pytest.param("cost $5", {}, "cost $5", id="lone-dollar"),
        pytest.param("{{seq}}", {}, "{{seq}}", id="request-placeholder-untouched"),
    ],
)
def test_interpolate_string(text: str, env: dict[str, str], expected: str) -> None:
    value, result = interpolate({"k": [text]}, env)
    assert value == {"k": [expected]}
    assert result.errors == []


@pytest.mark.parametrize(
    ("text", "env", "fragment"),
    [
        pytest.param("${MISSING}", {}, "MISSING is not set", id="unset"),
        pytest.param("${EMPTY}", {"EMPTY": ""}, "EMPTY is empty", id="empty"),
        pytest.param("${}", {}, "malformed reference", id="no-name"),
        pytest.param("${A", {"A": "x"}, "malformed reference", id="unclosed"),
        pytest.param("${1A}", {}, "malformed reference", id="bad-name"),
    ],
)
def test_interpolate_errors_name_variable_and_path(
    text: str, env: dict[str, str], fragment: str
) -> None:
    _, result = interpolate({"a": {"b": [1, text]}}, env)
    assert [(path, fragment in msg) for path, msg in result.errors] == [(("a", "b", 1), True)]


def test_only_environment_values_are_secrets() -> None:
    data = {"h": "Bearer ${TOKEN}", "u": "${URL:-http://127.0.0.1:1}", "e": "${E:-}"}
    _, result = interpolate(data, {"TOKEN": "s3cr3t", "E": ""})
    assert result.secrets == {"s3cr3t"}


CONFIG = textwrap.dedent(
    """\
    performance_testing:
      base_urls:
        svc: "${BASE_URL:-http://127.0.0.1:8001}"
      test_suites:
        s:
          tests:
            - name: t
              type: load
              target_rps: "${RPS:-50}"
              endpoints:
                - service: svc
                  headers:
                    Authorization: "Bearer ${API_TOKEN}"
    """
)


def test_config_interpolates_and_validates_env_values() -> None:
    config = load_config_text(CONFIG, "c.yaml", env={"API_TOKEN": "tok-123", "RPS": "75"})
    test = config.suite("s").tests[0]
    assert test.target_rps == 75.0
    assert test.endpoints[0].headers["Authorization"] == "Bearer tok-123"
    assert config.performance_testing.base_urls["svc"] == "http://127.0.0.1:8001"
    assert config.secret_values == frozenset({"tok-123", "75"})


def test_config_unset_variable_is_one_located_problem() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text(CONFIG, "c.yaml", env={})
    lines = str(info.value).splitlines()
    assert lines == [
        "c.yaml:13: test_suites.s.tests[0].endpoints[0].headers.Authorization: "
        "environment variable API_TOKEN is not set (no default)"
    ]


def test_secrets_never_reach_dumped_config() -> None:
    config = load_config_text(CONFIG, "c.yaml", env={"API_TOKEN": "tok-123"})
    dumped = json.dumps(mask_secrets(config.performance_testing, config.secret_values))
    assert "tok-123" not in dumped
    assert f"Bearer {MASK}" in dumped
    assert "secret_values" not in config.model_dump()
    assert "tok-123" not in repr(config)


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param("x-abc-x", f"x-{MASK}-x", id="substring"),
        pytest.param({"abc": ["abc", 1, None]}, {MASK: [MASK, 1, None]}, id="keys-and-lists"),
        pytest.param(("abcdef", 2.5), (MASK, 2.5), id="tuple-longest-first"),
        pytest.param({"n": 123}, {"n": 123}, id="numbers-kept"),
    ],
)
def test_mask_secrets(obj: object, expected: object) -> None:
    assert mask_secrets(obj, ["abc", "abcdef", ""]) == expected


def test_mask_secrets_is_a_copy() -> None:
    original = {"a": ["abc"]}
    masked = mask_secrets(original, {"abc"})
    assert original == {"a": ["abc"]}
    assert masked == {"a": [MASK]}


def test_invalid_env_value_is_masked_in_the_problem() -> None:
    env = {"API_TOKEN": "tok-123", "RPS": "lots-of-tok-123", "BASE_URL": "ftp://s3cret-host"}
    with pytest.raises(ConfigError) as info:
        load_config_text(CONFIG, "c.yaml", env=env)
    text = str(info.value)
    assert "s3cret-host" not in text and "tok-123" not in text
    assert [p.path for p in info.value.problems] == [
        "base_urls.svc",
        "test_suites.s.tests[0].target_rps",
    ]
    assert f"got '{MASK}'" in text
