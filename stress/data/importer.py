"""CSV files into the store, and stored rows out for display."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from stress.data.csvfiles import expand_paths, option_date, read_price_csv
from stress.data.store import PriceStore
from stress.errors import DataError, InputError


@dataclass(frozen=True)
class ImportReport:
    rows: list[dict] = field(default_factory=list)
    warnings: tuple[str, ...] = ()

    @property
    def total_rows(self) -> int:
        return sum(r["rows"] for r in self.rows)


def import_csv(store: PriceStore, paths: list[str | Path], replace: bool = False) -> ImportReport:
    """Parse every file first (any error stops the import before anything is written),
    then write all rows in one transaction.

    A file that changes stored closes is refused (:class:`~stress.errors.StoreConflict`,
    nothing written) unless ``replace``; then the old closes go to the revisions table.
    A ticker whose closes are all empty is named in a warning (nothing stored for it)."""
    import pandas as pd

    parsed = [read_price_csv(p) for p in expand_paths(list(paths))]
    owner: dict[str, Path] = {}
    for pf in parsed:
        for t in pf.tickers:
            if t in owner:
                raise InputError(f"{pf.path}: ticker {t} also in {owner[t]}; import one file per ticker")
            owner[t] = pf.path
    rows = pd.concat([pf.rows for pf in parsed], ignore_index=True)
    summary, warnings = [], []
    for pf in parsed:
        source = f"csv:{pf.path.resolve()}"
        for t in sorted(set(pf.gaps) - set(pf.tickers)):
            warnings.append(f"{pf.path}: {t}: every close is empty ({len(pf.gaps[t])} rows, "
                            f"lines {_lines(pf.gaps[t])}); nothing imported for {t}")
        for t, g in pf.rows.groupby("ticker", sort=True):
            days = pf.weekend.get(t, [])
            if days:
                shown = ", ".join(f"{d} (line {n})" for d, n in days[:5]) + (" ..." if len(days) > 5 else "")
                warnings.append(f"{pf.path}: {t}: {len(days)} row(s) on a Saturday or Sunday: {shown}; "
                                "stored, but analyses on the market's sessions leave them out")
            gap_lines = pf.gaps.get(t, [])
            if gap_lines:
                warnings.append(f"{pf.path}: {t}: {len(gap_lines)} empty close(s) left as gaps "
                                f"(lines {_lines(gap_lines)})")
            summary.append(
                {"ticker": t, "rows": len(g), "first": g["date"].min(), "last": g["date"].max(),
                 "gaps": len(gap_lines), "file": str(pf.path), "_source": source}
            )
    store.write(rows, source={r["ticker"]: r.pop("_source") for r in summary},
                on_change="replace" if replace else "refuse")
    return ImportReport(rows=summary, warnings=tuple(warnings))


def _lines(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:5])) + (" ..." if len(numbers) > 5 else "")


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

