"""The embedded price store: one SQLite file in the data directory.

Per ticker and trading day: adjusted close, and open/high/low/volume where the source has
them. Per ticker: source and fetched-at time, and the date ranges already requested
(``coverage``), so a refresh asks only for what is missing. Every write is one
transaction: a process killed half-way leaves the store with its last complete data.
WAL journal mode lets readers work while a writer writes.

Dates are ISO ``YYYY-MM-DD`` text: readable with the ``sqlite3`` shell, ordered as text.

History is kept: each row records its source, and a write that would change a stored
close is refused unless told to replace; replaced closes go to the ``revisions`` table
(:mod:`stress.data.revisions`). A store the process may not write (a read-only file or
folder) is opened read-only: reading works, writing is one clear error. SQLite failures
(corruption, a full disk, a lock held too long) become one :class:`EnvironmentFault` line
naming the file and the cause.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from stress.data.sqlitefile import connect_readonly as _connect_readonly, store_fault
from stress.data.revisions import REVISIONS_SCHEMA, combine, conflict_message, plan_write, summarise
from stress.errors import EnvironmentFault, StoreConflict

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS prices (
    ticker TEXT NOT NULL,
    date   TEXT NOT NULL,
    close  REAL NOT NULL CHECK (close > 0),
    open   REAL,
    high   REAL,
    low    REAL,
    volume REAL,
    source TEXT,
    PRIMARY KEY (ticker, date)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tickers (
    ticker     TEXT PRIMARY KEY,
    source     TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS coverage (
    ticker TEXT NOT NULL,
    start  TEXT NOT NULL,
    end    TEXT NOT NULL,
    PRIMARY KEY (ticker, start)
) WITHOUT ROWID;
"""

PRICE_COLUMNS = ("close", "open", "high", "low", "volume")


@dataclass(frozen=True)
class TickerInfo:
    """One stored ticker. ``source``: the source of most of its rows (of the last write
    when it has none); ``sources``: (source, rows) for every source, most rows first."""

    ticker: str
    first: str
    last: str
    rows: int
    source: str
    fetched_at: str
    sources: tuple[tuple[str, int], ...] = ()


def _iso(d: date | datetime | str) -> str:
    if isinstance(d, str):
        return d[:10]
    return d.strftime("%Y-%m-%d")


