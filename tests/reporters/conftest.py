"""Fixtures for the reporter tests: synthetic results on disk and a headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.reporters import synthetic

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
XSS = (
    "</script><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>\u2028<!--",
)


@pytest.fixture(scope="session")
def small_report() -> dict[str, Any]:
    return synthetic.make_report(synthetic.default_specs(30), seed=1, interval_hdr=True)


@pytest.fixture()
def results_dir(tmp_path: Path, small_report: dict[str, Any]) -> Path:
    synthetic.write_report(tmp_path, small_report)
    return tmp_path


@pytest.fixture(scope="module")  # not session: Playwright's loop must not outlive these tests
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is absent: apt-get install chromium (scripts/test.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
