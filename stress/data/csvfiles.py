"""Reading price CSV files in the shapes yfinance writes and users export.

Shapes understood:

* one ``TICKER.csv`` per ticker with a ``Date`` column and ``Adj Close`` or ``Close``
  (plus optional ``Open``, ``High``, ``Low``, ``Volume``): the ticker is the file name;
* yfinance's own ``DataFrame.to_csv`` output with its multi-row header
  (``Price,Close,...`` / ``Ticker,VST,...`` / ``Date,,...``), one or many tickers;
* a long table with columns ``ticker``, ``date``, ``close`` (or ``adj_close``).

With both ``Close`` and ``Adj Close``, the stored close is the adjusted one and Open, High
and Low are scaled by Adj Close / Close, as yfinance's ``auto_adjust`` does, so a bar is
never half adjusted.

Strict: an unparseable date (``YYYY-MM-DD``, optionally with a time of day; nothing
else after it) or one outside 1900-2100, a non-numeric or non-positive price or one
outside [1e-8, 1e9], a repeated date, or a row with more non-empty cells than the header
(an unquoted thousands separator: ``1,234.5``) is an :class:`InputError` naming the file
and line. An empty price cell is a gap: the day is not stored, and the result reports it
(nothing is filled). Rows on a Saturday or Sunday are stored and reported (``weekend``):
an analysis on the market's sessions leaves them out.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from stress.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_TICKER_RE = re.compile(r"^[A-Z0-9][A-Z0-9.\-=^]{0,19}$")
_DATE_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$")
#: dates accepted in price files
YEARS = (1900, 2100)
#: closes (and open, high, low) accepted: anything outside is a unit or typing error
PRICE_BOUNDS = (1e-8, 1e9)
_FIELD_ALIASES = {
    "adj close": "adj_close",
    "adj_close": "adj_close",
    "adjclose": "adj_close",
    "adjusted close": "adj_close",
    "close": "close",
    "open": "open",
    "high": "high",
    "low": "low",
    "volume": "volume",
}


@dataclass
class ParsedFile:
    """What one CSV file holds: long rows and, per ticker, the gaps (empty closes)."""

    path: Path
    rows: "pd.DataFrame"
    gaps: dict[str, list[int]] = field(default_factory=dict)  # ticker -> line numbers
    weekend: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # ticker -> (date, line)

    @property
    def tickers(self) -> list[str]:
        return sorted(set(self.rows["ticker"]))


def _norm(name: str) -> str:
    return name.strip().lower()


def parse_date(text: str, where: str) -> str:
    """ISO date text (``YYYY-MM-DD``, optionally followed by a time of day and a UTC
    offset, nothing else) to ``YYYY-MM-DD``; years outside :data:`YEARS` are refused."""
    m = _DATE_RE.match(text.strip())
    try:
        if m is None:
            raise ValueError
        d = date.fromisoformat(m.group(1))
    except ValueError:
        raise InputError(f"{where}: unparseable date {text!r} (expected YYYY-MM-DD)") from None
    if not YEARS[0] <= d.year <= YEARS[1]:
        raise InputError(f"{where}: date {d.isoformat()} outside {YEARS[0]}-{YEARS[1]}")
    return d.isoformat()


def option_date(text: str, option: str) -> str:
    """A date option's value (``--start``, ``--end``) as canonical ``YYYY-MM-DD``, so that
    string comparisons in the store hold; anything else is an :class:`InputError`."""
    try:
        return date.fromisoformat(str(text).strip()).isoformat()
    except ValueError:
        raise InputError(f"{option} {text!r}: not a date, expected YYYY-MM-DD") from None


def _price(text: str, what: str, where: str, allow_zero: bool = False) -> float | None:
    s = text.strip()
    if s == "" or s.lower() in {"nan", "null", "none", "na", "n/a"}:
        return None
    try:
        v = float(s.replace(",", "")) if what == "volume" else float(s)
    except ValueError:
        raise InputError(f"{where}: non-numeric {what} {text!r}") from None
    if v != v or v in (float("inf"), float("-inf")):
        raise InputError(f"{where}: non-numeric {what} {text!r}")
    if v < 0 or (v == 0 and not allow_zero):
        raise InputError(f"{where}: non-positive {what} {s}")
    if what != "volume" and not PRICE_BOUNDS[0] <= v <= PRICE_BOUNDS[1]:
        raise InputError(f"{where}: {what} {s} outside [{PRICE_BOUNDS[0]:g}, {PRICE_BOUNDS[1]:g}]"
                         " (a unit or typing error?)")
    return v


def _check_width(row: list[str], width: int, where: str) -> None:
    """A data row has the header's cells: fewer is an error; more is one too unless the
    extra cells are empty (a trailing comma)."""
    if len(row) < width:
        raise InputError(f"{where}: {len(row)} fields, expected {width}")
    if any(c.strip() for c in row[width:]):
        raise InputError(f"{where}: {len(row)} fields, expected {width} (an unquoted thousands "
                         "separator, e.g. 1,234.5? quote the value or drop the comma)")


def _check_ticker(ticker: str, where: str) -> str:
    t = ticker.strip().upper()
    if not _TICKER_RE.match(t):
        raise InputError(f"{where}: {ticker!r} is not a ticker symbol")
    return t


#: rows per chunk when a file is streamed into the store
CHUNK_ROWS = 50_000
_COLUMNS = ["ticker", "date", "close", "open", "high", "low", "volume"]


@dataclass
class Chunk:
    """Consecutive rows of one file: long ``rows`` (columns ticker, date, close, open,
    high, low, volume), and the gaps (empty closes) and weekend rows met in them."""

    rows: "pd.DataFrame"
    gaps: dict[str, list[int]]
    weekend: dict[str, list[tuple[str, int]]]


def read_price_csv(path: Path | str) -> ParsedFile:
    """Parse one CSV file of prices (any shape above) into long rows, all in memory
    (:func:`iter_price_csv` streams a large file in chunks)."""
    import pandas as pd

    path = Path(path)
    chunks = list(iter_price_csv(path, chunk_rows=None))
    gaps: dict[str, list[int]] = {}
    weekend: dict[str, list[tuple[str, int]]] = {}
    for c in chunks:
        for t, v in c.gaps.items():
            gaps.setdefault(t, []).extend(v)
        for t, v in c.weekend.items():
            weekend.setdefault(t, []).extend(v)
    rows = pd.concat([c.rows for c in chunks], ignore_index=True)
    if rows.empty:
        raise InputError(f"{path}: no price rows")
    return ParsedFile(path=path, rows=rows, gaps=gaps, weekend=weekend)


def iter_price_csv(
    path: Path | str, chunk_rows: int | None = CHUNK_ROWS,
    on_progress: "Callable[[int, int], None] | None" = None,
) -> Iterator[Chunk]:
    """Parse one CSV file of prices in chunks of ``chunk_rows`` rows (None: one chunk),
    reading it line by line: memory holds one chunk, and for the duplicate-date check
    8 bytes per row read. ``on_progress(characters read, file size in bytes)`` is called
    every chunk. Errors are :class:`InputError` naming the file and line, raised when the
    line is reached (a caller writing chunks must undo them: the importer writes all in
    one transaction). A file without any price row is an error."""
    import pandas as pd

    path = Path(path)
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
        size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with fh:
        read = [0]

        def lines():
            for line in fh:
                read[0] += len(line)
                yield line

        numbered = _numbered_rows(path, csv.reader(lines()))
        records: list[tuple] = []
        gaps: dict[str, list[int]] = {}
        weekend: dict[str, list[tuple[str, int]]] = {}
        ledger = _Ledger(path)
        any_rows = False
        for ticker, line, day, values in _body(path, numbered):
            close = values.get("adj_close")
            if close is None:
                close = values.get("close")
            if close is None:
                gaps.setdefault(ticker, []).append(line)
                continue
            if date.fromisoformat(day).weekday() >= 5:
                weekend.setdefault(ticker, []).append((day, line))
            ohl = [values.get(f) for f in ("open", "high", "low")]
            raw = values.get("close")
            if values.get("adj_close") is not None and raw:  # adjust O/H/L like the close
                ohl = [None if x is None else x * close / raw for x in ohl]
            records.append((ticker, day, close, *ohl, values.get("volume")))
            ledger.add(ticker, day, line)
            if chunk_rows is not None and len(records) >= chunk_rows:
                ledger.check()
                any_rows = True
                yield Chunk(pd.DataFrame(records, columns=_COLUMNS), gaps, weekend)
                records, gaps, weekend = [], {}, {}
                if on_progress:
                    on_progress(read[0], size)
        ledger.check()
        if not records and not any_rows:
            if gaps:  # every close empty: the importer names the tickers
                yield Chunk(pd.DataFrame([], columns=_COLUMNS), gaps, weekend)
                return
            raise InputError(f"{path}: no price rows")
        yield Chunk(pd.DataFrame(records, columns=_COLUMNS), gaps, weekend)
        if on_progress:
            on_progress(size, size)


def _numbered_rows(path: Path, reader) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of the non-blank rows; decoding errors as one InputError."""
    try:
        for i, row in enumerate(reader):
            if any(c.strip() for c in row):
                yield reader.line_num if reader.line_num else i + 1, row
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: not a readable CSV text file ({exc})") from None


