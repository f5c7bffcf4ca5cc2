"""HdrHistogram interval logs (``.hlog``): a line-flushed writer and a reader.

Owns the text format HdrHistogram's HistogramLogWriter/Reader use (Java, C, Python, and
tools such as HistogramLogAnalyzer)::

    #[Logged with omninode_bridge]
    #[Histogram log format version 1.3]
    #[StartTime: 1700000000.000 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]
    #[BaseTime: 1700000000.000 (seconds since epoch)]
    "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
    Tag=latency,0.000,1.000,12.345,HISTFAAAA...

Interval start times are seconds relative to BaseTime (= the writer's start time).
Histograms hold microseconds. ``Interval_Max`` is the interval's max divided by a
"max value unit ratio" as in HdrHistogram's writer; we use 1000 (µs → ms), so the column
reads in milliseconds and its 3 decimals keep the exact µs max. (HDR's default ratio,
1e6, assumes nanosecond histograms; the histogram payloads are unit-free either way.)
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from types import TracebackType
from typing import TextIO

from omninode_bridge.errors import UsageError
from omninode_bridge.metrics.histogram import Histogram, HistogramDecodeError

__all__ = ["MAX_VALUE_UNIT_RATIO", "HdrLogWriter", "IntervalRecord", "read_hdr_log"]

MAX_VALUE_UNIT_RATIO = 1000.0
LEGEND = '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"'
_YEAR_S = 365 * 24 * 3600.0
_START_RE = re.compile(r"#\[StartTime: *([-\d.]+)")
_BASE_RE = re.compile(r"#\[BaseTime: *([-\d.]+)")
_BAD_TAG = re.compile(r"[,\s]")

IntervalRecord = tuple[str | None, float, float, Histogram]
"""(tag, start in seconds from the log's start time, length in seconds, histogram)."""


class HdrLogWriter:
    """Appends interval histograms to an HDR log, one flushed line per interval.

    A crash loses at most the interval being written. Writing to an existing non-empty
    file appends intervals without repeating the header.
    """

    def __init__(self, path: str | Path, start_time_epoch_s: float) -> None:
        self.path = Path(path)
        self._file: TextIO | None = self.path.open("a", encoding="ascii")
        if self._file.tell() == 0:
            self._write_header(start_time_epoch_s)

    def _write_header(self, start_s: float) -> None:
        date = time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(start_s))
        self._emit(
            "#[Logged with omninode_bridge]\n"
            "#[Histogram log format version 1.3]\n"
            f"#[StartTime: {start_s:.3f} (seconds since epoch), {date}]\n"
            f"#[BaseTime: {start_s:.3f} (seconds since epoch)]\n"
            f"{LEGEND}\n"
        )

    def write_interval(
        self, tag: str | None, start_s: float, length_s: float, hist: Histogram
    ) -> None:
        """Append one interval; ``start_s`` is seconds since the log's start time."""
        self.write_encoded(tag, start_s, length_s, hist.max, hist.encode())

    def write_encoded(
        self, tag: str | None, start_s: float, length_s: float, max_us: float, encoded: str
    ) -> None:
        """Append one interval already in the compressed V2 encoding (no re-encoding)."""
        if tag is not None and (not tag or _BAD_TAG.search(tag)):
            raise ValueError(f"HDR log tag must be non-empty, without commas or spaces: {tag!r}")
        prefix = f"Tag={tag}," if tag is not None else ""
        max_field = max_us / MAX_VALUE_UNIT_RATIO
        self._emit(f"{prefix}{start_s:.3f},{length_s:.3f},{max_field:.3f},{encoded}\n")

    def _emit(self, text: str) -> None:
        if self._file is None:
            raise ValueError(f"HDR log {self.path} is closed")
        self._file.write(text)
        self._file.flush()

    def close(self) -> None:
        """Close the file; further writes raise ValueError. Idempotent."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> HdrLogWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _Times:
    """StartTime/BaseTime bookkeeping, with HdrHistogram's reader heuristics."""

    def __init__(self) -> None:
        self.start: float | None = None
        self.base: float | None = None

    def offset(self, stamp: float) -> float:
        """Seconds from the log's start time of a logged interval timestamp."""
        if self.start is None:
            self.start = stamp
        if self.base is None:
            # No BaseTime: stamps more than a year before StartTime are relative to it.
            self.base = self.start if stamp < self.start - _YEAR_S else 0.0
        return stamp + self.base - self.start


def read_hdr_log(path: str | Path) -> list[IntervalRecord]:
    """Every interval of an HDR log, in file order (tags None when untagged).

    A last line cut short by a crash (no trailing newline) is skipped. Other malformed
    lines, or a missing file, raise UsageError naming the file and line.
    """
    try:
        text = Path(path).read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read HDR log: {exc.strerror}") from exc
    lines = text.split("\n")
    times, records = _Times(), []
    for number, line in enumerate(lines, start=1):
        try:
            record = _parse_line(line.strip(), times)
        except (ValueError, HistogramDecodeError) as exc:
            if number == len(lines) and line:
                break  # partial final line from a crash mid-write
            raise UsageError(f"{path}:{number}: bad HDR log line: {exc}") from exc
        if record is not None:
            records.append(record)
    return records


def _parse_line(line: str, times: _Times) -> IntervalRecord | None:
    if not line or line.startswith('"StartTimestamp"'):
        return None
    if line.startswith("#"):
        if match := _START_RE.match(line):
            times.start = float(match.group(1))
        elif match := _BASE_RE.match(line):
            times.base = float(match.group(1))
        return None
    tag = None
    if line.startswith("Tag="):
        tag, _, line = line[4:].partition(",")
    fields = line.split(",")
    if len(fields) != 4:
        raise ValueError(f"expected 4 comma-separated fields, got {len(fields)}")
    start, length, max_field = (float(f) for f in fields[:3])
    hist = Histogram.decode(fields[3])
    hist.narrow_max(round(max_field * MAX_VALUE_UNIT_RATIO))
    return tag or None, times.offset(start), length, hist
