"""The production monitor's YAML config: a frozen pydantic model, loaded with line numbers.

The file's root holds ``production_monitoring:`` (a ``performance_testing:`` sibling is
tolerated so one file can serve both tools). Unknown keys are errors. Every problem is
reported at once as a :class:`~omninode_bridge.errors.Problem` with its key path and line.

PromQL templates take ``{selector}`` (``service=~"a|b"`` built from ``services``),
``{selector_errors}`` (the same plus ``status=~"5.."``), ``{job_selector}`` (``job=~"a|b"``,
for ``process_*`` and intelligence metrics, which carry no ``service`` label: name the
scrape jobs after the services) and ``{window}`` (the rate window). SLO queries take
``{service}`` and ``{window}``, with literal braces doubled.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from omninode_bridge.config.yamlsource import format_path
from omninode_bridge.errors import ConfigError, Problem

_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d|w)$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def duration_seconds(text: str) -> float:
    """Seconds in a Prometheus duration such as ``10s``, ``5m`` or ``3d``."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r} (use e.g. 10s, 5m, 1h, 3d)")
    return int(match.group(1)) * _UNIT_S[match.group(2)]


def _check_duration(value: str) -> str:
    duration_seconds(value)
    return value


Duration = Annotated[str, AfterValidator(_check_duration)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PrometheusSettings(_Model):
    url: str
    timeout_s: float = Field(default=5.0, gt=0)
    backoff_initial_s: float = Field(default=1.0, gt=0)
    backoff_max_s: float = Field(default=300.0, gt=0)


class AlertmanagerSettings(_Model):
    url: str | None = None
    webhook: str | None = None
    timeout_s: float = Field(default=5.0, gt=0)
    resend_interval_s: float = Field(default=60.0, gt=0)


class Queries(_Model):
    """PromQL per metric; the defaults fit the reference services' ``/metrics``."""

    p95: str = (
        "histogram_quantile(0.95, sum by (service, method, route, le) "
        "(rate(http_request_duration_seconds_bucket{selector}[{window}]))) * 1000"
    )
    throughput: str = (
        "sum by (service, method, route) (rate(http_requests_total{selector}[{window}]))"
    )
    error_rate: str = (
        "(sum by (service, method, route) (rate(http_requests_total{selector_errors}[{window}])) "
        "or sum by (service, method, route) (rate(http_requests_total{selector}[{window}])) * 0) "
        "/ sum by (service, method, route) (rate(http_requests_total{selector}[{window}]))"
    )
    cpu_percent: str = (
        "sum by (job) (rate(process_cpu_seconds_total{job_selector}[{window}])) * 100"
    )
    memory_mb: str = "sum by (job) (process_resident_memory_bytes{job_selector}) / 1048576"
    pattern_discovery_s: str = (
        "sum by (job) (rate(omninode_pattern_discovery_seconds_sum{job_selector}[{window}])) "
        "/ sum by (job) (rate(omninode_pattern_discovery_seconds_count{job_selector}[{window}]))"
    )
    event_processing_s: str = (
        "sum by (job) (rate(omninode_event_processing_seconds_sum{job_selector}[{window}])) "
        "/ sum by (job) (rate(omninode_event_processing_seconds_count{job_selector}[{window}]))"
    )
    health: str = "up{job_selector}"


class Thresholds(_Model):
    p95_baseline_factor: float = Field(default=1.5, gt=1.0)
    pattern_discovery_s: float = Field(default=10.0, gt=0)
    event_processing_s: float = Field(default=1.0, gt=0)
    error_rate: float | None = Field(default=0.05, ge=0, le=1)
    throughput_min_baseline_factor: float | None = Field(default=None, gt=0, lt=1)
    cpu_percent: float | None = Field(default=None, gt=0)
    memory_mb: float | None = Field(default=None, gt=0)


class Intervals(_Model):
    response_times_s: float = Field(default=60.0, gt=0)
    throughput_s: float = Field(default=60.0, gt=0)
    error_rates_s: float = Field(default=60.0, gt=0)
    resource_usage_s: float = Field(default=60.0, gt=0)
    intelligence_s: float = Field(default=300.0, gt=0)
    regression_s: float = Field(default=3600.0, gt=0)
    slo_s: float = Field(default=60.0, gt=0)
    health_s: float = Field(default=30.0, gt=0)


class RegressionSettings(_Model):
    enabled: bool = True
    window: Duration = "24h"
    offset: Duration = "24h"
    step: Duration = "5m"
    p_value: float = Field(default=0.05, gt=0, lt=1)
    min_degradation_percent: float = Field(default=10.0, ge=0)
    min_samples: int = Field(default=10, ge=3)
    update_baseline: bool = True


class BurnWindowSettings(_Model):
    severity: Literal["page", "ticket"]
    factor: float = Field(gt=0)
    long: Duration
    short: Duration


DEFAULT_BURN_WINDOWS = (
    BurnWindowSettings(severity="page", factor=14.4, long="1h", short="5m"),
    BurnWindowSettings(severity="page", factor=6.0, long="6h", short="30m"),
    BurnWindowSettings(severity="ticket", factor=1.0, long="3d", short="6h"),
)


class SloSettings(_Model):
    name: str = "availability"
    service: str = "hook_receiver"
    objective: float = Field(default=0.999, gt=0, lt=1)
    errors: str = 'sum(rate(http_requests_total{{service="{service}",status=~"5.."}}[{window}]))'
    total: str = 'sum(rate(http_requests_total{{service="{service}"}}[{window}]))'
    windows: tuple[BurnWindowSettings, ...] = DEFAULT_BURN_WINDOWS

    def query(self, which: Literal["errors", "total"], window: str) -> str:
        template = self.errors if which == "errors" else self.total
        return template.format(service=self.service, window=window)


class SelfMetrics(_Model):
    host: str = "127.0.0.1"
    port: int | None = Field(default=None, ge=0, le=65535)


class MonitorConfig(_Model):
    prometheus: PrometheusSettings
    alertmanager: AlertmanagerSettings = AlertmanagerSettings()
    services: tuple[str, ...] = ("hook_receiver", "tool_proxy", "service_registry")
    endpoints: tuple[str, ...] = ()
    window: Duration = "5m"
    queries: Queries = Queries()
    thresholds: Thresholds = Thresholds()
    intervals: Intervals = Intervals()
    regression: RegressionSettings = RegressionSettings()
    slos: tuple[SloSettings, ...] = (SloSettings(),)
    baseline_file: Path = Path("monitor_baseline.json")
    learn_missing_baselines: bool = True
    alert_log: Path = Path("monitor_alerts.jsonl")
    self_metrics: SelfMetrics = SelfMetrics()

    def selector(self, label: str = "service", errors: bool = False) -> str:
        """Label matchers for the watched services (and 5xx statuses when ``errors``)."""
        parts = [f'{label}=~"{"|".join(re.escape(s) for s in self.services)}"']
        if errors:
            parts.append('status=~"5.."')
        return "{" + ",".join(parts) + "}"

    def promql(self, template: str, window: str | None = None) -> str:
        """Fill ``{selector}``, ``{selector_errors}``, ``{job_selector}`` and ``{window}``."""
        return (
            template.replace("{selector_errors}", self.selector(errors=True))
            .replace("{selector}", self.selector())
            .replace("{job_selector}", self.selector("job"))
            .replace("{window}", window or self.window)
        )


class _File(_Model):
    production_monitoring: MonitorConfig
    performance_testing: Any = None


def load_config(path: str | os.PathLike[str]) -> MonitorConfig:
    """Read, interpolate and validate a monitor config; raise ConfigError with every problem."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([Problem(file, None, "", f"cannot read: {exc.strerror}")]) from exc
    return parse_config(text, file)


def parse_config(text: str, file: str = "<config>") -> MonitorConfig:
    try:
        node = yaml.compose(_interpolate(text, file))
        data = yaml.safe_load(_interpolate(text, file))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError([Problem(file, line, "", f"invalid YAML: {what}")]) from exc
    if not isinstance(data, dict):
        raise ConfigError([Problem(file, 1, "", "expected a mapping with production_monitoring:")])
    try:
        return _File.model_validate(data).production_monitoring
    except ValidationError as exc:
        raise ConfigError(_problems(exc, node, file)) from exc


def _interpolate(text: str, file: str) -> str:
    missing: list[Problem] = []

    def repl(match: re.Match[str]) -> str:
        value = os.environ.get(match.group(1), match.group(2))
        if value is None:
            line = text.count("\n", 0, match.start()) + 1
            missing.append(Problem(file, line, "", f"environment variable {match.group(1)} unset"))
            return ""
        return value

    out = _ENV.sub(repl, text)
    if missing:
        raise ConfigError(missing)
    return out


def _problems(exc: ValidationError, root: yaml.Node | None, file: str) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        path = format_path(tuple(loc))
        message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        problems.append(Problem(file, _line_of(root, loc), path, message))
    return problems


def _line_of(node: yaml.Node | None, loc: list[int | str]) -> int | None:
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        node = _child(node, part)
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _child(node: yaml.Node | None, key: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                found: yaml.Node = v if not isinstance(v, yaml.ScalarNode) else k
                return found
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        child: yaml.Node = node.value[key]
        return child
    return None
