"""Histogram: accuracy against exact numpy quantiles, exact merging, the V2 codec.

Interop is checked both ways against HdrHistogram_py (``hdrhistogram`` on PyPI, a test
dependency), and the codec bytes against hand-derived payloads.
"""

from __future__ import annotations

import base64
import pickle
import struct
import tracemalloc
import zlib
from collections.abc import Callable

import numpy as np
import pytest
from hdrh.histogram import HdrHistogram
from hypothesis import given, settings
from hypothesis import strategies as st

from omninode_bridge.metrics.histogram import (
    COUNTS_LEN,
    HIGHEST_TRACKABLE_US,
    Histogram,
    HistogramDecodeError,
)

HOUR_US = HIGHEST_TRACKABLE_US
QUANTILES = [0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0]
FAST = settings(max_examples=60, deadline=None)

Sampler = Callable[[np.random.Generator, int], np.ndarray]

SAMPLERS: dict[str, Sampler] = {
    "log-uniform 1us..1h": lambda r, n: np.exp(r.uniform(0, np.log(HOUR_US), n)),
    "pareto alpha 1.1 from 1ms": lambda r, n: 1000 * (1 + r.pareto(1.1, n)),
    "lognormal around 5ms": lambda r, n: r.lognormal(np.log(5000), 1.5, n),
    "small exact ints": lambda r, n: r.integers(0, 2048, n),
    "bimodal 200us and 1s stalls": lambda r, n: np.where(
        r.random(n) < 0.9, r.normal(200, 20, n), r.normal(1e6, 1e4, n)
    ),
    "constant 123456": lambda r, n: np.full(n, 123456),
}


def sample(name: str, seed: int, n: int) -> np.ndarray:
    values = SAMPLERS[name](np.random.default_rng(seed), n)
    return np.clip(np.asarray(values), 0, HOUR_US).astype(np.int64)


def from_values(values: np.ndarray | list[int]) -> Histogram:
    hist = Histogram()
    hist.record_many(np.asarray(values, dtype=np.int64))
    return hist


def assert_within_tenth_percent(actual: int, exact: float, label: object = "") -> None:
    assert abs(actual - exact) <= 0.001 * exact, (label, actual, exact)


# -- accuracy ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SAMPLERS))
@pytest.mark.parametrize("n", [1, 7, 1000, 50_000], ids=lambda n: f"n={n}")
def test_quantiles_match_numpy_inverted_cdf(name: str, n: int) -> None:
    values = sample(name, seed=n, n=n)
    hist = from_values(values)
    got = hist.values_at_quantiles(QUANTILES)
    exact = np.quantile(values, QUANTILES, method="inverted_cdf")
    for q, g, e in zip(QUANTILES, got, exact, strict=True):
        assert_within_tenth_percent(g, float(e), q)
        assert g >= e  # highest-equivalent: never below the exact sample


@FAST
@given(
    values=st.lists(st.integers(0, HOUR_US), min_size=1, max_size=400),
    q=st.floats(0.0, 1.0),
)
def test_any_quantile_within_tenth_percent(values: list[int], q: float) -> None:
    hist = from_values(values)
    exact = float(np.quantile(np.array(values), q, method="inverted_cdf"))
    assert_within_tenth_percent(hist.value_at_quantile(q), exact)


@FAST
@given(
    seed=st.integers(0, 2**32 - 1),
    name=st.sampled_from(list(SAMPLERS)),
    qs=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=20),
)
def test_quantiles_monotonic_in_q(seed: int, name: str, qs: list[float]) -> None:
    hist = from_values(sample(name, seed, 500))
    qs = sorted(qs)
    got = hist.values_at_quantiles(qs)
    assert got == sorted(got)
    assert hist.min <= got[0] and got[-1] <= hist.max


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(-5, 0, id="negative clamps to 0"),
        pytest.param(0, 0, id="zero"),
        pytest.param(1, 1, id="one"),
        pytest.param(2047, 2047, id="last exact slot"),
        pytest.param(2048, 2049, id="first 2us-wide slot: highest equivalent"),
        pytest.param(1_000_000, 1_000_447, id="1s: 512us-wide slot"),
        pytest.param(HOUR_US, HOUR_US, id="max is exact"),
        pytest.param(HOUR_US + 10, HOUR_US, id="over max clamps"),
    ],
)
def test_slot_bounds_of_single_values(value: int, expected: int) -> None:
    """Quantiles of two values report the highest equivalent of the lower one's slot."""
    hist = Histogram()
    hist.record(value)
    hist.record(HOUR_US)
    assert hist.value_at_quantile(0.5) == expected