def _merge(ranges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Merge overlapping or adjacent (next calendar day) date ranges."""
    out: list[tuple[str, str]] = []
    for s, e in sorted(ranges):
        if out:
            ps, pe = out[-1]
            next_day = _iso(date.fromisoformat(pe) + timedelta(days=1))
            if s <= next_day:
                out[-1] = (ps, max(pe, e))
                continue
        out.append((s, e))
    return out


def subtract_ranges(start: str, end: str, covered: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The parts of [start, end] (inclusive calendar dates) not inside any covered range."""
    missing: list[tuple[str, str]] = []
    cursor = date.fromisoformat(start)
    stop = date.fromisoformat(end)
    for s, e in _merge(covered):
        cs, ce = date.fromisoformat(s), date.fromisoformat(e)
        if ce < cursor:
            continue
        if cs > stop:
            break
        if cs > cursor:
            missing.append((_iso(cursor), _iso(min(stop, cs - timedelta(days=1)))))
        cursor = max(cursor, ce + timedelta(days=1))
        if cursor > stop:
            break
    if cursor <= stop:
        missing.append((_iso(cursor), _iso(stop)))
    return missing


class PriceStore:
    """The SQLite price store at ``path`` (created on first use; opened read-only when
    this process may not write it)."""

    #: seconds a write waits for another writer before giving up with a clear line
    LOCK_TIMEOUT = 10.0

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._outer, self._collected = False, {}
        self.readonly = self.path.exists() and not (
            os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK))
        if not self.readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise EnvironmentFault(
                    f"{self.path.parent}: cannot create the data directory: {exc.strerror or exc}"
                ) from None
        with self._guard("open"):
            if self.readonly:
                self._conn = _connect_readonly(self.path)
            else:
                self._conn = sqlite3.connect(self.path, timeout=self.LOCK_TIMEOUT, isolation_level=None)
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                self._conn.executescript(SCHEMA + REVISIONS_SCHEMA)
                self._migrate()
            self._row_source = "source" in {
                r[1] for r in self._conn.execute("PRAGMA table_info(prices)")}

    def _migrate(self) -> None:
        """Stores written before per-row sources: add the column, filled from the
        ticker's source (the only provenance they had)."""
        cols = {r[1] for r in self._conn.execute("PRAGMA table_info(prices)")}
        if "source" not in cols:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute("ALTER TABLE prices ADD COLUMN source TEXT")
            self._conn.execute(
                "UPDATE prices SET source = (SELECT source FROM tickers t WHERE t.ticker = prices.ticker)")
            self._conn.execute("COMMIT")

    @contextmanager
    def _guard(self, doing: str):
        """SQLite errors as one :class:`EnvironmentFault` line naming the store and the cause."""
        try:
            yield
        except sqlite3.Error as exc:
            raise EnvironmentFault(store_fault(self.path, exc, doing, self.LOCK_TIMEOUT)) from None

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "PriceStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writing -------------------------------------------------------------------
    def write(
        self,
        rows: "pd.DataFrame",
        source: str | dict[str, str],
        covered: dict[str, tuple[str, str]] | None = None,
        fetched_at: datetime | None = None,
        replace: dict[str, tuple[str, str]] | None = None,
        on_change: str = "refuse",
    ) -> int:
        """Insert price rows in one transaction; return the number of rows.

        ``rows``: long frame with columns ``ticker``, ``date`` (ISO text or datetime),
        ``close`` and optionally ``open``, ``high``, ``low``, ``volume``.
        ``covered``: per ticker, the (start, end) date range the source was asked for
        (defaults to the first and last date written), recorded so a later refresh does
        not ask again. ``source``: one name for all tickers, or one per ticker.
        ``replace``: per ticker, a date range whose stored rows are deleted first, in the
        same transaction (a source that re-adjusted its history is re-fetched whole).
        ``on_change``: what to do when the write changes stored closes (a different
        value on a stored day, or a stored day deleted by ``replace``): ``"refuse"``
        raises :class:`StoreConflict` with the per-ticker summary and writes nothing;
        ``"replace"`` writes and records every old value in the ``revisions`` table;
        ``"collect"`` (inside :meth:`transaction` only) writes and adds the per-ticker
        summary to :meth:`collected_changes`, for the caller to refuse at the end.
        Stored days whose close does not change keep their source. Inside
        :meth:`transaction` the write is part of that transaction.
        """
        import pandas as pd

        if on_change not in ("refuse", "replace", "collect"):
            raise ValueError(f"on_change must be 'refuse', 'replace' or 'collect', not {on_change!r}")
        if rows.empty and not covered:
            return 0
        self._writable()
        fetched = _iso_ts(fetched_at or datetime.now(timezone.utc))
        frame = rows.copy()
        frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
        for col in PRICE_COLUMNS:
            if col not in frame.columns:
                frame[col] = None
        frame["source"] = source if isinstance(source, str) else frame["ticker"].map(source)
        frame = frame[["ticker", "date", *PRICE_COLUMNS, "source"]]
        if covered is None:
            covered = {
                t: (g["date"].min(), g["date"].max()) for t, g in frame.groupby("ticker")
            }
        tickers = sorted(set(frame["ticker"]) | set(covered))
        conn = self._conn
        own = not self._outer
        if on_change == "collect" and own:
            raise ValueError("on_change='collect' needs an enclosing store.transaction()")
        with self._guard("write to"):
            try:
                if own:
                    conn.execute("BEGIN IMMEDIATE")
                frame = self._check_changes(frame, replace or {}, on_change, fetched)
                for t, (s, e) in (replace or {}).items():
                    conn.execute(
                        "DELETE FROM prices WHERE ticker = ? AND date >= ? AND date <= ?",
                        (t, _iso(s), _iso(e)),
                    )
                records = list(
                    frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None))
                conn.executemany(
                    "INSERT OR REPLACE INTO prices (ticker, date, close, open, high, low, volume, source)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    records,
                )
                for t in tickers:
                    conn.execute(
                        "INSERT OR REPLACE INTO tickers (ticker, source, fetched_at) VALUES (?, ?, ?)",
                        (t, source if isinstance(source, str) else source[t], fetched),
                    )
                    if t in covered:
                        old = conn.execute(
                            "SELECT start, end FROM coverage WHERE ticker = ?", (t,)
                        ).fetchall()
                        s, e = covered[t]
                        merged = _merge([*old, (_iso(s), _iso(e))])
                        conn.execute("DELETE FROM coverage WHERE ticker = ?", (t,))
                        conn.executemany(
                            "INSERT INTO coverage (ticker, start, end) VALUES (?, ?, ?)",
                            [(t, a, b) for a, b in merged],
                        )
                if own:
                    conn.execute("COMMIT")
            except BaseException:
                if own and conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return len(records)

    @contextmanager
    def transaction(self):
        """Several writes as one transaction (an import streamed in chunks): all of them
        are committed at the end of the block, none if it raises."""
        self._writable()
        with self._guard("write to"):
            self._conn.execute("BEGIN IMMEDIATE")
        self._outer, self._collected = True, {}
        try:
            yield self
            with self._guard("write to"):
                self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        finally:
            self._outer = False

    def collected_changes(self) -> list:
        """Per ticker, the stored closes changed (``"collect"``) or replaced
        (``"replace"``) by the writes of the current :meth:`transaction`
        (:class:`~stress.data.revisions.TickerChange`)."""
        return [self._collected[t] for t in sorted(self._collected)]

    def _check_changes(self, frame: "pd.DataFrame", replace: dict[str, tuple[str, str]],
                       on_change: str, now: str) -> "pd.DataFrame":
        """Inside the write's transaction: find the stored closes ``frame`` changes (and
        the stored days ``replace`` deletes); refuse, or record them as revisions. Returns
        ``frame`` with unchanged stored days keeping their stored source."""
        import pandas as pd

        spans: dict[str, tuple[str, str]] = {}
        if len(frame):
            for t, g in frame.groupby("ticker"):
                spans[t] = (g["date"].min(), g["date"].max())
        for t, (s, e) in replace.items():
            a, b = spans.get(t, (_iso(s), _iso(e)))
            spans[t] = (min(a, _iso(s)), max(b, _iso(e)))
        stored = []
        for t, (s, e) in spans.items():
            stored += self._conn.execute(
                "SELECT ticker, date, close, source FROM prices WHERE ticker = ? AND date >= ? AND date <= ?",
                (t, s, e)).fetchall()
        if not stored:
            return frame
        stored_frame = pd.DataFrame(stored, columns=["ticker", "date", "close", "source"])
        changes, frame = plan_write(frame, stored_frame, {t: (_iso(s), _iso(e)) for t, (s, e) in replace.items()})
        if len(changes):
            if on_change == "refuse":
                summary = summarise(changes)
                raise StoreConflict(conflict_message(summary), tuple(c.line() for c in summary))
            if self._outer:  # the transaction's summary: refused ("collect") or reported
                for c in summarise(changes):
                    self._collected[c.ticker] = combine(self._collected.get(c.ticker), c)
            if on_change == "replace":
                self._conn.executemany(
                    "INSERT INTO revisions (ticker, date, old_close, new_close, old_source, new_source,"
                    " replaced_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(*r[:3], None if r[3] != r[3] else r[3], r[4], r[5], now)
                     for r in changes.itertuples(index=False, name=None)],
                )
        return frame

    def _writable(self) -> None:
        if self.readonly:
            raise EnvironmentFault(
                f"{self.path}: the price store is read-only for this user (file or folder not "
                "writable); it can be read but not written")

    def history(self, ticker: str) -> "pd.DataFrame":
        """The revisions of ``ticker``: every stored close a later write replaced, oldest
        first; columns ticker, date, old_close, new_close (NaN: deleted), old_source,
        new_source, replaced_at."""
        import pandas as pd

        from stress.data.revisions import REVISION_COLUMNS

        with self._guard("read"):
            has = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'revisions'").fetchone()
            rows = self._conn.execute(
                "SELECT " + ", ".join(REVISION_COLUMNS) + " FROM revisions WHERE ticker = ?"
                " ORDER BY replaced_at, date", (ticker,)).fetchall() if has else []
        return pd.DataFrame(rows, columns=list(REVISION_COLUMNS))

    # ---- reading -------------------------------------------------------------------
    def tickers(self) -> list[str]:
        with self._guard("read"):
            return [r[0] for r in self._conn.execute("SELECT ticker FROM tickers ORDER BY ticker")]

    def info(self) -> list[TickerInfo]:
        """One row per ticker: first and last date, row count, source, fetched-at."""
        return self._info("", [])

    def ticker_info(self, ticker: str) -> TickerInfo | None:
        for i in self.info_for([ticker]):
            return i
        return None

    def info_for(self, tickers: Iterable[str]) -> list[TickerInfo]:
        """:meth:`info` of the stored ones of ``tickers`` only (in ticker order)."""
        wanted = sorted(set(tickers))
        return self._info(" WHERE t.ticker IN (%s)" % ",".join("?" * len(wanted)), wanted)

    def _info(self, where: str, params: list[str]) -> list[TickerInfo]:
        q = (
            "SELECT t.ticker, MIN(p.date), MAX(p.date), COUNT(p.date), t.source, t.fetched_at"
            " FROM tickers t LEFT JOIN prices p ON p.ticker = t.ticker" + where +
            " GROUP BY t.ticker ORDER BY t.ticker"
        )
        with self._guard("read"):
            base = self._conn.execute(q, params).fetchall()
            per: dict[str, list[tuple[str, int]]] = {}
            if self._row_source and base:
                sq = ("SELECT p.ticker, COALESCE(p.source, t.source), COUNT(*) FROM prices p"
                      " JOIN tickers t ON t.ticker = p.ticker" + where.replace("t.ticker", "p.ticker")
                      + " GROUP BY p.ticker, COALESCE(p.source, t.source)")
                for t, src, n in self._conn.execute(sq, params):
                    per.setdefault(t, []).append((src, n))
        out = []
        for t, first, last, n, src, fetched in base:
            sources = sorted(per.get(t, [(src, n)] if n else []), key=lambda x: (-x[1], x[0]))
            main = sources[0][0] if sources else src
            out.append(TickerInfo(t, first, last, n, main, fetched, tuple(sources)))
        return out

    def coverage(self, ticker: str) -> list[tuple[str, str]]:
        with self._guard("read"):
            return self._conn.execute(
                "SELECT start, end FROM coverage WHERE ticker = ? ORDER BY start", (ticker,)
            ).fetchall()

    def missing_ranges(self, ticker: str, start: str, end: str) -> list[tuple[str, str]]:
        """Date ranges within [start, end] that were never requested for ``ticker``."""
        return subtract_ranges(_iso(start), _iso(end), self.coverage(ticker))

    def read_closes(
        self, tickers: Iterable[str], start: str | None = None, end: str | None = None
    ) -> "pd.DataFrame":
        """Adjusted closes, shape (n_days, n_tickers): index ``date`` (DatetimeIndex, the
        union of the tickers' days), columns in the order asked. A day a ticker has no
        row is NaN (a gap, never filled). Tickers with no rows at all are all-NaN columns;
        callers decide whether that is an error."""
        return self._read(list(tickers), "close", start, end)

    def read_ohlcv(self, ticker: str, start: str | None = None, end: str | None = None) -> "pd.DataFrame":
        """One ticker's rows: index ``date``, columns close, open, high, low, volume."""
        import pandas as pd

        sql, params = self._where([ticker], start, end)
        with self._guard("read"):
            got = self._conn.execute(
                "SELECT date, close, open, high, low, volume FROM prices" + sql + " ORDER BY date",
                params,
            ).fetchall()
        frame = pd.DataFrame(got, columns=["date", *PRICE_COLUMNS])
        frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
        return frame.set_index("date").astype(float)

    def _where(self, tickers: list[str], start: str | None, end: str | None) -> tuple[str, list]:
        """`` WHERE ticker IN (...) AND date >= ? AND date <= ?`` and its parameters."""
        sql, params = _date_range(start, end)
        return " WHERE ticker IN (%s)" % ",".join("?" * len(tickers)) + sql, [*tickers, *params]

    def _read(self, tickers: list[str], column: str, start, end) -> "pd.DataFrame":
        """One query per ticker on the (ticker, date) primary key, dates fetched as
        julianday numbers (no per-row strings), values placed into one (days, tickers)
        array by searchsorted on the union of days. About 3.5x faster than a long frame
        and pivot for 100 tickers x 10 years (benchmarks/run.py --only store-load)."""
        import itertools

        import numpy as np
        import pandas as pd

        if not tickers:
            return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
        dates, tail = _date_range(start, end)
        sql = f"SELECT julianday(date), {column} FROM prices WHERE ticker = ? AND {column} IS NOT NULL" + dates
        days, values = [], []
        for t in tickers:
            with self._guard("read"):
                rows = self._conn.execute(sql, (t, *tail)).fetchall()
            flat = np.fromiter(itertools.chain.from_iterable(rows), float, 2 * len(rows))
            # julianday of a midnight date is k + 0.5 exactly: whole seconds since 1970
            days.append(np.rint((flat[0::2] - 2440587.5) * 86400.0).astype(np.int64))
            values.append(flat[1::2])
        union = np.unique(np.concatenate(days))
        if union.size == 0:
            frame = pd.DataFrame(np.nan, index=pd.DatetimeIndex([], name="date"), columns=tickers)
            frame.columns.name = None
            return frame
        out = np.full((union.size, len(tickers)), np.nan)
        for j, (d, v) in enumerate(zip(days, values)):
            out[np.searchsorted(union, d), j] = v
        index = pd.DatetimeIndex(union.astype("datetime64[s]").astype("datetime64[us]"), name="date")
        return pd.DataFrame(out, index=index, columns=list(tickers))


def _date_range(start: str | None, end: str | None) -> tuple[str, list[str]]:
    """`` AND date >= ? AND date <= ?`` (each part only when given) and its parameters."""
    sql, params = "", []
    if start:
        sql += " AND date >= ?"
        params.append(_iso(start))
    if end:
        sql += " AND date <= ?"
        params.append(_iso(end))
    return sql, params


def _iso_ts(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
