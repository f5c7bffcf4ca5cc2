"""Discovery correctness: injected patterns are found (recall >= 0.95), noise yields none."""

from __future__ import annotations

import random

import pytest

from omninode_bridge.services.discovery import BurstDetector, Floors, NgramMiner, ToolStats
from omninode_bridge.services.events import EventRow
from omninode_bridge.services.patterns import sequence_id


def noise_stream(
    rng: random.Random, count: int, names: int, services: int
) -> list[tuple[str, str]]:
    return [(f"svc{rng.randrange(services)}", f"noise{rng.randrange(names)}") for _ in range(count)]


def inject(
    rng: random.Random,
    stream: list[tuple[str, str]],
    patterns: dict[str, list[tuple[str, ...]]],
    copies: int,
) -> list[tuple[str, str]]:
    """Insert each pattern ``copies`` times at random places of its service's stream."""
    out = list(stream)
    for service, grams in patterns.items():
        for gram in grams:
            for _ in range(copies):
                at = rng.randrange(len(out) + 1)
                out[at:at] = [(service, event) for event in gram]
    return out


def mine(stream: list[tuple[str, str]], floors: Floors | None = None) -> set[str]:
    miner = NgramMiner(floors or Floors())
    for index, (service, event) in enumerate(stream):
        miner.feed(service, event, float(index))
    return {p.id for p in miner.collect(0.0)}


@pytest.mark.parametrize(
    ("count", "names", "services", "seed"),
    [
        pytest.param(2000, 20, 1, 1, id="2000-events-20-names-seed1"),
        pytest.param(2000, 20, 1, 2, id="2000-events-20-names-seed2"),
        pytest.param(2000, 20, 1, 3, id="2000-events-20-names-seed3"),
        pytest.param(2000, 20, 4, 4, id="2000-events-4-services"),
        pytest.param(2000, 5, 1, 5, id="2000-events-5-names"),
        pytest.param(10000, 20, 1, 6, id="10000-events-20-names"),
        pytest.param(10000, 50, 2, 7, id="10000-events-50-names"),
    ],
)
def test_uniform_noise_yields_no_sequence_pattern(
    count: int, names: int, services: int, seed: int
) -> None:
    rng = random.Random(seed)
    assert mine(noise_stream(rng, count, names, services)) == set()


def make_patterns(
    rng: random.Random, services: int, per_service: int
) -> dict[str, list[tuple[str, ...]]]:
    patterns: dict[str, list[tuple[str, ...]]] = {}
    for s in range(services):
        grams = []
        for k in range(per_service):
            length = rng.choice((2, 3, 4))
            grams.append(tuple(f"flow{s}_{k}_step{j}" for j in range(length)))
        patterns[f"svc{s}"] = grams
    return patterns


@pytest.mark.parametrize(
    ("seed", "copies"),
    [
        pytest.param(11, 8, id="8-copies"),
        pytest.param(12, 12, id="12-copies"),
        pytest.param(13, 20, id="20-copies"),
    ],
)
def test_injected_patterns_are_recalled(seed: int, copies: int) -> None:
    rng = random.Random(seed)
    patterns = make_patterns(rng, services=3, per_service=7)
    stream = inject(rng, noise_stream(rng, 2000, 20, 3), patterns, copies)
    found = mine(stream)
    injected = {sequence_id(s, g) for s, grams in patterns.items() for g in grams}
    recall = len(injected & found) / len(injected)
    assert recall >= 0.95, sorted(injected - found)
    noise_hits = {pid for pid in found if "noise" in pid.split(":")[2].split(">")[-1]}
    assert noise_hits == set()


def test_constant_stream_is_not_a_pattern_but_a_cycle_is() -> None:
    constant = [("svc", "startup")] * 500
    cycle = [("svc", ("startup", "shutdown", "health_check")[i % 3]) for i in range(300)]
    assert mine(constant) == set()
    assert "seq:svc:startup>shutdown" in mine(cycle)


def row(
    event: str, at: float, service: str = "svc", type_: str = "tool_execution", metadata: str = "{}"
) -> EventRow:
    return EventRow("id", type_, service, event, at, at, metadata)


def test_tool_stats_count_mean_p95_failure_rate() -> None:
    stats = ToolStats(min_support=5)
    for i in range(1, 101):
        stats.feed(
            row("tool_call", float(i)),
            {"tool": "grep", "duration": float(i), "success": i % 10 != 0},
        )
    (pattern,) = stats.collect(1000.0)
    assert pattern.id == "tool:grep"
    assert pattern.stats == {
        "count": 100,
        "mean_duration_ms": 50.5,
        "p95_duration_ms": 95.0,
        "failure_rate": 0.1,
    }


@pytest.mark.parametrize(
    ("error_times", "expected_ids"),
    [
        pytest.param([0, 1000, 2000, 3000, 4000], ["burst:svc:0"], id="5-errors-in-4s"),
        pytest.param([0, 3000, 6000, 9000, 12000, 15000], [], id="spread-out"),
        pytest.param(
            [0, 100, 200, 300, 400, 30000, 30100, 30200, 30300, 30400],
            ["burst:svc:0", "burst:svc:30000"],
            id="two-bursts-after-quiet",
        ),
    ],
)
def test_error_bursts(error_times: list[float], expected_ids: list[str]) -> None:
    detector = BurstDetector(min_errors=5, window_ms=10_000)
    for at in error_times:
        detector.feed(row("request_failed", at, type_="error"), True, at)
    assert [p.id for p in detector.collect()] == expected_ids