@pytest.mark.parametrize(
    ("values", "overflow", "lo", "hi"),
    [
        pytest.param([5, -1, 7], 0, 0, 7, id="negative"),
        pytest.param([HOUR_US + 1, 3], 1, 3, HOUR_US, id="one over"),
        pytest.param([2**40, 2**62, HOUR_US], 2, HOUR_US, HOUR_US, id="huge values"),
    ],
)
def test_out_of_range_values_clamp_and_count(
    values: list[int], overflow: int, lo: int, hi: int
) -> None:
    one_by_one = Histogram()
    for v in values:
        one_by_one.record(v)
    vectorized = from_values(values)
    for hist in (one_by_one, vectorized):
        assert (hist.overflow, hist.min, hist.max, hist.total_count) == (
            overflow,
            lo,
            hi,
            len(values),
        )
    assert one_by_one == vectorized


# -- record paths agree, merging is exact ---------------------------------------------------


@FAST
@given(values=st.lists(st.integers(-10, 2 * HOUR_US), max_size=300))
def test_record_many_equals_repeated_record(values: list[int]) -> None:
    single = Histogram()
    for v in values:
        single.record(v)
    many = from_values(values)
    assert single == many
    assert (single.total_count, single.min, single.max, single.overflow) == (
        many.total_count,
        many.min,
        many.max,
        many.overflow,
    )


@FAST
@given(
    seed=st.integers(0, 2**32 - 1),
    name=st.sampled_from(list(SAMPLERS)),
    cuts=st.lists(st.integers(0, 3000), max_size=6),
)
def test_merging_intervals_equals_recording_once(seed: int, name: str, cuts: list[int]) -> None:
    values = sample(name, seed, 3000)
    parts = [from_values(chunk) for chunk in np.split(values, sorted(cuts))]
    merged = Histogram.merged(parts)
    whole = from_values(values)
    assert merged == whole
    assert (merged.total_count, merged.min, merged.max) == (3000, values.min(), values.max())
    assert merged.values_at_quantiles(QUANTILES) == whole.values_at_quantiles(QUANTILES)


@FAST
@given(st.lists(st.lists(st.integers(0, HOUR_US), max_size=40), min_size=3, max_size=3))
def test_merge_is_associative_and_commutative(groups: list[list[int]]) -> None:
    a, b, c = (from_values(g) for g in groups)
    left = Histogram.merged([Histogram.merged([a, b]), c])
    right = Histogram.merged([a, Histogram.merged([b, c])])
    shuffled = Histogram.merged([c, a, b])
    assert left == right == shuffled
    assert left.min == right.min == shuffled.min
    assert left.max == right.max == shuffled.max


def test_copy_is_independent_and_reset_empties() -> None:
    hist = from_values([10, 20, 30])
    twin = hist.copy()
    twin.record(40)
    assert hist.total_count == 3 and twin.total_count == 4 and hist != twin
    counts = hist.counts
    hist.reset()
    assert hist == Histogram() and hist.counts is counts
    assert (hist.total_count, hist.min, hist.max, hist.mean()) == (0, 0, 0, 0.0)
    assert hist != "not a histogram"


def test_pickle_round_trip_for_worker_processes() -> None:
    hist = from_values([1, 5000, HOUR_US + 1])
    back = pickle.loads(pickle.dumps(hist))
    assert back == hist
    assert (back.total_count, back.min, back.max, back.overflow) == (3, 1, HOUR_US, 1)


@pytest.mark.parametrize(
    ("value", "count"),
    [pytest.param(7, 0, id="zero count"), pytest.param(7, -2, id="negative count")],
)
def test_record_ignores_non_positive_counts(value: int, count: int) -> None:
    hist = Histogram()
    hist.record(value, count)
    assert hist == Histogram() and (hist.total_count, hist.min, hist.max) == (0, 0, 0)


