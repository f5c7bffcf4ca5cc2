"""Monitor config: defaults, overrides, and one located problem per mistake."""

from __future__ import annotations

import pytest

from omninode_bridge.errors import ConfigError
from omninode_bridge.monitoring.config import duration_seconds, load_config, parse_config

GOOD = """\
production_monitoring:
  prometheus:
    url: http://127.0.0.1:9090
  services: [hook_receiver]
  window: 10s
"""


def test_defaults_fit_the_reference_services() -> None:
    config = parse_config(GOOD)
    p95 = config.promql(config.queries.p95)
    assert 'http_request_duration_seconds_bucket{service=~"hook_receiver"}[10s]' in p95
    assert "histogram_quantile(0.95" in p95
    assert config.thresholds.p95_baseline_factor == 1.5
    assert config.thresholds.pattern_discovery_s == 10
    assert config.thresholds.event_processing_s == 1
    assert [(w.factor, w.long, w.short) for w in config.slos[0].windows] == [
        (14.4, "1h", "5m"), (6.0, "6h", "30m"), (1.0, "3d", "6h"),
    ]  # fmt: skip


BAD = [
    ("unknown-key", GOOD + "  colour: red\n", "production_monitoring.colour", 6, "unknown key"),
    ("bad-duration", GOOD.replace("10s", "10 sec"), "production_monitoring.window", 5, "duration"),
    ("bad-type", GOOD + "  thresholds: {p95_baseline_factor: lots}\n",
     "production_monitoring.thresholds.p95_baseline_factor", 6, "number"),
    ("factor-too-low", GOOD + "  thresholds: {p95_baseline_factor: 0.5}\n",
     "production_monitoring.thresholds.p95_baseline_factor", 6, "greater than 1"),
    ("missing-url", "production_monitoring:\n  prometheus: {}\n",
     "production_monitoring.prometheus.url", 2, "required"),
    ("bad-burn-window",
     GOOD + "  slos:\n  - windows:\n    - {severity: page, factor: 2, long: 1h, short: x}\n",
     "production_monitoring.slos[0].windows[0].short", 8, "duration"),
    ("unset-env", GOOD.replace("9090", "${NO_SUCH_PORT_VAR}"), "", 3, "NO_SUCH_PORT_VAR"),
    ("invalid-yaml", GOOD + "  services: [\n", "", 7, "invalid YAML"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "path", "line", "words"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_problems_name_key_path_and_line(text: str, path: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "m.yaml")
    problem = info.value.problems[0]
    assert (problem.path, problem.line) == (path, line), str(problem)
    assert words in str(problem)
    assert "\n" not in str(problem)


def test_every_problem_reported_at_once() -> None:
    text = GOOD + "  colour: red\n  thresholds: {error_rate: 7}\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, "m.yaml")
    assert {p.path for p in info.value.problems} == {
        "production_monitoring.colour", "production_monitoring.thresholds.error_rate",
    }  # fmt: skip


def test_env_interpolation_and_missing_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PROM_PORT", "9999")
    path = tmp_path / "m.yaml"
    path.write_text(GOOD.replace("9090", "${PROM_PORT}"))
    assert load_config(path).prometheus.url == "http://127.0.0.1:9999"
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("text", "seconds"), [("250ms", 0.25), ("10s", 10), ("5m", 300), ("1h", 3600), ("3d", 259200)],
    ids=["ms", "s", "m", "h", "d"],
)  # fmt: skip
def test_durations(text: str, seconds: float) -> None:
    assert duration_seconds(text) == seconds


def test_example_config_loads() -> None:
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    config = load_config(root / "examples" / "monitoring_config.yaml")
    assert config.slos[0].objective == 0.999