class _Ledger:
    """The (ticker, date) pairs of one file, 8 bytes each (day number and line in int32
    arrays per ticker), to find a repeated date across chunks."""

    def __init__(self, path: Path):
        import numpy as np

        self._np = np
        self.path = path
        self.days: dict[str, "np.ndarray"] = {}
        self.lines: dict[str, "np.ndarray"] = {}
        self.new: dict[str, list[tuple[int, int]]] = {}

    def add(self, ticker: str, day: str, line: int) -> None:
        self.new.setdefault(ticker, []).append((date.fromisoformat(day).toordinal(), line))

    def check(self) -> None:
        np = self._np
        for t, pairs in self.new.items():
            arr = np.array(pairs, dtype=np.int32)
            d, ln = arr[:, 0], arr[:, 1]
            old_d = self.days.get(t, np.empty(0, np.int32))
            old_l = self.lines.get(t, np.empty(0, np.int32))
            all_d, all_l = np.concatenate([old_d, d]), np.concatenate([old_l, ln])
            order = np.argsort(all_d, kind="stable")
            sd = all_d[order]
            dup = np.nonzero(sd[1:] == sd[:-1])[0]
            sl = all_l[order]
            if dup.size:  # report the repeat met first in the file
                first, again, day = min(((int(min(sl[i], sl[i + 1])), int(max(sl[i], sl[i + 1])),
                                          int(sd[i])) for i in dup), key=lambda x: x[1])
                raise InputError(f"{self.path}, line {again}: duplicate date "
                                 f"{date.fromordinal(day).isoformat()} for {t} (first at line {first})")
            self.days[t], self.lines[t] = sd, sl
        self.new = {}


