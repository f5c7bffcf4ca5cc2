"""Pure intelligence figures: matching, discovery times, percentiles, accuracy, learning."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omninode_bridge.scenarios import intel_metrics as im
from omninode_bridge.scenarios.intel_stream import GroundTruthPattern

TRUTH = (
    GroundTruthPattern("a", ("x", "y", "z"), 0.1, 10),
    GroundTruthPattern("b", ("p", "q", "r", "s"), 0.05, 5),
)


def d(service: str, *seq: str, t: float = 1.0, pid: str | None = None) -> im.Discovered:
    return im.Discovered(pid or f"{service}:{'>'.join(seq)}:{t}", service, tuple(seq), t)


@pytest.mark.parametrize(
    ("found", "precision", "recall"),
    [
        pytest.param([], None, 0.0, id="nothing-found"),
        pytest.param([d("a", "x", "y", "z")], 1.0, 0.5, id="one-exact"),
        pytest.param(
            [d("a", "x", "y", "z"), d("b", "p", "q", "r", "s")], 1.0, 1.0, id="both-exact"
        ),
        pytest.param([d("a", "x", "y"), d("a", "y", "z")], 1.0, 0.0, id="sub-sequences-explained"),
        pytest.param([d("a", "x", "z")], 0.0, 0.0, id="non-contiguous-unexplained"),
        pytest.param([d("a", "z", "y")], 0.0, 0.0, id="reversed-unexplained"),
        pytest.param([d("a", "x")], 0.0, 0.0, id="length-one-unexplained"),
        pytest.param([d("b", "x", "y", "z")], 0.0, 0.0, id="wrong-service"),
        pytest.param(
            [d("other", "n1", "n2"), d("a", "x", "y", "z")], 1.0, 0.5, id="foreign-service-ignored"
        ),
        pytest.param(
            [d("a", "x", "y", "z", t=1), d("a", "x", "y", "z", t=2)], 1.0, 0.5, id="duplicates-once"
        ),
        pytest.param([d("a", "x", "y", "z"), d("a", "n1", "x")], 0.5, 0.5, id="half-noise"),
    ],
)
def test_match_patterns(found: list[im.Discovered], precision: float | None, recall: float) -> None:
    match = im.match_patterns(TRUTH, found)
    assert match.precision == precision
    assert match.recall == recall


def test_discovery_time_uses_earliest_observation() -> None:
    found = [d("a", "x", "y", "z", t=5.0), d("a", "x", "y", "z", t=3.0)]
    match = im.match_patterns(TRUTH, found)
    assert im.discovery_times(match, [1.0, 2.0]) == [2.0, None]
    assert im.discovery_times(match, [None, 2.0]) == [None, None]


def test_server_discovery_times() -> None:
    found = [
        im.Discovered(
            "i", "a", ("x", "y", "z"), 1.0, discovered_at_ms=1500.0, first_event_at_ms=1000.0
        )
    ]
    assert im.server_discovery_times(im.match_patterns(TRUTH, found)) == [500.0, None]


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([1.0], id="one"),
        pytest.param([3.0, 1.0, 2.0, 10.0], id="few"),
        pytest.param(list(np.linspace(0, 100, 1001)), id="many"),
    ],
)
def test_percentiles_match_numpy(values: list[float]) -> None:
    got = im.percentiles([*values, None])
    assert got["count"] == len(values)
    assert got["p95"] == pytest.approx(np.percentile(values, 95))
    assert got["p99"] == pytest.approx(np.percentile(values, 99))
    assert got["max"] == max(values) and got["min"] == min(values)
    assert got["mean"] == pytest.approx(np.mean(values))


def test_percentiles_empty_are_null() -> None:
    got = im.percentiles([None, None])
    assert got["count"] == 0 and got["p50"] is None and got["mean"] is None


@pytest.mark.parametrize(
    ("marks", "targets", "expected"),
    [
        pytest.param([], [1], [None], id="no-marks"),
        pytest.param(
            [(1.0, 0), (2.0, 3), (3.0, 5)], [1, 3, 4, 5, 6], [2.0, 2.0, 3.0, 3.0, None], id="steps"
        ),
        pytest.param([(1.0, 4), (2.0, 2), (3.0, 6)], [3, 5], [1.0, 3.0], id="stale-read-ignored"),
        pytest.param([(1.0, 0)], [0], [1.0], id="zero-target"),
    ],
)
def test_first_reached(
    marks: list[tuple[float, float]], targets: list[float], expected: list[float | None]
) -> None:
    assert im.first_reached(marks, targets) == expected


@given(
    st.lists(st.tuples(st.floats(0, 100), st.integers(0, 50)), min_size=1, max_size=30),
    st.lists(st.integers(0, 60), min_size=1, max_size=20),
)
def test_first_reached_is_monotonic_in_target(
    raw: list[tuple[float, int]], targets: list[int]
) -> None:
    marks = sorted(raw)
    got = im.first_reached(marks, sorted(targets))
    known = [g for g in got if g is not None]
    assert known == sorted(known)
    for t, g in zip(sorted(targets), got, strict=True):
        reached = [tm for tm, v in marks if v >= t]
        assert g == (min(reached) if reached else None)


@pytest.mark.parametrize(
    ("predicted", "expected", "k", "accuracy"),
    [
        pytest.param([["a", "b"], ["c"]], ["a", "b"], 1, 0.5, id="top1-half"),
        pytest.param([["x", "a"], ["b"]], ["a", "b"], 3, 1.0, id="top3-all"),
        pytest.param([["x", "y", "z", "a"]], ["a"], 3, 0.0, id="fourth-is-a-miss"),
        pytest.param([None, ["b"]], ["a", "b"], 1, 0.5, id="failed-request-miss"),
        pytest.param([], [], 1, None, id="no-questions"),
    ],
)
def test_top_k_accuracy(
    predicted: list[list[str] | None], expected: list[str], k: int, accuracy: float | None
) -> None:
    assert im.top_k_accuracy(predicted, expected, k) == accuracy


@pytest.mark.parametrize(
    ("curve", "target", "events"),
    [
        pytest.param(
            [{"events": 0, "top1_accuracy": 0.0}, {"events": 100, "top1_accuracy": 0.9}],
            0.8,
            100,
            id="reached",
        ),
        pytest.param(
            [{"events": 0, "top1_accuracy": 0.1}, {"events": 100, "top1_accuracy": 0.5}],
            0.8,
            None,
            id="never",
        ),
        pytest.param(
            [{"events": 0, "top1_accuracy": None}, {"events": 50, "top1_accuracy": 0.8}],
            0.8,
            50,
            id="exactly-target",
        ),
        pytest.param([{"events": 0, "top1_accuracy": 1.0}], 0.8, 0, id="already-there"),
    ],
)
def test_events_to_target(
    curve: list[dict[str, float | None]], target: float, events: int | None
) -> None:
    assert im.events_to_target(curve, target) == events


@pytest.mark.parametrize(
    ("part", "whole", "yes"),
    [
        pytest.param(("a", "b"), ("a", "b", "c"), True, id="prefix"),
        pytest.param(("b", "c"), ("a", "b", "c"), True, id="suffix"),
        pytest.param(("a", "c"), ("a", "b", "c"), False, id="gap"),
        pytest.param(("a", "b", "c", "d"), ("a", "b", "c"), False, id="longer"),
    ],
)
def test_is_subsequence(part: tuple[str, ...], whole: tuple[str, ...], yes: bool) -> None:
    assert im.is_subsequence(part, whole) is yes