def test_nan_quantile_is_misuse() -> None:
    with pytest.raises(ValueError, match="NaN"):
        from_values([1]).value_at_quantile(float("nan"))


@pytest.mark.parametrize(
    ("recorded", "claimed", "expected_max"),
    [
        pytest.param(1_000_000, 1_000_000, 1_000_000, id="exact value restored"),
        pytest.param(1_000_000, 1_000_447, 1_000_447, id="slot top accepted"),
        pytest.param(1_000_000, 1_000_448, 1_000_447, id="next slot ignored"),
        pytest.param(1_000_000, 999_935, 1_000_447, id="previous slot ignored"),
        pytest.param(1_000_000, 999_936, 999_936, id="slot bottom accepted"),
        pytest.param(HOUR_US, HOUR_US, HOUR_US, id="max trackable"),
    ],
)
def test_narrow_max_after_decode(recorded: int, claimed: int, expected_max: int) -> None:
    decoded = Histogram.decode(from_values([5, recorded]).encode())
    decoded.narrow_max(claimed)
    assert decoded.max == expected_max


def test_recording_ten_million_values_keeps_size_constant() -> None:
    hist = Histogram()
    counts = hist.counts
    rng = np.random.default_rng(7)
    tracemalloc.start()
    for _ in range(10):
        hist.record_many(rng.integers(0, HOUR_US, 1_000_000))
    before, _ = tracemalloc.get_traced_memory()
    for _ in range(10):
        hist.record_many(rng.integers(0, HOUR_US, 1_000_000))
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert hist.counts is counts and counts.shape == (COUNTS_LEN,)
    assert hist.total_count == 20_000_000
    assert after - before < 64 * 1024


# -- coordinated-omission correction ----------------------------------------------------------


def corrected_reference(value: int, interval: int) -> list[int]:
    """HdrHistogram's recordValueWithExpectedInterval, written as its plain loop."""
    out = [value]
    missing = value - interval
    while interval > 0 and missing >= interval:
        out.append(missing)
        missing -= interval
    return out


@pytest.mark.parametrize(
    ("value", "interval"),
    [
        pytest.param(250, 100, id="stops before going under the interval"),
        pytest.param(100, 100, id="equal to interval: nothing added"),
        pytest.param(99, 100, id="below interval"),
        pytest.param(1_000_000, 3333, id="1s stall at 300 rps"),
        pytest.param(3_000_017, 997, id="odd interval across many slots"),
        pytest.param(5000, 0, id="zero interval: plain record"),
        pytest.param(5000, -3, id="negative interval: plain record"),
    ],
)
def test_record_corrected_matches_hdr_loop(value: int, interval: int) -> None:
    hist = Histogram()
    hist.record_corrected(value, interval)
    expected = from_values(corrected_reference(value, interval))
    assert hist == expected
    assert (hist.total_count, hist.min, hist.max) == (
        expected.total_count,
        expected.min,
        expected.max,
    )


def test_record_corrected_hour_stall_at_one_microsecond_is_bounded() -> None:
    hist = Histogram()
    hist.record_corrected(HOUR_US, 1)
    assert hist.total_count == HOUR_US  # the value plus 1 h - 1 missing samples
    assert hist.min == 1 and hist.max == HOUR_US
    assert_within_tenth_percent(hist.value_at_quantile(0.5), HOUR_US / 2)


# -- summaries -------------------------------------------------------------------------------


def test_percentiles_ms_fields() -> None:
    keys = ["p50", "p90", "p95", "p99", "p999", "max", "mean", "min", "std"]
    assert Histogram().percentiles_ms() == dict.fromkeys(keys)
    values = np.arange(1, 1001) * 1000  # 1 ms .. 1 s
    pct = from_values(values).percentiles_ms()
    assert list(pct) == keys
    exact = {
        "p50": 500.0,
        "p90": 900.0,
        "p95": 950.0,
        "p99": 990.0,
        "p999": 999.0,
        "max": 1000.0,
        "mean": float(values.mean()) / 1000,
        "min": 1.0,
        "std": float(values.std()) / 1000,
    }
    for key, want in exact.items():
        got = pct[key]
        assert got is not None and abs(got - want) <= 0.001 * want, key


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_mean_and_stdev_close_to_exact(name: str) -> None:
    values = sample(name, seed=3, n=20_000)
    hist = from_values(values)
    assert abs(hist.mean() - values.mean()) <= 0.001 * values.mean()
    assert abs(hist.stdev() - values.std()) <= 0.001 * values.std() + 1
    assert hist.sum == pytest.approx(hist.mean() * hist.total_count)
    reps, counts = hist.nonzero()
    assert counts.sum() == hist.total_count and np.all(np.diff(reps) > 0)


