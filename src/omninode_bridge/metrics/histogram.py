"""The latency histogram: HdrHistogram's log-linear layout and its V2 wire format.

Owns :class:`Histogram`, a fixed-layout, mergeable histogram of integer microsecond
values (1 µs .. 1 h, 3 significant digits, so at most 0.1% relative error), and its
codec for HdrHistogram's V2 compressed base64 format ("HISTF…"), which the Java, C and
Python HdrHistogram tools read and write.

Layout (HdrHistogram_py's flat array, unit magnitude 0): a value ``v`` falls in bucket
``b = bit_length(v | 2047) - 11`` and sub-bucket ``s = v >> b``; its counts index is
``(b << 10) + s``. Values below 2048 are exact; above, each slot spans ``2**b`` µs, which
is less than 1/1024 of the values it holds. The counts array (23 552 int64) is allocated
once per histogram and never grows.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
import zlib
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "COUNTS_LEN",
    "HIGHEST_TRACKABLE_US",
    "SIGNIFICANT_DIGITS",
    "Histogram",
    "HistogramDecodeError",
]

SIGNIFICANT_DIGITS = 3
LOWEST_DISCERNIBLE_US = 1
HIGHEST_TRACKABLE_US = 3_600_000_000
_HALF_MAG = 10  # log2(sub_bucket_half_count)
_SUB_COUNT = 2048
_SUB_MASK = _SUB_COUNT - 1
_BUCKET_COUNT = 22  # buckets needed so that 2048 << (count - 1) > HIGHEST_TRACKABLE_US
COUNTS_LEN = (_BUCKET_COUNT + 1) << _HALF_MAG

_V2_ENCODING_COOKIE = 0x1C849303 | 0x10  # the 0x10 marks 8-byte words (Java, C, py)
_V2_COMPRESSED_COOKIE = 0x1C849304 | 0x10
_COOKIE_BASE_MASK = ~0xF0 & 0xFFFFFFFF
_PAYLOAD_HEADER = struct.Struct(">iiiiqqd")
_OUTER_HEADER = struct.Struct(">ii")
_QUANTILES_MS = {"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99, "p999": 0.999}

IntArray = npt.NDArray[np.int64]


class HistogramDecodeError(ValueError):
    """An encoded histogram that is malformed or uses an unsupported format."""


def _layout_tables(half_mag: int, unit_mag: int, length: int) -> tuple[IntArray, IntArray]:
    """Lowest value and width of every counts slot of an HdrHistogram layout."""
    idx = np.arange(length, dtype=np.int64)
    bucket = (idx >> half_mag) - 1
    sub = (idx & ((1 << half_mag) - 1)) + (1 << half_mag)
    first = bucket < 0
    sub[first] -= 1 << half_mag
    bucket[first] = 0
    shift = bucket + unit_mag
    return sub << shift, np.left_shift(np.int64(1), shift)


_LOWEST, _WIDTH = _layout_tables(_HALF_MAG, 0, COUNTS_LEN)
_HIGHEST: IntArray = _LOWEST + _WIDTH - 1
_MEDIAN: IntArray = _LOWEST + (_WIDTH >> 1)
_TOP_INDEX = int(np.searchsorted(_LOWEST, HIGHEST_TRACKABLE_US, side="right")) - 1


def _indices(values: IntArray) -> IntArray:
    """Counts indices of non-negative values ≤ HIGHEST_TRACKABLE_US (vectorized)."""
    # frexp's exponent is bit_length for positive integers below 2**53: exact.
    bits = np.frexp((values | _SUB_MASK).astype(np.float64))[1].astype(np.int64)
    bucket = bits - (_HALF_MAG + 1)
    return (bucket << _HALF_MAG) + (values >> bucket)


class Histogram:
    """HdrHistogram-style histogram of integer microseconds; see the module docstring.

    Out-of-range values never raise: negatives are recorded as 0, values above
    ``HIGHEST_TRACKABLE_US`` are recorded as that maximum and counted in ``overflow``.
    ``counts`` is the flat counts array; treat it as read-only.
    """

    __slots__ = ("_max", "_min", "counts", "overflow", "total_count")
    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __init__(self) -> None:
        self.counts: IntArray = np.zeros(COUNTS_LEN, dtype=np.int64)
        self.total_count = 0
        self.overflow = 0
        self._min = HIGHEST_TRACKABLE_US + 1
        self._max = -1

    # -- recording -------------------------------------------------------------------

    def record(self, value_us: int, count: int = 1) -> None:
        """Record ``count`` occurrences of one value: O(1), no allocation."""
        if count <= 0:
            return
        v = int(value_us)
        if v < 0:
            v = 0
        elif v > HIGHEST_TRACKABLE_US:
            v = HIGHEST_TRACKABLE_US
            self.overflow += count
        bucket = (v | _SUB_MASK).bit_length() - (_HALF_MAG + 1)
        self.counts[(bucket << _HALF_MAG) + (v >> bucket)] += count
        self.total_count += count
        if v < self._min:
            self._min = v
        if v > self._max:
            self._max = v

    def record_many(self, values_us: npt.NDArray[np.integer] | Sequence[int]) -> None:
        """Record every value of an array (the main path: one call per interval)."""
        raw = np.asarray(values_us)
        if raw.size == 0:
            return
        values = np.ravel(raw).astype(np.int64, copy=False)
        self.overflow += int(np.count_nonzero(values > HIGHEST_TRACKABLE_US))
        values = np.clip(values, 0, HIGHEST_TRACKABLE_US)
        self.counts += np.bincount(_indices(values), minlength=COUNTS_LEN)
        self.total_count += int(values.size)
        self._min = min(self._min, int(values.min()))
        self._max = max(self._max, int(values.max()))

    def record_corrected(self, value_us: int, expected_interval_us: int) -> None:
        """Record a value and, as HdrHistogram does, the samples coordinated omission hid.

        Also records ``value - k * interval`` for every k ≥ 1 while that is ≥ interval.
        Counted per slot in closed form, so a 1 h stall at a 1 µs interval costs O(slots).
        """
        self.record(value_us)
        interval = int(expected_interval_us)
        value = min(max(int(value_us), 0), HIGHEST_TRACKABLE_US)
        n = value // interval - 1 if interval > 0 else 0
        if n <= 0:
            return
        # Missing values are value - k*interval, k = 1..n; count the k landing in each slot.
        k_lo = np.maximum(1, -((_HIGHEST - value) // interval))
        k_hi = np.minimum(n, (value - _LOWEST) // interval)
        added = np.maximum(k_hi - k_lo + 1, 0)
        self.counts += added
        self.total_count += n
        self._min = min(self._min, value - n * interval)

    def _record_slots(self, slot_values: IntArray, slot_counts: IntArray) -> None:
        """Record weighted values exactly (used to re-bin foreign layouts)."""
        keep = slot_counts > 0
        values, weights = slot_values[keep], slot_counts[keep]
        if values.size == 0:
            return
        over = values > HIGHEST_TRACKABLE_US
        self.overflow += int(weights[over].sum())
        values = np.clip(values, 0, HIGHEST_TRACKABLE_US)
        np.add.at(self.counts, _indices(values), weights)
        self.total_count += int(weights.sum())
        self._min = min(self._min, int(values.min()))
        self._max = max(self._max, int(values.max()))

    # -- combining -------------------------------------------------------------------

    def add(self, other: Histogram) -> None:
        """Merge another histogram into this one, exactly."""
        self.counts += other.counts
        self.total_count += other.total_count
        self.overflow += other.overflow
        self._min = min(self._min, other._min)
        self._max = max(self._max, other._max)

    @classmethod
    def merged(cls, hists: Iterable[Histogram]) -> Histogram:
        """A new histogram holding the sum of ``hists``."""
        out = cls()
        for hist in hists:
            out.add(hist)
        return out

    def copy(self) -> Histogram:
        """An independent copy."""
        out = Histogram()
        out.add(self)
        return out

    def reset(self) -> None:
        """Forget everything recorded; keeps the counts array."""
        self.counts.fill(0)
        self.total_count = 0
        self.overflow = 0
        self._min = HIGHEST_TRACKABLE_US + 1
        self._max = -1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Histogram):
            return NotImplemented
        return bool(np.array_equal(self.counts, other.counts))

    def __repr__(self) -> str:
        return f"Histogram(total_count={self.total_count}, min={self.min}, max={self.max})"

    # -- statistics ------------------------------------------------------------------

    @property
    def min(self) -> int:
        """Smallest recorded value (exact; a slot bound after decode); 0 when empty."""
        return self._min if self.total_count else 0

    @property
    def max(self) -> int:
        """Largest recorded value (exact; a slot bound after decode); 0 when empty."""
        return self._max if self.total_count else 0

    def nonzero(self) -> tuple[IntArray, IntArray]:
        """(representative value in µs, count) of every non-empty slot, ascending.

        The representative is the slot's median-equivalent value (HdrHistogram's) kept
        within [min, max]; exact below 2048 µs and for the slots of the min and max.
        """
        idx = np.flatnonzero(self.counts)
        return np.clip(_MEDIAN[idx], self.min, self.max), self.counts[idx]

    @property
    def sum(self) -> float:
        """Sum of the values, from the :meth:`nonzero` representatives (as ``mean``)."""
        return self.mean() * self.total_count

    def mean(self) -> float:
        """Mean of the :meth:`nonzero` representatives; 0 when empty."""
        if not self.total_count:
            return 0.0
        values, counts = self.nonzero()
        return float(np.dot(values.astype(np.float64), counts)) / self.total_count

    def stdev(self) -> float:
        """Population standard deviation of the :meth:`nonzero` representatives."""
        if not self.total_count:
            return 0.0
        values, counts = self.nonzero()
        dev = values.astype(np.float64) - self.mean()
        return math.sqrt(float(np.dot(dev * dev, counts)) / self.total_count)

    def value_at_quantile(self, q: float) -> int:
        """The value at quantile ``q`` in [0, 1]; see :meth:`values_at_quantiles`."""
        return self.values_at_quantiles([q])[0]

    def values_at_quantiles(self, qs: Sequence[float]) -> list[int]:
        """Values at several quantiles in one pass over the counts.

        Rank as ``numpy.quantile(method="inverted_cdf")``: the ``ceil(q*n)``-th smallest
        value (at least the first). The answer is the highest-equivalent value of the
        slot holding that rank, clamped to the exact max; q = 0 gives the exact min.
        Empty histogram: zeros.
        """
        q = np.clip(np.asarray(qs, dtype=np.float64), 0.0, 1.0)
        if np.isnan(q).any():
            raise ValueError("quantile is NaN")
        n = self.total_count
        if n == 0:
            return [0] * len(q)
        virtual = q * n - 1  # numpy's inverted_cdf arithmetic, to agree on exact ties
        below = np.floor(virtual)
        rank0 = np.where(virtual == below, below, below + 1)
        # Clip twice: q*n is a float, so it can round past n for huge counts.
        rank = np.minimum(np.clip(rank0, 0, n - 1).astype(np.int64) + 1, n)
        idx = np.searchsorted(np.cumsum(self.counts), rank, side="left")
        values = np.minimum(_HIGHEST[idx], self.max)
        values = np.where(q == 0.0, self.min, values)
        return [int(v) for v in values]

    def percentiles_ms(self) -> dict[str, float | None]:
        """The results schema's ``Pct`` object: p50..p999, max, mean, min, std in ms."""
        keys = [*_QUANTILES_MS, "max", "mean", "min", "std"]
        if not self.total_count:
            return dict.fromkeys(keys)
        qs = self.values_at_quantiles(list(_QUANTILES_MS.values()))
        extra = [self.max, self.mean(), self.min, self.stdev()]
        return {k: v / 1000.0 for k, v in zip(keys, [*qs, *extra], strict=True)}

    def spectrum(self, ticks_per_half_distance: int = 5) -> list[tuple[float, float]]:
        """(percentile in %, value in ms) as HdrHistogram's outputPercentileDistribution.

        Levels start at 0% and step by 100 / (ticks * 2**(floor(log2(100/(100-L))) + 1)),
        so ``ticks`` steps per halving of the distance to 100%, ending with a 100% line.
        Each level reports the highest-equivalent value of the first slot whose
        cumulative percentile reaches it (clamped to the exact max).
        """
        if not self.total_count or ticks_per_half_distance < 1:
            return []
        idx = np.flatnonzero(self.counts)
        cum = np.cumsum(self.counts[idx])
        pct = 100.0 * cum / self.total_count
        values = np.minimum(_HIGHEST[idx], self.max) / 1000.0
        out: list[tuple[float, float]] = []
        level, pos, reached = 0.0, 0, 0
        while reached < self.total_count and len(out) < 100_000:
            pos = max(pos, int(np.searchsorted(pct, level, side="left")))
            out.append((level, float(values[pos])))
            reached = int(cum[pos])
            half = int(math.log(100.0 / (100.0 - level)) / math.log(2)) + 1
            level += 100.0 / (ticks_per_half_distance * 2**half)
        out.append((100.0, float(values[-1])))
        return out

    # -- V2 codec ---------------------------------------------------------------------

    def encode(self) -> str:
        """HdrHistogram V2 compressed, base64 ("HISTF…"); readable by HDR tools."""
        used = int(np.flatnonzero(self.counts)[-1]) + 1 if self.total_count else 0
        body = _zigzag_leb128(_run_length_tokens(self.counts[:used]))
        header = _PAYLOAD_HEADER.pack(
            _V2_ENCODING_COOKIE,
            len(body),
            0,
            SIGNIFICANT_DIGITS,
            LOWEST_DISCERNIBLE_US,
            HIGHEST_TRACKABLE_US,
            1.0,
        )
        compressed = zlib.compress(header + body)
        outer = _OUTER_HEADER.pack(_V2_COMPRESSED_COOKIE, len(compressed))
        return base64.b64encode(outer + compressed).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> Histogram:
        """Decode a V2 compressed base64 histogram from this or any HDR implementation.

        Same slot layout (unit magnitude 0, 3 digits): counts are copied exactly.
        Other layouts: every slot's median-equivalent value is re-recorded (exact when
        the foreign slots are finer than ours). Raises HistogramDecodeError.
        """
        payload = _unwrap(text)
        fields = _parse_payload_header(payload)
        sig_digits, lowest = fields[3], fields[4]
        body = payload[_PAYLOAD_HEADER.size : _PAYLOAD_HEADER.size + fields[1]]
        if len(body) != fields[1]:
            raise HistogramDecodeError("histogram payload is truncated")
        counts = _decode_counts(body)
        half_mag, unit_mag = _layout_of(sig_digits, lowest)
        if (counts.size >> half_mag) + unit_mag > 62:
            raise HistogramDecodeError("histogram slots exceed 64-bit values")
        hist = cls()
        if (half_mag, unit_mag) == (_HALF_MAG, 0) and counts.size <= _TOP_INDEX + 1:
            hist._set_counts(counts)
        else:
            low, width = _layout_tables(half_mag, unit_mag, counts.size)
            hist._record_slots(low + (width >> 1), counts)
        return hist

    def narrow_max(self, max_us: int) -> None:
        """Set the exact max when known from elsewhere (an HDR log's Interval_Max).

        Decoding only knows the max's slot; a value outside that slot is ignored.
        """
        if not self.total_count:
            return
        top = int(np.flatnonzero(self.counts)[-1])
        if int(_LOWEST[top]) <= max_us <= min(int(_HIGHEST[top]), HIGHEST_TRACKABLE_US):
            self._max = max_us

    def _set_counts(self, counts: IntArray) -> None:
        self.reset()
        self.counts[: counts.size] = counts
        idx = np.flatnonzero(self.counts)
        if idx.size:
            self.total_count = int(self.counts.sum())
            self._min = int(_LOWEST[idx[0]])
            self._max = min(int(_HIGHEST[idx[-1]]), HIGHEST_TRACKABLE_US)


