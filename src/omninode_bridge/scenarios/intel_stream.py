"""Seeded synthetic event streams with injected ground-truth patterns, for intelligence tests.

This module owns the *truth* an intelligence test is judged against. It is pure: no clock,
no I/O; the same ``(seed, namespace, sizes)`` always gives the same stream.

A stream interleaves several services. Each service's own event sequence is a shuffle of
*units*: an occurrence of one of its ground-truth patterns (a fixed run of 2..4 event
names, unique to the pattern) followed by one noise event, or a lone noise event. Noise
names are drawn from a per-service vocabulary sized so that every noise name is expected
to occur less than once per service; so noise n-grams stay below any sensible discovery
support, and the only regularities in the stream are the ground-truth patterns and their
sub-sequences. The mandatory noise event after every occurrence keeps two occurrences from
touching, which would otherwise create real (but unintended) cross-pattern n-grams.

``Probe`` s are held-out next-event questions derived from the pattern definitions (not
from the sent stream): "after these recent events in service S, what comes next?".
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

EVENT_TYPE = "intelligence_test"
MIN_NOISE_VOCAB = 64


@dataclass(frozen=True)
class GroundTruthPattern:
    """One injected pattern: ``frequency`` is occurrences per stream event."""

    service: str
    sequence: tuple[str, ...]
    frequency: float
    occurrences: int


@dataclass(frozen=True)
class StreamEvent:
    """One event of a stream; ``pattern`` is the ground-truth index it belongs to, if any."""

    index: int
    service: str
    event: str
    pattern: int | None

    def body(self, event_id: str) -> dict[str, Any]:
        """The JSON body of ``POST /hooks`` for this event."""
        return {
            "id": event_id,
            "type": EVENT_TYPE,
            "service": self.service,
            "event": self.event,
            "metadata": {"index": self.index},
        }


@dataclass(frozen=True)
class Probe:
    """A next-event question whose answer the generator knows."""

    service: str
    recent_events: tuple[str, ...]
    expected: str


@dataclass(frozen=True)
class IntelStream:
    events: tuple[StreamEvent, ...]
    ground_truth: tuple[GroundTruthPattern, ...]
    noise_vocab: dict[str, tuple[str, ...]]

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(self.noise_vocab)

    def first_index(self, pattern: int) -> int | None:
        """Index of the first event of the first occurrence of ``pattern``."""
        return next((e.index for e in self.events if e.pattern == pattern), None)


def pattern_weights(pattern_count: int) -> list[float]:
    """Relative frequencies of the patterns: 1, 0.8, 0.67, 0.57, 0.5, ... (known, unequal)."""
    return [1.0 / (1.0 + 0.25 * i) for i in range(pattern_count)]


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integer shares proportional to ``weights`` (largest remainder)."""
    if not weights or total <= 0:
        return [0] * len(weights)
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    rest = sorted(range(len(weights)), key=lambda i: shares[i] - weights[i] * scale)
    for i in rest[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _instance_count(
    event_count: int, noise_ratio: float, lengths: list[int], w: list[float]
) -> int:
    """Occurrences to inject: fill (1 - noise_ratio) of the stream, one noise after each."""
    mean_len = sum(n * wi for n, wi in zip(lengths, w, strict=True)) / sum(w)
    count = int((1.0 - noise_ratio) * event_count / mean_len)
    while count > 0:
        used = sum(n * k for n, k in zip(lengths, allocate(count, w), strict=True))
        if event_count - used >= count:
            return count
        count -= 1
    return 0


def _patterns(namespace: str, pattern_count: int) -> list[tuple[str, tuple[str, ...]]]:
    service_count = max(1, (pattern_count + 1) // 2)
    services = [f"{namespace}-s{k}" for k in range(service_count)]
    return [
        (services[i % service_count], tuple(f"p{i}.e{j}" for j in range(3 + i % 2)))
        for i in range(pattern_count)
    ]


def generate_stream(
    event_count: int, *, pattern_count: int, noise_ratio: float, seed: int, namespace: str
) -> IntelStream:
    """Build a reproducible stream of exactly ``event_count`` events."""
    rng = random.Random(seed)
    defs = _patterns(namespace, pattern_count)
    weights = pattern_weights(pattern_count)
    lengths = [len(seq) for _, seq in defs]
    counts = allocate(_instance_count(event_count, noise_ratio, lengths, weights), weights)
    services = list(dict.fromkeys(s for s, _ in defs)) or [f"{namespace}-s0"]
    units: dict[str, list[int | None]] = {s: [] for s in services}
    for i, ((service, _), k) in enumerate(zip(defs, counts, strict=True)):
        units[service].extend([i] * k)
    extra = event_count - sum(n * k for n, k in zip(lengths, counts, strict=True)) - sum(counts)
    for _ in range(extra):
        units[rng.choice(services)].append(None)
    vocab = {s: _vocab(len(u)) for s, u in units.items()}
    per_service = {s: _expand(rng, units[s], defs, vocab[s]) for s in services}
    events = _interleave(rng, per_service)
    truth = tuple(
        GroundTruthPattern(s, seq, k / event_count if event_count else 0.0, k)
        for (s, seq), k in zip(defs, counts, strict=True)
    )
    return IntelStream(events, truth, vocab)


def _vocab(noise_events: int) -> tuple[str, ...]:
    return tuple(f"n{k}" for k in range(max(MIN_NOISE_VOCAB, 2 * noise_events)))


def _expand(
    rng: random.Random,
    units: list[int | None],
    defs: list[tuple[str, tuple[str, ...]]],
    vocab: tuple[str, ...],
) -> list[tuple[str, int | None]]:
    """Shuffle a service's units and flatten them to (event name, pattern index) pairs."""
    rng.shuffle(units)
    out: list[tuple[str, int | None]] = []
    for unit in units:
        if unit is not None:
            out.extend((name, unit) for name in defs[unit][1])
        out.append((rng.choice(vocab), None))
    return out


def _interleave(
    rng: random.Random, per_service: dict[str, list[tuple[str, int | None]]]
) -> tuple[StreamEvent, ...]:
    """Merge per-service sequences, keeping each one's order, picking by remaining length."""
    cursors = dict.fromkeys(per_service, 0)
    out: list[StreamEvent] = []
    while True:
        remaining = {s: len(per_service[s]) - c for s, c in cursors.items()}
        live = [s for s, n in remaining.items() if n > 0]
        if not live:
            return tuple(out)
        service = rng.choices(live, weights=[remaining[s] for s in live])[0]
        name, pattern = per_service[service][cursors[service]]
        cursors[service] += 1
        out.append(StreamEvent(len(out), service, name, pattern))


def make_probes(stream: IntelStream, count: int, *, seed: int) -> list[Probe]:
    """``count`` held-out next-event questions over the ground-truth patterns."""
    rng = random.Random(seed ^ 0x5EED)
    truth = [g for g in stream.ground_truth if len(g.sequence) >= 2]
    if not truth:
        return []
    probes: list[Probe] = []
    for _ in range(count):
        g = rng.choice(truth)
        j = rng.randrange(1, len(g.sequence))
        context = (rng.choice(stream.noise_vocab[g.service]), *g.sequence[:j])
        probes.append(Probe(g.service, tuple(context[-2:]), g.sequence[j]))
    return probes


def blocks(stream: IntelStream, block_size: int) -> list[dict[str, list[str]]]:
    """The stream cut into blocks of ``block_size`` events, each split per service, in order."""
    out: list[dict[str, list[str]]] = []
    size = max(1, block_size)
    for start in range(0, len(stream.events), size):
        block: dict[str, list[str]] = {}
        for e in stream.events[start : start + size]:
            block.setdefault(e.service, []).append(e.event)
        out.append(block)
    return out
