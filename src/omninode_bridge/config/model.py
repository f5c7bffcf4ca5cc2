"""The typed, frozen config model: the seed's YAML format, plus the keys of issues 2, 3, 5, 7.

Every model forbids unknown keys. Field names are a contract that the plan, engine,
scenarios, analysis and regression layers code against. Cross-field rules that need the
whole document (a service must be a key of ``base_urls``, a stress test needs
``max_rps > start_rps``, ...) live in ``checks.py`` so that they run even when some other
field failed to validate, and every problem is reported at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omninode_bridge.config.fields import (
    Duration,
    Fraction,
    HttpMethod,
    HttpUrl,
    Int,
    NonNegFloat,
    NonNegRate,
    OptCpuPercent,
    OptFraction,
    OptHttpUrl,
    OptNonNegFloat,
    OptPositiveDuration,
    OptPositiveInt,
    OptRate,
    OptSize,
    Port,
    PositiveDuration,
    PositiveFloat,
    PositiveInt,
    Rate,
    Size,
    StringList,
    UrlPath,
    Workers,
)
from omninode_bridge.config.secrets import mask_secrets
from omninode_bridge.errors import UsageError

TestType = Literal["load", "stress", "spike", "volume", "endurance", "intelligence"]
ExportFormat = Literal["json", "csv", "html", "junit", "markdown", "png"]
RegressionMetric = Literal["p50", "p90", "p95", "p99", "throughput", "error_rate"]
IntelligenceCaseType = Literal[
    "pattern_discovery", "event_processing", "prediction", "learning_update"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class MonitoringConfig(_Model):
    metrics_collection_interval: PositiveDuration = 1.0
    resource_monitoring: bool = True
    custom_metrics: bool = True


def _default_formats() -> list[ExportFormat]:
    return ["json"]


class ReportingConfig(_Model):
    generate_charts: bool = True
    save_raw_data: bool = True
    export_formats: list[ExportFormat] = Field(default_factory=_default_formats)


class RegressionConfig(_Model):
    threshold: PositiveFloat = 10.0
    metric_thresholds: dict[RegressionMetric, PositiveFloat] = Field(default_factory=dict)
    confidence: Fraction = 0.95
    history_url: str | None = None


class PrometheusSource(_Model):
    url: HttpUrl
    query: str


class ResourcesConfig(_Model):
    pid: OptPositiveInt = None
    port: Port = "auto"
    process_name: str | None = None
    prometheus: PrometheusSource | None = None
    interval: OptPositiveDuration = None


def default_endpoint_name(data: Mapping[str, Any]) -> str:
    """``"POST /hooks"``: the method and the path (or the absolute ``url``)."""
    method = data.get("method", "GET")
    method = method.upper() if isinstance(method, str) else method
    return f"{method} {data.get('url') or data.get('path', '/')}"


class Endpoint(_Model):
    service: str | None = None
    url: OptHttpUrl = None
    path: UrlPath = "/"
    method: HttpMethod = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    data: Any = None
    body: str | None = None
    weight: PositiveFloat = 1.0
    name: str = ""

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("name") is None:
            return {**data, "name": default_endpoint_name(data)}
        return data

    def full_url(self, base_urls: Mapping[str, str]) -> str:
        """The absolute URL of this endpoint: ``url``, or the service's base URL + ``path``."""
        if self.url is not None:
            return self.url
        base = base_urls[self.service or ""]
        return base.rstrip("/") + self.path


class IntelligenceCriteria(_Model):
    max_pattern_discovery_time: OptNonNegFloat = None
    max_event_processing_time: OptNonNegFloat = None
    min_pattern_recall: OptFraction = None
    min_pattern_precision: OptFraction = None
    max_prediction_time_p95: OptNonNegFloat = None
    min_prediction_accuracy: OptFraction = None
    max_events_to_accuracy: OptNonNegFloat = None


class SuccessCriteria(_Model):
    max_response_time_p95: OptNonNegFloat = None
    max_response_time_p99: OptNonNegFloat = None
    max_response_time_p50: OptNonNegFloat = None
    min_throughput: OptNonNegFloat = None
    max_error_rate: OptFraction = None
    max_cpu_usage: OptCpuPercent = None
    max_memory_growth: OptNonNegFloat = None
    intelligence: IntelligenceCriteria | None = None


class IntelligencePaths(_Model):
    hooks: UrlPath = "/hooks"
    patterns: UrlPath = "/patterns"
    events: UrlPath = "/events"
    predict: UrlPath = "/predict"
    learn: UrlPath = "/learn"
    model_stats: UrlPath = "/model/stats"