def _run_length_tokens(counts: IntArray) -> IntArray:
    """Counts with each run of two or more zeros replaced by minus its length (HDR V2)."""
    if counts.size == 0:
        return counts
    change = np.flatnonzero(np.diff(counts != 0)) + 1
    starts = np.concatenate(([0], change))
    lengths = np.diff(np.concatenate((starts, [counts.size])))
    zero_run = (counts[starts] == 0) & (lengths > 1)
    # Each run becomes one token (zero runs) or its values (non-zero runs, single zeros).
    keep = np.ones(counts.size, dtype=bool)
    for_runs = starts[zero_run]
    keep[np.repeat(for_runs, lengths[zero_run]) + _ranges(lengths[zero_run])] = False
    keep[for_runs] = True
    tokens = counts.copy()
    tokens[for_runs] = -lengths[zero_run]
    return tokens[keep]


def _ranges(lengths: IntArray) -> IntArray:
    """Concatenation of arange(n) for every n in lengths."""
    if lengths.size == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    return np.arange(int(ends[-1]), dtype=np.int64) - np.repeat(ends - lengths, lengths)


def _zigzag_leb128(tokens: IntArray) -> bytes:
    """ZigZag then LEB128 as HdrHistogram writes it (a 9th byte carries 8 full bits)."""
    z = ((tokens << 1) ^ (tokens >> 63)).astype(np.uint64)
    shifts = np.arange(9, dtype=np.uint64) * np.uint64(7)
    groups = (z[:, None] >> shifts[None, :]) & np.uint64(0x7F)
    groups[:, 8] = z >> np.uint64(56)
    nbytes = np.ones(z.size, dtype=np.int64)
    for k in range(1, 9):
        nbytes += z >= (np.uint64(1) << np.uint64(7 * k))
    position = np.arange(9)[None, :]
    more = position < (nbytes[:, None] - 1)
    out = (groups | np.where(more & (position < 8), np.uint64(0x80), np.uint64(0))).astype(np.uint8)
    return out[position < nbytes[:, None]].tobytes()


