"""HDR interval logs: round trips, interop with HdrHistogram_py, crash tolerance."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hdrh.histogram import HdrHistogram
from hdrh.log import HistogramLogReader, HistogramLogWriter

from omninode_bridge.errors import UsageError
from omninode_bridge.metrics.hdrlog import LEGEND, HdrLogWriter, read_hdr_log
from omninode_bridge.metrics.histogram import HIGHEST_TRACKABLE_US, Histogram

START = 1_700_000_000.25


def interval_hist(seed: int, n: int = 500) -> Histogram:
    rng = np.random.default_rng(seed)
    hist = Histogram()
    hist.record_many(rng.lognormal(np.log(3000 + seed), 1.0, n).astype(np.int64))
    return hist


@pytest.mark.parametrize(
    "tags",
    [
        pytest.param([None, None, None], id="untagged"),
        pytest.param(["latency", "service_time", "latency"], id="tagged"),
        pytest.param(["POST_/hooks", None, "x"], id="mixed"),
    ],
)
def test_round_trip_keeps_histograms_times_tags_and_exact_max(
    tmp_path: Path, tags: list[str | None]
) -> None:
    path = tmp_path / "run.hlog"
    hists = [interval_hist(i) for i in range(len(tags))]
    with HdrLogWriter(path, START) as writer:
        for i, (tag, hist) in enumerate(zip(tags, hists, strict=True)):
            writer.write_interval(tag, float(i), 1.0, hist)
    records = read_hdr_log(path)
    assert [(t, s, n) for t, s, n, _ in records] == [
        (tag, float(i), 1.0) for i, tag in enumerate(tags)
    ]
    for (_, _, _, got), want in zip(records, hists, strict=True):
        assert got == want and (got.min, got.max) != (0, 0)
        assert got.max == want.max  # restored from the Interval_Max column


def test_header_lines_and_max_column_in_ms(tmp_path: Path) -> None:
    path = tmp_path / "run.hlog"
    hist = Histogram()
    hist.record(12_345_678)
    with HdrLogWriter(path, START) as writer:
        writer.write_interval("latency", 2.5, 1.0, hist)
        writer.write_interval(None, 3.5, 1.0, Histogram())
    lines = path.read_text().splitlines()
    assert lines[2].startswith("#[StartTime: 1700000000.250 (seconds since epoch), ")
    assert lines[3] == "#[BaseTime: 1700000000.250 (seconds since epoch)]"
    assert lines[4] == LEGEND
    assert lines[5].startswith("Tag=latency,2.500,1.000,12345.678,HISTF")
    assert lines[6].startswith("3.500,1.000,0.000,HISTF")


def test_reopening_appends_without_a_second_header(tmp_path: Path) -> None:
    path = tmp_path / "run.hlog"
    for i in range(2):
        with HdrLogWriter(path, START) as writer:
            writer.write_interval(None, float(i), 1.0, interval_hist(i))
    assert path.read_text().count("#[StartTime") == 1
    assert [s for _, s, _, _ in read_hdr_log(path)] == [0.0, 1.0]


@pytest.mark.parametrize("tag", ["", "a,b", "has space", "new\nline"])
def test_bad_tags_rejected(tmp_path: Path, tag: str) -> None:
    with HdrLogWriter(tmp_path / "x.hlog", START) as writer, pytest.raises(ValueError):
        writer.write_interval(tag, 0.0, 1.0, Histogram())


def test_write_after_close_raises(tmp_path: Path) -> None:
    writer = HdrLogWriter(tmp_path / "x.hlog", START)
    writer.close()
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write_interval(None, 0.0, 1.0, Histogram())


def test_hdrhistogram_py_reads_our_log(tmp_path: Path) -> None:
    path = tmp_path / "run.hlog"
    hists = [interval_hist(i) for i in range(3)]
    with HdrLogWriter(path, START) as writer:
        for i, hist in enumerate(hists):
            writer.write_interval("latency", 10.0 + i, 1.0, hist)
    reader = HistogramLogReader(str(path), HdrHistogram(1, HIGHEST_TRACKABLE_US, 3))
    for i, want in enumerate(hists):
        got = reader.get_next_interval_histogram()
        assert got is not None and got.get_tag() == "latency"
        assert got.get_total_count() == want.total_count
        assert got.get_start_time_stamp() == pytest.approx((START + 10.0 + i) * 1000)
        assert Histogram.decode(got.encode().decode()) == want
    assert reader.get_next_interval_histogram() is None
    reader.close()


def test_we_read_a_log_written_by_hdrhistogram_py(tmp_path: Path) -> None:
    buffer = io.StringIO()
    writer = HistogramLogWriter(buffer)
    writer.output_comment("[StartTime: 1700000000.000 (seconds since epoch), x]")
    writer.output_base_time(1_700_000_000_000)
    writer.output_legend()
    theirs = []
    for i in range(3):
        hist = HdrHistogram(1, HIGHEST_TRACKABLE_US, 3)
        for v in np.random.default_rng(i).integers(1, 10**7, 200):
            hist.record_value(int(v))
        writer.output_interval_histogram(hist, float(i), float(i) + 1.0)
        theirs.append(hist)
    (tmp_path / "theirs.hlog").write_text(buffer.getvalue())
    records = read_hdr_log(tmp_path / "theirs.hlog")
    assert [(t, s, n) for t, s, n, _ in records] == [(None, float(i), 1.0) for i in range(3)]
    for (_, _, _, got), want in zip(records, theirs, strict=True):
        assert got == Histogram.decode(want.encode().decode())
        assert got.total_count == 200


def test_absolute_timestamps_without_base_time(tmp_path: Path) -> None:
    path = tmp_path / "abs.hlog"
    line = f"{START + 4:.3f},1.000,0.000,{Histogram().encode()}"
    path.write_text(f"#[StartTime: {START:.3f} (seconds since epoch), x]\n{line}\n")
    assert [s for _, s, _, _ in read_hdr_log(path)] == [pytest.approx(4.0)]


@pytest.mark.parametrize(
    ("body", "line"),
    [
        pytest.param("1.0,1.0,HISTF\n2.0,1.0,0.0,x\n", 1, id="three fields"),
        pytest.param("abc,1.0,0.0,HISTFAAAA\nx\n", 1, id="bad number"),
        pytest.param("0.0,1.0,0.0,HISTFAAAAnope\n", 1, id="bad histogram"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path: Path, body: str, line: int) -> None:
    path = tmp_path / "bad.hlog"
    path.write_text(f"{LEGEND}\n" + body)
    with pytest.raises(UsageError, match=rf"bad\.hlog:{line + 1}: bad HDR log line"):
        read_hdr_log(path)


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read HDR log"):
        read_hdr_log(tmp_path / "nope.hlog")


def test_partial_last_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "cut.hlog"
    with HdrLogWriter(path, START) as writer:
        writer.write_interval(None, 0.0, 1.0, interval_hist(1))
        writer.write_interval(None, 1.0, 1.0, interval_hist(2))
    text = path.read_text()
    path.write_text(text[: -len(text.splitlines()[-1]) // 2])
    assert len(read_hdr_log(path)) == 1


WRITER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from omninode_bridge.metrics.hdrlog import HdrLogWriter
    from omninode_bridge.metrics.histogram import Histogram
    writer = HdrLogWriter(sys.argv[1], time.time())
    for i in range(2000):
        hist = Histogram()
        hist.record_many(np.arange(1, 1000 + i))
        writer.write_interval("latency", float(i), 1.0, hist)
        time.sleep(0.01)
    """
)


def test_killed_writer_loses_at_most_the_current_interval(tmp_path: Path) -> None:
    path = tmp_path / "killed.hlog"
    proc = subprocess.Popen([sys.executable, "-c", WRITER_SCRIPT, str(path)])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if path.exists() and path.read_text().count("Tag=latency") >= 20:
                break
            time.sleep(0.05)
        seen = path.read_text().count("\nTag=latency")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    records = read_hdr_log(path)
    assert seen >= 20 and len(records) >= seen
    for i, (_, start, _, hist) in enumerate(records):
        assert start == float(i) and hist.total_count == 999 + i