def _body(path: Path, numbered: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[str, int, str, dict]]:
    """(ticker, line, date, {field: value}) of every data row, whatever the shape."""
    first = next(numbered, None)
    if first is None:
        raise InputError(f"{path}: empty file")
    header_no, header = first
    names = [_norm(h) for h in header]

    def values_of(cells: dict[str, str], line: int) -> dict[str, float | None]:
        where = f"{path}, line {line}"
        return {
            k: _price(v, k.replace("_", " "), where, allow_zero=(k == "volume"))
            for k, v in cells.items()
        }

    second = next(numbered, None) if names and names[0] == "price" else None
    if second is not None and _norm(second[1][0]) == "ticker":
        # yfinance multi-row header: Price/<fields>, Ticker/<tickers>, [Date/<blank>]
        tick_no, tick_row = second
        columns: list[tuple[int, str, str]] = []  # (column, ticker, field)
        for j in range(1, len(header)):
            f = _FIELD_ALIASES.get(_norm(header[j]))
            if f is None:
                continue  # Dividends, Stock Splits, Capital Gains: not prices
            t = _check_ticker(tick_row[j] if j < len(tick_row) else "", f"{path}, line {tick_no}")
            columns.append((j, t, f))
        if not any(f in ("close", "adj_close") for _, _, f in columns):
            raise InputError(f"{path}, line {header_no}: no Close or Adj Close column")
        third = next(numbered, None)
        rest = numbered
        if third is not None and _norm(third[1][0]) not in {"date", "datetime"}:
            rest = itertools.chain([third], numbered)
        for line, row in rest:
            _check_width(row, len(header), f"{path}, line {line}")
            day = parse_date(row[0], f"{path}, line {line}")
            per: dict[str, dict[str, str]] = {}
            for j, t, f in columns:
                per.setdefault(t, {})[f] = row[j] if j < len(row) else ""
            for t, cells in per.items():
                yield t, line, day, values_of(cells, line)
        return
    if second is not None:
        numbered = itertools.chain([second], numbered)
    if "ticker" in names or "symbol" in names:
        # long table: ticker, date, close
        ti = names.index("ticker") if "ticker" in names else names.index("symbol")
        if "date" not in names:
            raise InputError(f"{path}, line {header_no}: long table needs a 'date' column")
        di = names.index("date")
        fields = {j: _FIELD_ALIASES[n] for j, n in enumerate(names) if n in _FIELD_ALIASES}
        if not any(f in ("close", "adj_close") for f in fields.values()):
            raise InputError(f"{path}, line {header_no}: no close or adj_close column")
        for line, row in numbered:
            _check_width(row, len(names), f"{path}, line {line}")
            t = _check_ticker(row[ti], f"{path}, line {line}")
            day = parse_date(row[di], f"{path}, line {line}")
            yield t, line, day, values_of({f: row[j] for j, f in fields.items()}, line)
        return
    if names[0] not in {"date", "datetime"}:
        raise InputError(
            f"{path}, line {header_no}: expected a 'Date' column first, or 'ticker,date,close'"
        )
    fields = {j: _FIELD_ALIASES[n] for j, n in enumerate(names) if n in _FIELD_ALIASES}
    if not any(f in ("close", "adj_close") for f in fields.values()):
        raise InputError(f"{path}, line {header_no}: no Close or Adj Close column")
    ticker = _check_ticker(path.stem, f"{path}")
    for line, row in numbered:
        _check_width(row, len(names), f"{path}, line {line}")
        day = parse_date(row[0], f"{path}, line {line}")
        yield ticker, line, day, values_of({f: row[j] for j, f in fields.items()}, line)


def expand_paths(paths: list[Path | str]) -> list[Path]:
    """Files named, and the ``*.csv`` files of folders named (sorted). A path that does
    not exist, or a folder without CSV files, is an InputError."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix.lower() == ".csv" and q.is_file())
            if not found:
                raise InputError(f"{p}: no .csv files in this folder")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    return out
