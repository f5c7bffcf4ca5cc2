"""Prometheus recording and alerting rules equivalent to the monitor's checks.

``omninode-perf monitor rules [F] > rules.yml`` prints them; ``promtool check rules`` accepts
the output. Recording rules precompute the per-endpoint p95, throughput and error ratio, the
intelligence means, and each SLO's error ratio over every burn-rate window. Alerting rules
mirror the seed rules and the multi-window, multi-burn-rate SLO alerts (SRE Workbook):
``(long > f·budget and short > f·budget) or …`` per severity. The baseline rule is emitted
per endpoint that has a ``p95_response_time`` in the baseline file.
"""

from __future__ import annotations

from typing import Any

import yaml

from omninode_bridge.monitoring.baseline import BaselineStore
from omninode_bridge.monitoring.burnrate import windows_needed
from omninode_bridge.monitoring.config import MonitorConfig, SloSettings

Rule = dict[str, Any]
SLO_RATIO = "slo:sli_error:ratio_rate{window}"


def _record(name: str, expr: str, labels: dict[str, str] | None = None) -> Rule:
    rule: Rule = {"record": name, "expr": expr}
    if labels:
        rule["labels"] = dict(labels)  # a copy each time: no YAML anchors in the output
    return rule


def _alert(name: str, expr: str, severity: str, metric: str, summary: str, **labels: str) -> Rule:
    rule: Rule = {"alert": name, "expr": expr}
    if severity in ("warning", "critical"):
        rule["for"] = "1m"  # burn-rate alerts need none: their short window does that job
    rule["labels"] = {"severity": severity, "metric": metric} | labels
    rule["annotations"] = {"summary": summary}
    return rule


def recording_rules(config: MonitorConfig) -> list[Rule]:
    q, w = config.queries, config.window
    names = {
        f"endpoint:omninode_p95_response_time_ms:rate{w}": q.p95,
        f"endpoint:omninode_throughput_rps:rate{w}": q.throughput,
        f"endpoint:omninode_error_ratio:rate{w}": q.error_rate,
        f"job:omninode_pattern_discovery_seconds:mean{w}": q.pattern_discovery_s,
        f"job:omninode_event_processing_seconds:mean{w}": q.event_processing_s,
    }
    rules = [_record(name, config.promql(template)) for name, template in names.items()]
    for slo in config.slos:
        rules += _slo_records(slo)
    return rules


def _slo_records(slo: SloSettings) -> list[Rule]:
    labels = {"slo": slo.name, "service": slo.service}
    return [
        _record(
            SLO_RATIO.format(window=window),
            f"({slo.query('errors', window)}) / ({slo.query('total', window)})",
            labels,
        )
        for window in windows_needed(slo.windows)
    ]


def alerting_rules(config: MonitorConfig, baselines: BaselineStore | None = None) -> list[Rule]:
    t, w = config.thresholds, config.window
    rules = [
        _alert("PatternDiscoverySlow", f"job:omninode_pattern_discovery_seconds:mean{w} > "
               f"{t.pattern_discovery_s:g}", "warning", "pattern_discovery_time",
               "Pattern discovery time {{ $value | humanize }}s on {{ $labels.job }}"),
        _alert("EventProcessingSlow", f"job:omninode_event_processing_seconds:mean{w} > "
               f"{t.event_processing_s:g}", "critical", "event_processing_latency",
               "Event processing latency {{ $value | humanize }}s on {{ $labels.job }}"),
    ]  # fmt: skip
    if t.error_rate is not None:
        rules.append(
            _alert("HighErrorRate", f"endpoint:omninode_error_ratio:rate{w} > {t.error_rate:g}",
                   "warning", "error_rate", "Error rate {{ $value | humanizePercentage }} on "
                   "{{ $labels.service }} {{ $labels.method }} {{ $labels.route }}")
        )  # fmt: skip
    if baselines is not None:
        rules += _baseline_rules(config, baselines)
    for slo in config.slos:
        rules += _burn_rules(slo)
    return rules


def _baseline_rules(config: MonitorConfig, baselines: BaselineStore) -> list[Rule]:
    rules = []
    factor = config.thresholds.p95_baseline_factor
    for key, base in sorted(baselines.values("p95_response_time").items()):
        parts = key.split(" ", 2)
        if len(parts) != 3:
            continue
        sel = f'{{service="{parts[0]}",method="{parts[1]}",route="{parts[2]}"}}'
        expr = (
            f"endpoint:omninode_p95_response_time_ms:rate{config.window}{sel} > {factor * base:g}"
        )
        summary = f"Endpoint {key} P95 {{{{ $value | humanize }}}}ms > {factor:g} x {base:.1f}ms"
        rules.append(
            _alert("ResponseTimeDegradation", expr, "warning", "p95_response_time", summary)
        )
    return rules


def _burn_rules(slo: SloSettings) -> list[Rule]:
    budget = 1.0 - slo.objective
    sel = f'{{slo="{slo.name}"}}'
    rules = []
    for severity in ("page", "ticket"):
        pairs = [
            f"({SLO_RATIO.format(window=w.long)}{sel} > ({w.factor:g} * {budget:g}) and "
            f"{SLO_RATIO.format(window=w.short)}{sel} > ({w.factor:g} * {budget:g}))"
            for w in slo.windows
            if w.severity == severity
        ]
        if pairs:
            summary = f"SLO {slo.name} of {slo.service}: error budget burning too fast ({severity})"
            rules.append(
                _alert("ErrorBudgetBurn", " or ".join(pairs), severity, f"slo:{slo.name}",
                       summary, service=slo.service)
            )  # fmt: skip
    return rules


def rules_document(config: MonitorConfig, baselines: BaselineStore | None = None) -> dict[str, Any]:
    return {
        "groups": [
            {"name": "omninode_perf_recording", "rules": recording_rules(config)},
            {"name": "omninode_perf_alerts", "rules": alerting_rules(config, baselines)},
        ]
    }


def render_rules(config: MonitorConfig, baselines: BaselineStore | None = None) -> str:
    doc = rules_document(config, baselines)
    return yaml.safe_dump(doc, sort_keys=False, width=1000)