def _decode_varints(body: bytes) -> IntArray:
    """ZigZag LEB128 tokens of an HDR V2 payload."""
    data = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(data < 0x80)
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    lengths = ends - starts + 1
    if data.size and (data[-1] >= 0x80 or lengths.max() > 8):
        return _decode_varints_slow(body)
    if data.size == 0:
        return np.zeros(0, dtype=np.int64)
    shift = (_ranges(lengths) * 7).astype(np.uint64)
    parts = (data & 0x7F).astype(np.uint64) << shift
    z = np.add.reduceat(parts, starts)
    return ((z >> np.uint64(1)).astype(np.int64)) ^ -((z & np.uint64(1)).astype(np.int64))


def _decode_varints_slow(body: bytes) -> IntArray:
    """Scalar decoder for payloads holding 9-byte words (counts ≥ 2**55)."""
    tokens: list[int] = []
    pos = 0
    while pos < len(body):
        z = 0
        for k in range(9):
            if pos >= len(body):
                raise HistogramDecodeError("histogram payload ends inside a number")
            byte = body[pos]
            pos += 1
            z |= (byte if k == 8 else byte & 0x7F) << (7 * k)
            if k == 8 or byte < 0x80:
                break
        z &= (1 << 64) - 1
        tokens.append((z >> 1) ^ -(z & 1))
    return np.array(tokens, dtype=np.int64)


