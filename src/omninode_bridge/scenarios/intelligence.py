"""The ``intelligence`` test type: runs a test's ``intelligence_tests`` cases and judges them.

Owns the public entry ``run_intelligence_test`` and the pooling of the cases' samples into
``custom_metrics.intelligence`` (the seed's six names plus the new figures; see
docs/intelligence.md). Cases run one after another against ``base_urls[case.service]``;
each uses its own random namespace of service names, so runs never see each other's events.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from omninode_bridge.config.model import IntelligenceCase, TestConfig
from omninode_bridge.scenarios import intel_criteria
from omninode_bridge.scenarios import intel_metrics as im
from omninode_bridge.scenarios.intel_cases import CASES, CaseContext, CaseResult
from omninode_bridge.scenarios.intel_client import (
    DEFAULT_PATHS,
    Counters,
    EndpointMissing,
    IntelClient,
)

__all__ = ["IntelligenceOutcome", "run_intelligence_test"]


@dataclass
class IntelligenceOutcome:
    intelligence: dict[str, Any]
    criteria: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    error_count: int = 0
    duration_s: float = 0.0
    recommendations: list[str] = field(default_factory=list)


def case_paths(case: object) -> dict[str, str]:
    """The case's endpoint paths (a sub-model, a mapping, or absent) over the defaults."""
    paths = getattr(case, "paths", None)
    out = dict(DEFAULT_PATHS)
    for key in out:
        value = paths.get(key) if isinstance(paths, Mapping) else getattr(paths, key, None)
        if value:
            out[key] = str(value)
    return out


async def run_intelligence_test(
    test: TestConfig,
    base_urls: Mapping[str, str],
    *,
    progress: Callable[[str], None] | None = None,
) -> IntelligenceOutcome:
    """Run every case of ``test.intelligence_tests``; never raises for target behaviour."""
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    counters = Counters()
    results: list[CaseResult] = []
    errors: list[str] = []
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:
        for index, case in enumerate(test.intelligence_tests):
            result = await _run_case(session, case, base_urls, counters, say, errors)
            if result is not None:
                result.section["index"] = index
                results.append(result)
    figures = summarize(results)
    criteria = intel_criteria.evaluate(test.success_criteria.intelligence, figures)
    errors.extend(f"{what}: {n}" for what, n in sorted(counters.errors.items()))
    return IntelligenceOutcome(
        intelligence=figures,
        criteria=criteria,
        errors=errors,
        requests=counters.requests,
        error_count=counters.error_count,
        duration_s=time.perf_counter() - started,
        recommendations=intel_criteria.recommendations(figures),
    )


async def _run_case(
    session: aiohttp.ClientSession,
    case: IntelligenceCase,
    base_urls: Mapping[str, str],
    counters: Counters,
    say: Callable[[str], None],
    errors: list[str],
) -> CaseResult | None:
    kind, service = case.type, case.service
    runner = CASES.get(kind)
    if runner is None or service not in base_urls:
        errors.append(
            f"{kind or '?'}: "
            + ("unknown case type" if runner is None else f"no base_url for {service!r}")
        )
        return None
    client = IntelClient(session, base_urls[service], case_paths(case), case.timeout, counters)
    ctx = CaseContext(client, case, f"intel-{secrets.token_hex(4)}", lambda m: say(f"{kind}: {m}"))
    say(f"{kind}: starting against {client.base_url}")
    try:
        result: CaseResult = await runner(ctx)
    except EndpointMissing as exc:
        errors.append(f"{kind}: {exc}")
        return None
    return result


def _pooled(results: Iterable[CaseResult], key: str) -> list[float | None]:
    return [v for r in results for v in r.samples.get(key, [])]


def _count(results: Iterable[CaseResult], key: str) -> int:
    return sum(r.counts.get(key, 0) for r in results)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def summarize(results: list[CaseResult]) -> dict[str, Any]:
    """``custom_metrics.intelligence`` from the cases' results (ms; null = not measured)."""
    discovery = im.percentiles(_pooled(results, "discovery"))
    e2e = im.percentiles(_pooled(results, "e2e"))
    ack = im.percentiles(_pooled(results, "ack"))
    predict = im.percentiles(_pooled(results, "predict"))
    learn = im.percentiles(_pooled(results, "learn"))
    learning = [r for r in results if r.type == "learning_update"]
    reach = [r.events_to_target for r in learning]
    return {
        "avg_pattern_discovery_time": discovery["mean"],
        "avg_event_processing_time": e2e["mean"],
        "avg_prediction_time": predict["mean"],
        "avg_learning_update_time": learn["mean"],
        "p95_pattern_discovery_time": discovery["p95"],
        "p95_event_processing_time": e2e["p95"],
        "pattern_discovery_time": discovery,
        "precision": _ratio(
            _count(results, "explained"),
            _count(results, "explained") + _count(results, "unexplained"),
        ),
        "recall": _ratio(_count(results, "found"), _count(results, "truth")),
        "event_ack_latency": ack,
        "event_end_to_end_latency": e2e,
        "prediction_latency": predict,
        "p95_prediction_time": predict["p95"],
        "top1_accuracy": _ratio(_count(results, "top1"), _count(results, "probes")),
        "top3_accuracy": _ratio(_count(results, "top3"), _count(results, "probes")),
        "learning_update_latency": learn,
        "learning_curve": learning[-1].curve if learning else [],
        "events_to_target_accuracy": None
        if not reach or None in reach
        else max(x for x in reach if x is not None),
        "cases": [{"type": r.type, **r.section} for r in results],
    }
