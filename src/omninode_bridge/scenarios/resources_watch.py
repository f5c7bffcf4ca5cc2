"""Watches the service under test while a test runs (never the generator's own machine).

Picks the resource source from the test's ``resources:`` block, else the suite's, else
the process listening on the first localhost target's port. A source that cannot be
resolved is reported, not fatal: the run goes on without resource figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from omninode_bridge.config import ResourcesConfig, TestConfig
from omninode_bridge.errors import PerfError
from omninode_bridge.plan.requests import RequestSpec

if TYPE_CHECKING:
    from omninode_bridge.scenarios.runner import RunContext

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class ResourceWatch:
    def __init__(self, config: ResourcesConfig | None, target_url: str | None, interval_s: float):
        self.config = config
        self.target_url = target_url
        self.interval_s = interval_s
        self.sampler: Any = None
        self.source_name: str | None = None
        self.error: str | None = None

    @classmethod
    def for_test(
        cls, test: TestConfig, ctx: RunContext, specs: Sequence[RequestSpec]
    ) -> ResourceWatch:
        config = test.resources or ctx.suite_resources
        target = specs[0].url if specs else None
        if not ctx.resource_monitoring:
            return cls(None, None, ctx.collection_interval_s)
        if config is None and target is not None and urlsplit(target).hostname not in LOCAL_HOSTS:
            target = None  # no automatic discovery for remote targets
        interval = (config.interval if config and config.interval else None) or (
            ctx.collection_interval_s
        )
        return cls(config, target, interval)

    async def start(self) -> None:
        if self.config is None and self.target_url is None:
            return
        cfg = self.config
        try:
            from omninode_bridge.resources import ResourceSampler, resolve_source

            named = cfg is not None and (
                cfg.pid is not None or cfg.process_name is not None or cfg.prometheus is not None
            )
            source = resolve_source(
                pid=cfg.pid if cfg else None,
                port=None if named else (cfg.port if cfg else "auto"),
                process_name=cfg.process_name if cfg else None,
                prometheus=(
                    {"url": str(cfg.prometheus.url), "query": cfg.prometheus.query}
                    if cfg and cfg.prometheus
                    else None
                ),
                target_url=self.target_url,
                interval_s=self.interval_s,
            )
        except (PerfError, OSError, ValueError, ImportError) as exc:
            self.error = f"resources of the service under test not sampled: {exc}"
            return
        self.source_name = getattr(source, "name", str(source))
        self.sampler = ResourceSampler(source, interval_s=self.interval_s)
        await self.sampler.start()

    def latest(self) -> dict[str, Any] | None:
        if self.sampler is None:
            return None
        sample: dict[str, Any] | None = self.sampler.latest()
        return sample

    async def stop(self) -> tuple[list[dict[str, Any]], str | None, str | None]:
        if self.sampler is None:
            return [], None, self.error
        await self.sampler.stop()
        errors = "; ".join(getattr(self.sampler, "errors", [])) or self.error
        return list(self.sampler.samples), self.source_name, errors or None