def _decode_counts(body: bytes) -> IntArray:
    """The flat counts array spelled by a V2 payload."""
    tokens = _decode_varints(body)
    steps = np.where(tokens < 0, -tokens, 1)
    total = int(steps.sum()) if steps.size else 0
    if total > 1 << 24:
        raise HistogramDecodeError(f"histogram has too many slots ({total})")
    counts = np.zeros(total, dtype=np.int64)
    where = np.cumsum(steps) - steps
    real = tokens > 0
    counts[where[real]] = tokens[real]
    used = np.flatnonzero(counts)
    return counts[: int(used[-1]) + 1] if used.size else counts[:0]


def _unwrap(text: str) -> bytes:
    """Base64 → outer header → zlib → the V2 payload (header + varints)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise HistogramDecodeError(f"histogram is not base64: {exc}") from exc
    if len(raw) < _OUTER_HEADER.size:
        raise HistogramDecodeError("histogram is too short")
    cookie, length = _OUTER_HEADER.unpack_from(raw)
    if cookie & _COOKIE_BASE_MASK != 0x1C849304:
        raise HistogramDecodeError(f"not a V2 compressed histogram (cookie {cookie:#x})")
    if length != len(raw) - _OUTER_HEADER.size:
        raise HistogramDecodeError("histogram length field does not match its data")
    try:
        return zlib.decompress(raw[_OUTER_HEADER.size :])
    except zlib.error as exc:
        raise HistogramDecodeError(f"histogram is not zlib data: {exc}") from exc


def _parse_payload_header(payload: bytes) -> tuple[int, int, int, int, int, int, float]:
    if len(payload) < _PAYLOAD_HEADER.size:
        raise HistogramDecodeError("histogram payload header is truncated")
    fields: tuple[int, int, int, int, int, int, float] = _PAYLOAD_HEADER.unpack_from(payload)
    cookie, _, offset, sig_digits, lowest = fields[:5]
    if cookie & _COOKIE_BASE_MASK != 0x1C849303:
        raise HistogramDecodeError(f"not a V2 histogram payload (cookie {cookie:#x})")
    if offset != 0:
        raise HistogramDecodeError("histograms with a normalizing index offset unsupported")
    if not 0 <= sig_digits <= 5 or lowest < 1:
        raise HistogramDecodeError(f"bad histogram settings: digits {sig_digits}, lowest {lowest}")
    return fields


def _layout_of(sig_digits: int, lowest: int) -> tuple[int, int]:
    """(sub_bucket_half_count_magnitude, unit_magnitude) of an HDR configuration."""
    sub_count_mag = math.ceil(math.log2(2 * 10**sig_digits))
    return max(sub_count_mag - 1, 0), lowest.bit_length() - 1
