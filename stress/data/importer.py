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


def import_csv(store: PriceStore, paths: list[str | Path]) -> ImportReport:
    """Parse every file first (any error stops the import before anything is written),
    then write all rows in one transaction."""
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
        for t, g in pf.rows.groupby("ticker", sort=True):
            gap_lines = pf.gaps.get(t, [])
            if gap_lines:
                shown = ", ".join(map(str, gap_lines[:5])) + (" ..." if len(gap_lines) > 5 else "")
                warnings.append(
                    f"{pf.path}: {t}: {len(gap_lines)} empty close(s) left as gaps (lines {shown})"
                )
            summary.append(
                {"ticker": t, "rows": len(g), "first": g["date"].min(), "last": g["date"].max(),
                 "gaps": len(gap_lines), "file": str(pf.path), "_source": source}
            )
    store.write(rows, source={r["ticker"]: r.pop("_source") for r in summary})
    return ImportReport(rows=summary, warnings=tuple(warnings))


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

