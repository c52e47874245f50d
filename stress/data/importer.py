"""CSV files into the store, and stored rows out for display."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from stress.data.csvfiles import CHUNK_ROWS, expand_paths, iter_price_csv, option_date
from stress.data.revisions import conflict_message
from stress.data.store import PriceStore
from stress.errors import DataError, InputError, StoreConflict


@dataclass(frozen=True)
class ImportReport:
    rows: list[dict] = field(default_factory=list)
    warnings: tuple[str, ...] = ()

    @property
    def total_rows(self) -> int:
        return sum(r["rows"] for r in self.rows)


def import_csv(
    store: PriceStore, paths: list[str | Path], replace: bool = False,
    on_progress: Callable[[Path, int, int], None] | None = None, chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Stream every file into the store, ``chunk_rows`` rows at a time, all in one
    transaction: any error (a bad line in the last file) leaves the store as it was.
    Memory holds one chunk, not the file. ``on_progress(file, characters read, size)``
    after each chunk.

    A file that changes stored closes is refused (:class:`~stress.errors.StoreConflict`,
    nothing written) unless ``replace``; then the old closes go to the revisions table.
    A ticker whose closes are all empty is named in a warning (nothing stored for it)."""
    from functools import partial

    files = expand_paths(list(paths))
    owner: dict[str, Path] = {}
    stats: dict[tuple[Path, str], dict] = {}  # per file and ticker: rows, first, last
    gaps: dict[tuple[Path, str], list] = {}  # [count, first lines]
    weekend: dict[tuple[Path, str], list] = {}  # [count, first (date, line)]
    with store.transaction():
        for path in files:
            source = f"csv:{path.resolve()}"
            progress = partial(on_progress, path) if on_progress else None
            for chunk in iter_price_csv(path, chunk_rows, on_progress=progress):
                for t in set(chunk.rows["ticker"]) | set(chunk.gaps):
                    if owner.setdefault(t, path) != path:
                        raise InputError(f"{path}: ticker {t} also in {owner[t]}; import one file per ticker")
                _tally(gaps, path, chunk.gaps)
                _tally(weekend, path, chunk.weekend)
                if chunk.rows.empty:
                    continue
                for t, g in chunk.rows.groupby("ticker", sort=False):
                    st = stats.setdefault((path, t), {"rows": 0, "first": "9999", "last": ""})
                    st["rows"] += len(g)
                    st["first"] = min(st["first"], g["date"].min())
                    st["last"] = max(st["last"], g["date"].max())
                covered = {t: (stats[(path, t)]["first"], stats[(path, t)]["last"])
                           for t in set(chunk.rows["ticker"])}
                store.write(chunk.rows, source=source, covered=covered,
                            on_change="replace" if replace else "collect")
        changes = store.collected_changes()
        if changes and not replace:
            raise StoreConflict(conflict_message(changes), tuple(c.line() for c in changes))
    summary, warnings = [], []
    for c in changes:  # with --replace: said, and recoverable
        warnings.append(f"{c.line(replaced=True)}; the old closes: `stress prices history {c.ticker}`")
    for path in files:
        for (p, t), (n, shown) in sorted(gaps.items()):
            if p == path and (p, t) not in stats:
                warnings.append(f"{p}: {t}: every close is empty ({n} rows, lines "
                                f"{_lines(shown, n)}); nothing imported for {t}")
        for (p, t), st in sorted(stats.items()):
            if p != path:
                continue
            days = weekend.get((p, t))
            if days:
                n, first = days
                listed = ", ".join(f"{d} (line {ln})" for d, ln in first) + (" ..." if n > len(first) else "")
                warnings.append(f"{p}: {t}: {n} row(s) on a Saturday or Sunday: {listed}; "
                                "stored, but analyses on the market's sessions leave them out")
            n_gaps = gaps.get((p, t), [0, []])
            if n_gaps[0]:
                warnings.append(f"{p}: {t}: {n_gaps[0]} empty close(s) left as gaps "
                                f"(lines {_lines(n_gaps[1], n_gaps[0])})")
            summary.append({"ticker": t, "rows": st["rows"], "first": st["first"],
                            "last": st["last"], "gaps": n_gaps[0], "file": str(p)})
    return ImportReport(rows=summary, warnings=tuple(warnings))


def _tally(into: dict, path: Path, found: dict[str, list], keep: int = 5) -> None:
    """Count what a chunk found per ticker and keep the first ``keep`` of them."""
    for t, items in found.items():
        n, first = into.setdefault((path, t), [0, []])
        into[(path, t)] = [n + len(items), first + items[: max(0, keep - len(first))]]


def _lines(numbers: list[int], total: int | None = None) -> str:
    total = len(numbers) if total is None else total
    return ", ".join(map(str, numbers[:5])) + (" ..." if total > 5 else "")


def history_rows(store: PriceStore, ticker: str) -> list[dict]:
    """The revisions of ``ticker`` for display (oldest first): date, old and new close,
    the relative change, old and new source, when it was replaced."""
    if ticker not in store.tickers():
        raise DataError(f"{ticker}: not in the store")
    frame = store.history(ticker)
    out = []
    for r in frame.itertuples(index=False):
        new = None if r.new_close != r.new_close else float(r.new_close)
        out.append({
            "date": r.date, "old_close": float(r.old_close), "new_close": new,
            "change": None if new is None else new / float(r.old_close) - 1.0,
            "old_source": r.old_source, "new_source": r.new_source, "replaced_at": r.replaced_at,
        })
    return out


def show_rows(store: PriceStore, ticker: str, start: str | None, end: str | None) -> list[dict]:
    """Stored rows for display: date and close always, OHLCV fields when stored.
    ``start``/``end``: ISO dates (YYYY-MM-DD), both included; a malformed date or a start
    after the end is an :class:`InputError`."""
    start = None if start is None else option_date(start, "--start")
    end = None if end is None else option_date(end, "--end")
    if start and end and start > end:
        raise InputError(f"--start {start} is after --end {end}")
    if ticker not in store.tickers():
        raise DataError(
            f"{ticker}: not in the store; run `stress prices fetch {ticker}` or `stress prices import PATH`"
        )
    frame = store.read_ohlcv(ticker, start, end)
    if frame.empty:
        info = store.ticker_info(ticker)
        raise DataError(
            f"{ticker}: no prices between {start or 'the start'} and {end or 'the end'}"
            f" (stored: {info.first} to {info.last})"
        )
    out = []
    for day, row in frame.iterrows():
        rec = {"date": day.strftime("%Y-%m-%d"), "close": float(row["close"])}
        for c in ("open", "high", "low", "volume"):
            if row[c] == row[c]:
                rec[c] = float(row[c])
        out.append(rec)
    return out

