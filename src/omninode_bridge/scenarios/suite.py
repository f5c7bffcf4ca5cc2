"""Run a suite: its tests in order with recovery waits, then one results document.

Owns signal handling for a run: SIGINT/SIGTERM stop the current test (its partial results
are kept), skip the rest, write the report marked ``aborted``, and exit 130/143.
"""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omninode_bridge.analysis.recommendations import (
    overall_recommendations,
    seed_recommendations,
)
from omninode_bridge.config import Config, TestConfig, mask_secrets
from omninode_bridge.engine.scheduler import StopFlag
from omninode_bridge.errors import ExitCode
from omninode_bridge.reporters.terminal import print_test_summary
from omninode_bridge.results.builder import SCHEMA_VERSION, generator_info, summarize_suite
from omninode_bridge.results.writer import report_stem, write_report
from omninode_bridge.scenarios.judging import judge_http_run
from omninode_bridge.scenarios.runner import RunContext, run_http_test
from omninode_bridge.scenarios.signals import SignalCatcher


@dataclass
class SuiteOptions:
    output_dir: Path
    recovery_time: float | None = None
    duration_scale: float = 1.0
    workers: int | None = None
    base_urls: dict[str, str] | None = None  # overrides (embedded services)


@dataclass
class SuiteOutcome:
    document: dict[str, Any]
    report_path: Path
    exit_code: ExitCode
    extra_files: list[Path] = field(default_factory=list)


def exit_code_for(results: list[dict[str, Any]], signum: int | None) -> ExitCode:
    if signum is not None:
        return ExitCode.SIGTERM if signum == signal.SIGTERM else ExitCode.SIGINT
    if any(not r.get("valid", True) for r in results):
        return ExitCode.INVALID_RUN
    if any(not r.get("success") for r in results):
        return ExitCode.CRITERIA_FAILED
    return ExitCode.OK


async def run_intelligence(test: TestConfig, base_urls: dict[str, str]) -> dict[str, Any]:
    from omninode_bridge.scenarios.intelligence import run_intelligence_test

    started = datetime.now(UTC)
    outcome = await run_intelligence_test(test, base_urls, progress=lambda m: print(f"   {m}"))
    requests = outcome.requests
    duration = max(outcome.duration_s, 1e-9)
    metrics = {
        "throughput": requests / duration,
        "error_rate": outcome.error_count / requests if requests else 0.0,
        "response_time_count": 0,  # no HTTP latency histogram: see custom_metrics.intelligence
        "custom_metrics": {"intelligence": outcome.intelligence},
        "requests": requests,
    }
    criteria = list(outcome.criteria)
    return {
        "test_name": test.name,
        "test_type": test.type,
        "duration": outcome.duration_s,
        "success": not outcome.errors and all(c["passed"] for c in criteria),
        "errors": list(outcome.errors),
        "recommendations": list(
            dict.fromkeys([*outcome.recommendations, *seed_recommendations(None, metrics)])
        ),
        "metrics": metrics,
        "criteria": criteria,
        "valid": True,
        "invalid_reasons": [],
        "aborted": False,
        "abort_reason": None,
        "model": "open",
        "started_at": started.isoformat(),
        "intervals": [],
        "resources": None,
    }


async def _recover(seconds: float, stop: StopFlag) -> None:
    if seconds <= 0:
        return
    print(f"⏳ Recovery period: {seconds:g}s", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop.stopped:
        await asyncio.sleep(min(0.2, deadline - time.monotonic()))


async def run_suite(config: Config, suite_name: str, options: SuiteOptions) -> SuiteOutcome:
    pt = config.performance_testing
    suite = config.suite(suite_name)
    base_urls = {k: str(v) for k, v in pt.base_urls.items()}
    base_urls.update(options.base_urls or {})
    started = datetime.now(UTC)
    stem = report_stem(suite_name, started.astimezone())
    stop = StopFlag()
    catcher = SignalCatcher(stop)
    catcher.install(asyncio.get_running_loop())
    ctx = RunContext(
        base_urls=base_urls,
        output_dir=options.output_dir,
        stem=stem,
        stop=stop,
        duration_scale=options.duration_scale,
        collection_interval_s=pt.monitoring.metrics_collection_interval,
        resource_monitoring=pt.monitoring.resource_monitoring,
        suite_resources=suite.resources or pt.resources,
        workers_override=options.workers,
    )
    print(f"🚀 Starting Performance Test Suite: {suite_name}", flush=True)
    results: list[dict[str, Any]] = []
    for i, test in enumerate(suite.tests):
        if stop.stopped:
            break
        print(f"📊 Running test: {test.name}", flush=True)
        if test.type == "intelligence":
            result = await run_intelligence(test, base_urls)
        else:
            result = judge_http_run(await run_http_test(test, ctx))
        results.append(result)
        print_test_summary(result)
        if i < len(suite.tests) - 1:
            wait = test.recovery_time if options.recovery_time is None else options.recovery_time
            await _recover(wait, stop)
    document = suite_document(
        config, suite_name, started, results, catcher.signum, base_urls, options.workers or 1
    )
    path = write_report(document, options.output_dir, stem)
    print(f"📄 Performance report saved: {path}", flush=True)
    return SuiteOutcome(document, path, exit_code_for(results, catcher.signum))


def suite_document(
    config: Config,
    suite_name: str,
    started: datetime,
    results: list[dict[str, Any]],
    signum: int | None,
    base_urls: dict[str, str],
    workers: int,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "suite_name": suite_name,
        "timestamp": started.isoformat(),
        "status": "aborted"
        if signum is not None or any(r["aborted"] for r in results)
        else "completed",
        "valid": all(r.get("valid", True) for r in results),
        "config_file": config.source_path,
        "base_urls": base_urls,
        "generator": generator_info(workers),
        "summary": summarize_suite(results),
        "test_results": results,
        "overall_recommendations": overall_recommendations(
            [r.get("recommendations", []) for r in results]
        ),
    }
    masked: dict[str, Any] = mask_secrets(document, config.secret_values)
    return masked