def test_spectrum_follows_hdr_percentile_ticks() -> None:
    values = np.arange(1, 100_001)
    spectrum = from_values(values).spectrum(5)
    levels = [p for p, _ in spectrum]
    assert levels[:17] == pytest.approx(
        [0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 77.5, 80, 82.5, 85, 87.5, 88.75]
    )
    assert levels[-1] == 100.0 and spectrum[-1][1] == 100.0
    ms = [v for _, v in spectrum]
    assert ms == sorted(ms)
    for level, value_ms in spectrum[1:-1]:
        exact = float(np.quantile(values, level / 100, method="inverted_cdf")) / 1000
        assert exact <= value_ms <= exact * 1.001 + 1e-9, level


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param([], [], id="empty"),
        pytest.param([5], [(0.0, 0.005), (100.0, 0.005)], id="single value"),
        pytest.param(
            [5, 9],
            [*((float(p), 0.005) for p in range(0, 51, 10)), (55.0, 0.009), (100.0, 0.009)],
            id="two values: levels step to 50% on the first slot",
        ),
    ],
)
def test_spectrum_small_cases(values: list[int], expected: list[tuple[float, float]]) -> None:
    assert from_values(values).spectrum() == expected


# -- V2 codec ----------------------------------------------------------------------------------


def payload_of(text: str) -> bytes:
    raw = base64.b64decode(text)
    cookie, length = struct.unpack(">ii", raw[:8])
    assert cookie == 0x1C849314 and length == len(raw) - 8
    return zlib.decompress(raw[8:])


HEADER = struct.pack(">iiiiqqd", 0x1C849313, 0, 0, 3, 1, HOUR_US, 1.0)


@pytest.mark.parametrize(
    ("record", "varints"),
    [
        pytest.param({}, b"", id="empty"),
        pytest.param({1: 1, 3: 1}, bytes([0, 2, 0, 2]), id="single zeros stay zeros"),
        pytest.param({1: 1, 5: 1}, bytes([0, 2, 5, 2]), id="zero run of 3 is -3"),
        pytest.param({0: 300}, bytes([0xD8, 0x04]), id="count 300 is two LEB128 bytes"),
        pytest.param({2048: 1}, bytes([0xFF, 0x1F, 2]), id="2048 is index 2048 after 2048 zeros"),
    ],
)
def test_encoded_payload_bytes(record: dict[int, int], varints: bytes) -> None:
    hist = Histogram()
    for value, count in record.items():
        hist.record(value, count)
    payload = payload_of(hist.encode())
    header = bytearray(HEADER)
    header[4:8] = struct.pack(">i", len(varints))
    assert payload == bytes(header) + varints
    assert Histogram.decode(hist.encode()) == hist


@FAST
@given(values=st.lists(st.integers(0, HOUR_US), max_size=300), big=st.integers(0, 2**62))
def test_encode_decode_round_trip(values: list[int], big: int) -> None:
    hist = from_values(values)
    hist.record(12345, big)  # counts large enough to need 9-byte varints
    back = Histogram.decode(hist.encode())
    assert back == hist and back.total_count == hist.total_count
    assert back.encode() == hist.encode()
    # Decoded min/max are slot bounds, so quantiles agree up to the slot width.
    for q, got, want in zip(
        QUANTILES,
        back.values_at_quantiles(QUANTILES),
        hist.values_at_quantiles(QUANTILES),
        strict=True,
    ):
        assert_within_tenth_percent(got, want, q)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_interop_with_hdrhistogram_py(name: str) -> None:
    values = sample(name, seed=11, n=3000)
    ours = from_values(values)
    theirs = HdrHistogram(1, HOUR_US, 3)
    for v in values:
        theirs.record_value(int(v))
    assert Histogram.decode(theirs.encode().decode()) == ours
    read_back = HdrHistogram.decode(ours.encode())
    assert read_back.get_total_count() == ours.total_count
    for q in QUANTILES[1:]:
        # hdrh reports slot highest-equivalents without clamping to the exact max.
        assert_within_tenth_percent(
            read_back.get_value_at_percentile(100 * q), ours.value_at_quantile(q)
        )
    assert read_back.get_mean_value() == pytest.approx(ours.mean(), rel=1e-3)


