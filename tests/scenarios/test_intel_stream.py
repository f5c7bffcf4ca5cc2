"""The synthetic intelligence stream: reproducible, exact sizes, truth is the only regularity."""

from __future__ import annotations

from collections import Counter

import pytest

from omninode_bridge.scenarios.intel_metrics import is_subsequence
from omninode_bridge.scenarios.intel_stream import (
    IntelStream,
    allocate,
    blocks,
    generate_stream,
    make_probes,
)

SIZES = [
    pytest.param(1000, 5, 0.3, id="seed-defaults"),
    pytest.param(500, 3, 0.5, id="noisy"),
    pytest.param(2000, 8, 0.1, id="little-noise"),
    pytest.param(200, 1, 0.3, id="one-pattern"),
    pytest.param(50, 5, 0.3, id="tiny"),
]


def _stream(n: int, k: int, noise: float, seed: int = 42) -> IntelStream:
    return generate_stream(n, pattern_count=k, noise_ratio=noise, seed=seed, namespace="t")


def _per_service(stream: IntelStream) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in stream.events:
        out.setdefault(e.service, []).append(e.event)
    return out


def _ngrams(seq: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(seq[i : i + n]) for i in range(len(seq) - n + 1))


@pytest.mark.parametrize(("n", "k", "noise"), SIZES)
def test_exact_size_and_indices(n: int, k: int, noise: float) -> None:
    stream = _stream(n, k, noise)
    assert len(stream.events) == n
    assert [e.index for e in stream.events] == list(range(n))
    assert len(stream.ground_truth) == k


@pytest.mark.parametrize(("n", "k", "noise"), SIZES)
def test_same_seed_same_stream_other_seed_differs(n: int, k: int, noise: float) -> None:
    assert _stream(n, k, noise, seed=7) == _stream(n, k, noise, seed=7)
    assert _stream(n, k, noise, seed=7).events != _stream(n, k, noise, seed=8).events


@pytest.mark.parametrize(("n", "k", "noise"), SIZES)
def test_truth_counts_match_the_stream(n: int, k: int, noise: float) -> None:
    stream = _stream(n, k, noise)
    per = _per_service(stream)
    for g in stream.ground_truth:
        found = _ngrams(per.get(g.service, []), len(g.sequence))[g.sequence]
        assert found == g.occurrences
        assert g.frequency == pytest.approx(g.occurrences / n)
        assert 2 <= len(g.sequence) <= 4


@pytest.mark.parametrize(("n", "k", "noise"), SIZES)
def test_only_truth_ngrams_reach_support(n: int, k: int, noise: float) -> None:
    """Every n-gram (n = 2..4) seen 5+ times in a service is part of a ground-truth pattern."""
    stream = _stream(n, k, noise)
    for service, seq in _per_service(stream).items():
        truth = [g.sequence for g in stream.ground_truth if g.service == service]
        for size in (2, 3, 4):
            for gram, count in _ngrams(seq, size).items():
                if count >= 5:
                    assert any(is_subsequence(gram, t) for t in truth), (service, gram, count)


def test_noise_share_at_least_requested_and_occurrences_weighted() -> None:
    stream = _stream(1000, 5, 0.3)
    noise = sum(e.pattern is None for e in stream.events)
    assert 0.3 * 1000 <= noise <= 0.4 * 1000
    occ = [g.occurrences for g in stream.ground_truth]
    assert occ == sorted(occ, reverse=True) and occ[0] > occ[-1]


def test_first_index_is_first_event_of_pattern() -> None:
    stream = _stream(1000, 5, 0.3)
    for i, g in enumerate(stream.ground_truth):
        first = stream.first_index(i)
        assert first is not None
        assert stream.events[first].event == g.sequence[0]
        assert all(e.pattern != i for e in stream.events[:first])


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        pytest.param(10, [1.0, 1.0], [5, 5], id="even"),
        pytest.param(7, [2.0, 1.0], [5, 2], id="remainder-to-largest"),
        pytest.param(0, [1.0, 2.0], [0, 0], id="zero"),
        pytest.param(3, [], [], id="no-weights"),
    ],
)
def test_allocate(total: int, weights: list[float], expected: list[int]) -> None:
    assert allocate(total, weights) == expected


def test_probes_ask_the_true_next_event() -> None:
    stream = _stream(1000, 5, 0.3)
    probes = make_probes(stream, 200, seed=42)
    assert len(probes) == 200
    assert probes == make_probes(stream, 200, seed=42)
    truth = {(g.service, g.sequence) for g in stream.ground_truth}
    for p in probes:
        last = p.recent_events[-1]
        seqs = [seq for s, seq in truth if s == p.service and last in seq]
        assert len(seqs) == 1
        seq = seqs[0]
        assert seq[seq.index(last) + 1] == p.expected
        assert 1 <= len(p.recent_events) <= 2


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(1, id="1"),
        pytest.param(100, id="100"),
        pytest.param(333, id="333"),
        pytest.param(5000, id="bigger"),
    ],
)
def test_blocks_cover_stream_in_order(size: int) -> None:
    stream = _stream(1000, 5, 0.3)
    cut = blocks(stream, size)
    assert len(cut) == -(-1000 // size)
    rebuilt: dict[str, list[str]] = {}
    for block in cut:
        assert sum(len(v) for v in block.values()) <= size
        for service, names in block.items():
            rebuilt.setdefault(service, []).extend(names)
    assert rebuilt == _per_service(stream)


def test_body_is_a_valid_hook_event() -> None:
    e = _stream(100, 2, 0.3).events[0]
    body = e.body("x-0")
    assert body["id"] == "x-0" and body["service"] == e.service and body["event"] == e.event
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["metadata"], dict)
