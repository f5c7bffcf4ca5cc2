"""Run history: one summary row per test per run, in SQLite (default) or PostgreSQL.

Owns ``HistoryRow`` (what is kept of a run), ``rows_from_runs`` (extracting it from results
documents), the two stores behind ``open_store(url, table)`` and ``trend`` (one metric
over time with the change points found by :func:`stats.change_points`).

URLs: ``None`` or a path or ``sqlite:///path`` → SQLite file; ``postgresql://…`` →
PostgreSQL through asyncpg (each call opens and closes its own connection).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from omninode_bridge.errors import UsageError
from omninode_bridge.regression import stats
from omninode_bridge.regression.loader import TestRun, decode_hist

DEFAULT_URL = "performance_history.sqlite3"
DEFAULT_TABLE = "perf_history"
TREND_METRICS = ("p50", "p90", "p95", "p99", "throughput", "error_rate")
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


@dataclass(frozen=True)
class HistoryRow:
    run_at: str
    suite: str
    test: str
    valid: bool
    p50: float | None
    p90: float | None
    p95: float | None
    p99: float | None
    throughput: float | None
    error_rate: float | None
    requests: int | None
    source: str
    label: str


COLUMNS = tuple(f.name for f in fields(HistoryRow))
_SQL_TYPES = {"valid": "BOOLEAN", "requests": "BIGINT"} | {
    c: "TEXT" for c in ("run_at", "suite", "test", "source", "label")
}


def _ddl(table: str) -> str:
    cols = ", ".join(f"{c} {_SQL_TYPES.get(c, 'DOUBLE PRECISION')}" for c in COLUMNS)
    return f"CREATE TABLE IF NOT EXISTS {table} (id {{id}}, {cols})"


def rows_from_runs(runs: Sequence[TestRun], label: str = "") -> list[HistoryRow]:
    return [_row(r, label) for r in runs]


def _row(r: TestRun, label: str) -> HistoryRow:
    m = r.result.get("metrics") or {}
    pct = _percentiles(r, m)
    return HistoryRow(
        run_at=r.timestamp or datetime.now(UTC).isoformat(timespec="seconds"),
        suite=r.suite or "adhoc",
        test=r.test_name,
        valid=r.valid,
        p50=pct.get("p50"),
        p90=pct.get("p90"),
        p95=pct.get("p95"),
        p99=pct.get("p99"),
        throughput=_float(m.get("throughput")),
        error_rate=_float(m.get("error_rate")),
        requests=int(m.get("requests") or m.get("response_time_count") or 0),
        source=r.source,
        label=label,
    )


def _percentiles(r: TestRun, m: dict[str, Any]) -> dict[str, float | None]:
    lat = m.get("latency_ms")
    if isinstance(lat, dict):
        return {k: _float(lat.get(k)) for k in ("p50", "p90", "p95", "p99")}
    hdr = m.get("hdr")
    if isinstance(hdr, dict) and hdr.get("latency"):
        values, counts = decode_hist(hdr["latency"], f"{r.source}: {r.test_name}")
        grid, (row,) = stats.common_grid([(values, counts)], 1e-6)
        q = stats.quantiles_of(row, grid, [0.5, 0.9, 0.95, 0.99]) / 1000.0
        return {k: _float(v) for k, v in zip(("p50", "p90", "p95", "p99"), q, strict=True)}
    rts = (m.get("custom_metrics") or {}).get("response_time_stats") or {}
    return {
        "p50": _float(rts.get("median")),
        "p95": _float(rts.get("p95")),
        "p99": _float(rts.get("p99")),
    }


def _float(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


class HistoryStore(Protocol):
    def record(self, rows: Sequence[HistoryRow]) -> int: ...
    def query(
        self, suite: str | None = None, test: str | None = None, limit: int = 200
    ) -> list[HistoryRow]: ...
    def drop(self) -> None: ...


def open_store(url: str | None = None, table: str = DEFAULT_TABLE) -> HistoryStore:
    if not _TABLE.match(table):
        raise UsageError(f"history table name {table!r} is not a plain SQL identifier")
    url = url or DEFAULT_URL
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url, table)
    if "://" in url and not url.startswith("sqlite://"):
        raise UsageError(f"history URL {url!r}: use a path, sqlite:///path or postgresql://…")
    # SQLAlchemy style: sqlite:///relative/path, sqlite:////absolute/path
    return SqliteStore(Path(url.removeprefix("sqlite:///")), table)


def _where(suite: str | None, test: str | None, ph: Any) -> tuple[str, list[Any]]:
    conds, args = [], []
    for col, val in (("suite", suite), ("test", test)):
        if val is not None:
            args.append(val)
            conds.append(f"{col} = {ph(len(args))}")
    return (" WHERE " + " AND ".join(conds)) if conds else "", args


class SqliteStore:
    def __init__(self, path: Path, table: str) -> None:
        self.path, self.table = path, table
        if path.parent != Path(""):
            path.parent.mkdir(parents=True, exist_ok=True)
        with self._conn() as c:
            c.execute(_ddl(table).format(id="INTEGER PRIMARY KEY AUTOINCREMENT"))

    def _conn(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def record(self, rows: Sequence[HistoryRow]) -> int:
        marks = ", ".join("?" for _ in COLUMNS)
        sql = f"INSERT INTO {self.table} ({', '.join(COLUMNS)}) VALUES ({marks})"
        with self._conn() as c:
            c.executemany(sql, [astuple(r) for r in rows])
        return len(rows)

    def query(
        self, suite: str | None = None, test: str | None = None, limit: int = 200
    ) -> list[HistoryRow]:
        where, args = _where(suite, test, lambda i: "?")
        sql = (
            f"SELECT {', '.join(COLUMNS)} FROM {self.table}{where} "
            "ORDER BY run_at DESC, id DESC LIMIT ?"
        )
        with self._conn() as c:
            got = c.execute(sql, [*args, limit]).fetchall()
        return [_from_db(t) for t in reversed(got)]

    def drop(self) -> None:
        with self._conn() as c:
            c.execute(f"DROP TABLE IF EXISTS {self.table}")


class PostgresStore:
    def __init__(self, url: str, table: str) -> None:
        self.url, self.table = url, table
        self._run(self._execute(_ddl(table).format(id="BIGSERIAL PRIMARY KEY")))

    def _run(self, coro: Any) -> Any:
        try:
            return asyncio.run(coro)
        except OSError as exc:
            raise UsageError(f"history store {self.url}: cannot connect: {exc}") from exc

    async def _execute(
        self, sql: str, *args: Any, many: list[tuple[Any, ...]] | None = None
    ) -> Any:
        import asyncpg  # optional dependency: only needed for PostgreSQL URLs

        conn = await asyncpg.connect(self.url)
        try:
            if many is not None:
                return await conn.executemany(sql, many)
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    def record(self, rows: Sequence[HistoryRow]) -> int:
        marks = ", ".join(f"${i + 1}" for i in range(len(COLUMNS)))
        sql = f"INSERT INTO {self.table} ({', '.join(COLUMNS)}) VALUES ({marks})"
        self._run(self._execute(sql, many=[astuple(r) for r in rows]))
        return len(rows)

    def query(
        self, suite: str | None = None, test: str | None = None, limit: int = 200
    ) -> list[HistoryRow]:
        where, args = _where(suite, test, lambda i: f"${i}")
        sql = (
            f"SELECT {', '.join(COLUMNS)} FROM {self.table}{where} "
            f"ORDER BY run_at DESC, id DESC LIMIT ${len(args) + 1}"
        )
        got = self._run(self._execute(sql, *args, limit))
        return [_from_db(tuple(rec)) for rec in reversed(got)]

    def drop(self) -> None:
        self._run(self._execute(f"DROP TABLE IF EXISTS {self.table}"))


def _from_db(t: tuple[Any, ...]) -> HistoryRow:
    values = dict(zip(COLUMNS, t, strict=True))
    values["valid"] = bool(values["valid"])
    return HistoryRow(**values)


@dataclass(frozen=True)
class Trend:
    metric: str
    points: list[tuple[str, float]]
    change_points: list[int]

    def shifts(self) -> list[tuple[str, float, float]]:
        """(run_at of the first run after each change, mean before, mean after)."""
        bounds = [0, *self.change_points, len(self.points)]
        means = [
            sum(v for _, v in self.points[a:b]) / max(b - a, 1)
            for a, b in itertools.pairwise(bounds)
        ]
        return [
            (self.points[k][0], means[i], means[i + 1]) for i, k in enumerate(self.change_points)
        ]


def trend(rows: Sequence[HistoryRow], metric: str, alpha: float = 0.01) -> Trend:
    """One metric of valid runs over time, with its change points."""
    if metric not in TREND_METRICS:
        raise UsageError(f"unknown metric {metric!r}; choose from {', '.join(TREND_METRICS)}")
    points = [
        (r.run_at, float(v)) for r in rows if r.valid and (v := getattr(r, metric)) is not None
    ]
    return Trend(metric, points, stats.change_points([v for _, v in points], alpha=alpha))