@pytest.mark.parametrize(
    ("lowest", "highest", "digits", "exact"),
    [
        pytest.param(1, 10**12, 3, True, id="same layout, larger range"),
        pytest.param(1, HOUR_US, 4, True, id="finer: 4 digits"),
        pytest.param(1, HOUR_US, 5, True, id="finer: 5 digits"),
        pytest.param(1, HOUR_US, 2, False, id="coarser: 2 digits"),
        pytest.param(1000, HOUR_US, 3, False, id="coarser: lowest 1000"),
    ],
)
def test_decode_foreign_settings(lowest: int, highest: int, digits: int, exact: bool) -> None:
    values = sample("log-uniform 1us..1h", seed=5, n=2000)
    theirs = HdrHistogram(lowest, highest, digits)
    for v in values:
        theirs.record_value(int(v))
    decoded = Histogram.decode(theirs.encode().decode())
    assert decoded.total_count == len(values)
    if exact:
        assert decoded == from_values(values)
        return
    tolerance = 10.0 ** -(digits - 1) + lowest / 10
    for q, got in zip(QUANTILES[1:], decoded.values_at_quantiles(QUANTILES[1:]), strict=True):
        want = float(np.quantile(values, q, method="inverted_cdf"))
        assert abs(got - want) <= tolerance * want + lowest, q


@pytest.mark.parametrize(
    "beyond",
    [pytest.param(10**11, id="far beyond"), pytest.param(HOUR_US + 10**6, id="same bucket")],
)
def test_decode_values_beyond_range_count_as_overflow(beyond: int) -> None:
    theirs = HdrHistogram(1, 10**12, 3)
    theirs.record_value(beyond, 3)
    theirs.record_value(7)
    decoded = Histogram.decode(theirs.encode().decode())
    assert (decoded.total_count, decoded.overflow, decoded.max) == (4, 3, HOUR_US)


def _wrap(payload: bytes, cookie: int = 0x1C849314) -> str:
    compressed = zlib.compress(payload)
    return base64.b64encode(struct.pack(">ii", cookie, len(compressed)) + compressed).decode()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("not base64!", id="not base64"),
        pytest.param(base64.b64encode(b"abc").decode(), id="too short"),
        pytest.param(_wrap(HEADER, cookie=0x1C849302), id="V1 cookie"),
        pytest.param(
            base64.b64encode(struct.pack(">ii", 0x1C849314, 99) + b"xx").decode(),
            id="length mismatch",
        ),
        pytest.param(
            base64.b64encode(struct.pack(">ii", 0x1C849314, 4) + b"nope").decode(),
            id="not zlib",
        ),
        pytest.param(_wrap(HEADER[:20]), id="payload header truncated"),
        pytest.param(_wrap(b"\x00" * 40), id="payload cookie wrong"),
        pytest.param(
            _wrap(struct.pack(">iiiiqqd", 0x1C849313, 5, 0, 3, 1, HOUR_US, 1.0) + b"\x02"),
            id="varints truncated",
        ),
        pytest.param(
            _wrap(struct.pack(">iiiiqqd", 0x1C849313, 1, 0, 3, 1, HOUR_US, 1.0) + b"\x80"),
            id="varint cut mid-number",
        ),
        pytest.param(
            _wrap(struct.pack(">iiiiqqd", 0x1C849313, 0, 4, 3, 1, HOUR_US, 1.0)),
            id="normalizing offset",
        ),
    ],
)
def test_decode_rejects_malformed(text: str) -> None:
    with pytest.raises(HistogramDecodeError):
        Histogram.decode(text)
