"""Book batches: many books in one long table (CSV or Parquet) or a folder of book files.

Long table: one row per position, columns ``book``, ``ticker`` and exactly ONE quantity
column, ``shares``, ``weight`` or ``value`` (the same kind for every book of the file;
optional ``price``, ``cost``, ``name`` as in a single-book file). A row with ticker
``CASH`` holds the book's cash. In CSV, blank lines and lines starting with ``#`` are
skipped and problems name the file line; in Parquet they name the row (1 = first row).

A folder: every ``.csv``/``.yaml``/``.yml`` file in it is one book in the single-book
format of :mod:`stress.portfolio.files` (the book is named after the file).

Validation is the single-book validation applied per book (duplicate tickers, weights
summing to 1, finite numbers, no empty ticker), but nothing stops at the first problem:
every bad row of every book is collected and reported in ONE :class:`InputError` line.
Each book becomes a :class:`~stress.portfolio.files.PortfolioFile` whose ``path`` reads
``FILE [book ID]``, so the valuation's messages name the file and the book.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stress.errors import InputError
from stress.portfolio.files import (
    _ALIASES, _OPTIONAL, CASH, KINDS, PortfolioFile, Position, _check_duplicates,
    _check_weights, _csv_rows, _position, read_portfolio, read_text_file,
)

BOOK_FILES = (".csv", ".yaml", ".yml")


@dataclass(frozen=True)
class BookBatch:
    """Parsed books of one batch (no prices yet), in file order."""

    source: str
    books: tuple[PortfolioFile, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.books)

    @property
    def tickers(self) -> tuple[str, ...]:
        """Every ticker held by some book, first-seen order."""
        return tuple(dict.fromkeys(t for b in self.books for t in b.tickers))

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(w for b in self.books for w in b.warnings)


def read_books(path: str | Path, *, merge_duplicates: bool = False,
               cash_remainder: bool = False) -> BookBatch:
    """Read a book batch: a long table (``.csv``, ``.parquet``/``.pq``) or a folder of
    single-book files. Raises one :class:`InputError` naming every bad row."""
    path = Path(path)
    if path.is_dir():
        return _read_folder(path, merge_duplicates, cash_remainder)
    if not path.is_file():
        raise InputError(f"{path}: no such book file or folder")
    if path.suffix.lower() in (".parquet", ".pq"):
        rows, where = _parquet_rows(path), "row"
    else:
        rows, where = _csv_table(path), "line"
    return _books_from_rows(path, rows, where, merge_duplicates, cash_remainder)


# ---- readers: (header, [(line or row number, cells)], header line) --------------------
def _csv_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], int]:
    text = read_text_file(path)
    rows = [(n, r) for n, r in _csv_rows(path, text) if any(c.strip() for c in r)]
    rows = [(n, r) for n, r in rows if not r[0].lstrip().startswith("#")]
    if not rows:
        raise InputError(f"{path}, line 1: empty book file: expected a header with book, ticker "
                         "and one of shares, weight, value")
    (head, header), body = rows[0], rows[1:]
    return [c.strip() for c in header], body, head


def _parquet_rows(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]], int]:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for a bad file
        raise InputError(f"{path}: cannot read as Parquet: {type(exc).__name__}: {exc}") from None
    body = [(i + 1, list(r)) for i, r in enumerate(frame.itertuples(index=False, name=None))]
    return [str(c) for c in frame.columns], body, 0


def _books_from_rows(path: Path, table, where: str, merge: bool, remainder: bool) -> BookBatch:
    header, body, head_line = table
    cols = [_ALIASES.get(c.lower(), c.lower()) for c in header]
    at = f"{path}, {where} {head_line}" if head_line else str(path)
    missing = [c for c in ("book", "ticker") if c not in cols]
    if missing:
        raise InputError(f"{at}: no {' or '.join(repr(c) for c in missing)} column in the header "
                         f"({', '.join(cols)})")
    qty = [c for c in cols if c in KINDS]
    if len(qty) != 1:
        what = "no quantity column" if not qty else f"mixed quantity columns {', '.join(qty)}"
        raise InputError(f"{at}: {what}: use exactly one of shares, weight, value per file")
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        raise InputError(f"{at}: repeated column {', '.join(dup)}")
    kind = qty[0]
    if not body:
        raise InputError(f"{at}: a header but no positions")
    idx = {c: i for i, c in enumerate(cols) if c in ("book", "ticker", kind, *_OPTIONAL)}
    problems: list[str] = []
    grouped: dict[str, list[tuple[int, dict]]] = {}
    for n, row in body:
        if len(row) > len(cols) and any(str(x).strip() for x in row[len(cols):]):
            problems.append(f"{where} {n}: {len(row)} cells but the header has {len(cols)}")
            continue
        cell = {c: _cell(row[i]) if i < len(row) else "" for c, i in idx.items()}
        book = str(cell.pop("book")).strip()
        if not book:
            problems.append(f"{where} {n}: empty book")
            continue
        grouped.setdefault(book, []).append((n, cell))
    books = []
    for book, rows in grouped.items():
        label = Path(f"{path} [book {book}]")
        positions, cash, cash_line = [], 0.0, None
        for n, cell in rows:
            try:
                pos = _position(label, n, kind, cell)
            except InputError as exc:
                problems.append(_here(exc, label, where))
                continue
            if pos.ticker != CASH:
                positions.append(pos)
            elif cash_line is not None:
                problems.append(f"book {book}, {where} {n}: a second CASH row "
                                f"(first on {where} {cash_line})")
            else:
                cash, cash_line = pos.quantity, n
        pf = PortfolioFile(label, book, kind, tuple(positions), cash, cash_line)
        books.append(_checked(pf, merge, remainder, problems, where))
    _raise(path, problems)
    return BookBatch(str(path), tuple(b for b in books if b is not None))


def _read_folder(path: Path, merge: bool, remainder: bool) -> BookBatch:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in BOOK_FILES and p.is_file())
    if not files:
        raise InputError(f"{path}: no book files (.csv, .yaml) in this folder")
    books, problems = [], []
    for f in files:
        try:
            books.append(read_portfolio(f, merge_duplicates=merge, cash_remainder=remainder))
        except InputError as exc:
            problems.append(str(exc))
    _raise(path, problems)
    return BookBatch(str(path), tuple(books))


# ---- checks ----------------------------------------------------------------------------
def _checked(pf: PortfolioFile, merge: bool, remainder: bool, problems: list[str], where: str):
    try:
        pf = _check_duplicates(pf, merge)
        return _check_weights(pf, remainder) if pf.kind == "weight" else pf
    except InputError as exc:
        problems.append(_here(exc, pf.path, where))
        return None


def _here(exc: InputError, label: Path, where: str) -> str:
    """A single-book message without the file prefix (the batch error names the file once)."""
    text = str(exc)
    prefix = f"{label}, "
    book = label.name.split(" [book ", 1)[-1].rstrip("]")
    text = text[len(prefix):] if text.startswith(prefix) else text.replace(f"{label}: ", "", 1)
    return f"book {book}, " + (text.replace("line ", f"{where} ", 1) if where != "line" else text)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # a Parquet null
        return ""
    return value


def _raise(path: Path, problems: list[str]) -> None:
    if not problems:
        return
    raise InputError(f"{path}: {len(problems)} problem(s): {'; '.join(problems)}")


__all__ = ["BookBatch", "Position", "read_books"]