class IntelligenceCase(_Model):
    type: IntelligenceCaseType
    event_count: PositiveInt = 1000
    prediction_count: PositiveInt = 100
    rate: Rate = 500.0
    seed: Int = 42
    timeout: PositiveDuration = 30.0
    poll_interval: PositiveDuration = 0.05
    block_size: PositiveInt = 100
    target_accuracy: Fraction = 0.8
    noise_ratio: Fraction = 0.3
    pattern_count: PositiveInt = 5
    service: str = "hook_receiver"
    paths: IntelligencePaths = Field(default_factory=IntelligencePaths)


class PayloadConfig(_Model):
    size: OptSize = None
    distribution: Literal["fixed", "uniform", "lognormal"] = "fixed"
    min_size: OptSize = None
    max_size: OptSize = None
    mean_size: OptSize = None
    content_type: str = "application/json"
    field: str = "payload"


class PreloadConfig(_Model):
    count: PositiveInt
    endpoint: Endpoint
    rate: OptRate = None


class TestConfig(_Model):
    __test__ = False  # not a pytest test class, despite the name

    name: str
    type: TestType
    duration: Duration = 60.0
    recovery_time: Duration = 30.0
    target_rps: OptRate = None
    endpoints: list[Endpoint] = Field(default_factory=list)
    success_criteria: SuccessCriteria = Field(default_factory=SuccessCriteria)
    # stress
    start_rps: NonNegRate = 10.0
    max_rps: Rate = 1000.0
    ramp_duration: Duration = 300.0
    hold_duration: Duration = 60.0
    window: PositiveDuration = 5.0
    # spike
    base_rps: OptRate = None
    spike_rps: OptRate = None
    spike_duration: Duration = 10.0
    pre_duration: Duration = 30.0
    post_duration: Duration = 60.0
    recovery_tolerance: NonNegFloat = 0.2
    # volume
    payload: PayloadConfig | None = None
    preload: PreloadConfig | None = None
    # load model
    model: Literal["open", "closed"] = "open"
    concurrency: OptPositiveInt = None
    think_time: Duration = 0.0
    # engine
    connections: OptPositiveInt = None
    timeout: PositiveDuration = 30.0
    workers: Workers = 1
    max_body_bytes: Size = 10 * 1024 * 1024
    insecure_tls: bool = False
    warmup: Duration = 0.0
    # resources and criteria beyond the seed
    resources: ResourcesConfig | None = None
    thresholds: dict[str, StringList] = Field(default_factory=dict)
    abort_on: StringList = Field(default_factory=list)
    # intelligence
    intelligence_tests: list[IntelligenceCase] = Field(default_factory=list)


class Suite(_Model):
    description: str = ""
    tests: list[TestConfig] = Field(min_length=1)
    resources: ResourcesConfig | None = None


class PerformanceTesting(_Model):
    base_urls: dict[str, HttpUrl] = Field(default_factory=dict)
    test_suites: dict[str, Suite] = Field(min_length=1)
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)
    reporting: ReportingConfig = Field(default_factory=ReportingConfig)
    resources: ResourcesConfig | None = None
    regression: RegressionConfig | None = None


class Config(BaseModel):
    """A loaded config: the validated document plus where it came from.

    ``secret_values`` holds every value interpolated from the environment; pass it to
    ``mask_secrets`` before writing anything out. It is excluded from ``model_dump``.
    """

    model_config = ConfigDict(frozen=True)

    performance_testing: PerformanceTesting
    source_path: str = "<string>"
    secret_values: frozenset[str] = Field(default=frozenset(), exclude=True, repr=False)
    key_lines: dict[str, int] = Field(default_factory=dict, exclude=True, repr=False)

    def suite(self, name: str) -> Suite:
        suites = self.performance_testing.test_suites
        if name not in suites:
            there = ", ".join(sorted(suites))
            raise UsageError(f"{self.source_path}: unknown suite {name!r}; suites: {there}")
        return suites[name]

    def __repr__(self) -> str:
        # A config printed into a log must not leak what came from the environment.
        text: str = mask_secrets(super().__repr__(), self.secret_values)
        return text

    def __str__(self) -> str:
        return self.__repr__()

    def line_of(self, path: str) -> int | None:
        """The YAML line of a key path such as ``test_suites.x.tests[0].thresholds``."""
        return self.key_lines.get(path)
