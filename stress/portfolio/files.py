"""Portfolio files: CSV or YAML, parsed strictly, every error one line with file and line.

CSV: a header with ``ticker`` and exactly ONE quantity column, ``shares``, ``weight`` or
``value`` (optional ``price``, ``cost``, ``name``), then one row per position. A row with
ticker ``CASH`` holds cash: a currency amount in a ``shares`` or ``value`` book, a weight
in a ``weight`` book. Negative quantities are shorts. Blank lines and lines starting with
``#`` are skipped. Weights may be written as fractions (0.25) or percentages (25%).

YAML::

    name: AI barbell          # optional (default: the file name)
    nav: 250000               # optional, weight books only (notional NAV)
    cash: 10000               # optional: currency (shares/value books) or weight
    positions:
      - {ticker: VST, shares: 100}
      - {ticker: CEG, shares: 50, cost: 210.5}

Nothing here touches prices: :mod:`stress.portfolio.valuation` checks the tickers
against the store and values the book.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from stress.errors import InputError

Kind = Literal["shares", "weight", "value"]
KINDS: tuple[Kind, ...] = ("shares", "weight", "value")
CASH = "CASH"
#: |sum of weights - 1| allowed before a weight book is an error
WEIGHT_TOLERANCE = 1e-4
_OPTIONAL = ("price", "cost", "name")
_ALIASES = {"symbol": "ticker"}


@dataclass(frozen=True)
class Position:
    """One holding as written: ``quantity`` is shares, a weight or a currency value."""

    ticker: str
    quantity: float
    line: int
    price: float | None = None
    cost: float | None = None
    name: str | None = None


@dataclass(frozen=True)
class PortfolioFile:
    """A parsed portfolio file (no prices yet).

    ``cash`` is in the book's unit: currency for ``shares``/``value`` books, a weight for
    ``weight`` books. ``nav`` is the notional NAV a weight book's YAML may set.
    """

    path: Path
    name: str
    kind: Kind
    positions: tuple[Position, ...]
    cash: float = 0.0
    cash_line: int | None = None
    nav: float | None = None
    warnings: tuple[str, ...] = ()

    @property
    def tickers(self) -> tuple[str, ...]:
        return tuple(p.ticker for p in self.positions)


def read_portfolio(
    path: str | Path, *, merge_duplicates: bool = False, cash_remainder: bool = False
) -> PortfolioFile:
    """Parse a portfolio file (``.csv``, or ``.yaml``/``.yml``).

    ``merge_duplicates``: add up repeated tickers instead of failing.
    ``cash_remainder``: in a weight book, hold 1 - sum(weights) as cash instead of
    failing when the weights do not sum to 1.

    Raises :class:`InputError` (one line: file, line, what) on an empty file, a missing
    or mixed quantity column, a non-numeric quantity, a duplicate ticker, or weights
    that do not sum to 1.
    """
    path = Path(path)
    text = read_text_file(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        pf = _parse_yaml(path, text)
    else:
        pf = _parse_csv(path, text)
    pf = _check_duplicates(pf, merge_duplicates)
    if pf.kind == "weight":
        pf = _check_weights(pf, cash_remainder)
    elif cash_remainder:
        pf = replace(pf, warnings=pf.warnings + (
            f"{path}: --cash-remainder ignored: a {pf.kind} book has no weights to complete",))
    return pf


# ---- CSV -----------------------------------------------------------------------------
def _parse_csv(path: Path, text: str) -> PortfolioFile:
    rows = [(n, r) for n, r in _csv_rows(path, text) if any(c.strip() for c in r)]
    rows = [(n, r) for n, r in rows if not r[0].lstrip().startswith("#")]
    if not rows:
        raise InputError(f"{path}, line 1: empty portfolio file: expected a header with 'ticker' "
                         "and one of shares, weight, value, then one row per position")
    head_line, header = rows[0]
    cols = [_ALIASES.get(c.strip().lower(), c.strip().lower()) for c in header]
    where = f"{path}, line {head_line}"
    if "ticker" not in cols:
        raise InputError(f"{where}: no 'ticker' column in the header ({', '.join(cols)})")
    qty = [c for c in cols if c in KINDS]
    if not qty:
        raise InputError(f"{where}: no quantity column: add one of shares, weight, value")
    if len(qty) > 1:
        raise InputError(f"{where}: mixed quantity columns {', '.join(qty)}: use exactly one "
                         "of shares, weight, value per file")
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        raise InputError(f"{where}: repeated column {', '.join(dup)}")
    kind: Kind = qty[0]  # type: ignore[assignment]
    warnings = []
    extra = [c for c in cols if c not in ("ticker", kind, *_OPTIONAL)]
    if extra:
        warnings.append(f"{where}: ignored column(s) {', '.join(extra)} "
                        f"(understood: ticker, {kind}, price, cost, name)")
    idx = {c: i for i, c in enumerate(cols)}
    positions: list[Position] = []
    cash, cash_line = 0.0, None
    for line, row in rows[1:]:
        cell = {c: (row[i].strip() if i < len(row) else "") for c, i in idx.items()}
        if len(row) > len(cols) and any(x.strip() for x in row[len(cols):]):
            raise InputError(f"{path}, line {line}: {len(row)} cells but the header has {len(cols)}")
        pos = _position(path, line, kind, cell)
        if pos.ticker == CASH:
            if cash_line is not None:
                raise InputError(f"{path}, line {line}: a second CASH row (first on line {cash_line})")
            cash, cash_line = pos.quantity, line
        else:
            positions.append(pos)
    if not positions and cash_line is None:
        raise InputError(f"{path}, line {head_line}: empty portfolio file: a header but no positions")
    return PortfolioFile(path, path.stem, kind, tuple(positions), cash, cash_line,
                         None, tuple(warnings))


def _csv_rows(path: Path, text: str):
    reader = csv.reader(text.splitlines(keepends=True))
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{path}, line {reader.line_num}: malformed CSV: {exc}") from None


def _position(path: Path, line: int, kind: Kind, cell: dict[str, Any]) -> Position:
    ticker = str(cell.get("ticker") or "").strip().upper()
    if not ticker:
        raise InputError(f"{path}, line {line}: empty ticker")
    quantity = _number(path, line, ticker, kind, cell.get(kind), percent=(kind == "weight"))
    if quantity is None:
        raise InputError(f"{path}, line {line}: {ticker}: no {kind} given")
    price = _number(path, line, ticker, "price", cell.get("price"))
    cost = _number(path, line, ticker, "cost", cell.get("cost"))
    if price is not None and price <= 0:
        raise InputError(f"{path}, line {line}: {ticker}: price {price:g} is not positive")
    name = cell.get("name")
    name = str(name).strip() if name not in (None, "") else None
    return Position(ticker, quantity, line, price, cost, name)


def _number(path: Path, line: int, ticker: str, field: str, raw: Any,
            percent: bool = False) -> float | None:
    """A finite number, or None for an empty cell. ``1,000`` and ``25%`` (weights) parse."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, bool):
        raise InputError(f"{path}, line {line}: {ticker}: {field} {raw!r} is not a number")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = str(raw).strip().replace(",", "").replace("_", "")
        scale = 1.0
        if percent and text.endswith("%"):
            text, scale = text[:-1].strip(), 0.01
        try:
            value = float(text) * scale
        except ValueError:
            raise InputError(f"{path}, line {line}: {ticker}: {field} {str(raw).strip()!r} "
                             "is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{path}, line {line}: {ticker}: {field} {raw!r} is not a finite number")
    return value


# ---- YAML ----------------------------------------------------------------------------
def _yaml_loader():
    from stress.config import yaml12_loader

    class LineLoader(yaml12_loader()):
        """Records the 1-based line of every mapping under the key ``__line__``."""

        def construct_mapping(self, node, deep=False):
            mapping = super().construct_mapping(node, deep=deep)
            mapping["__line__"] = node.start_mark.line + 1
            return mapping

    return LineLoader


def _parse_yaml(path: Path, text: str) -> PortfolioFile:
    from stress.config import parse_yaml

    data = parse_yaml(text, path, loader=_yaml_loader())
    if data is None:
        raise InputError(f"{path}, line 1: empty portfolio file: expected 'positions:' with "
                         "a list of {ticker:, shares:|weight:|value:}")
    if not isinstance(data, dict):
        raise InputError(f"{path}, line 1: expected a mapping with 'positions:'")
    top = data.pop("__line__", 1)
    raw_positions = data.get("positions")
    if raw_positions in (None, []) and data.get("cash") is None:
        raise InputError(f"{path}, line {top}: empty portfolio file: no 'positions:'")
    if raw_positions is None:
        raw_positions = []
    if not isinstance(raw_positions, list):
        raise InputError(f"{path}, line {top}: 'positions' must be a list of "
                         "{ticker:, shares:|weight:|value:}")
    warnings = []
    unknown = [k for k in data if k not in ("name", "nav", "cash", "positions")]
    if unknown:
        warnings.append(f"{path}: ignored key(s) {', '.join(map(str, unknown))} "
                        "(understood: name, nav, cash, positions)")
    kind: Kind | None = None
    kind_line = 0
    positions: list[Position] = []
    cash, cash_line = 0.0, None
    for i, item in enumerate(raw_positions):
        if not isinstance(item, dict):
            raise InputError(f"{path}: position {i + 1}: expected a mapping like "
                             "{ticker: VST, shares: 100}, got " + repr(item))
        line = int(item.pop("__line__", top))
        keys = {str(k).lower(): v for k, v in item.items()}
        qty = [k for k in KINDS if k in keys]
        if not qty:
            raise InputError(f"{path}, line {line}: no quantity: give one of shares, weight, value")
        if len(qty) > 1:
            raise InputError(f"{path}, line {line}: mixed quantities {', '.join(qty)}: "
                             "use exactly one of shares, weight, value per file")
        if kind is None:
            kind, kind_line = qty[0], line  # type: ignore[assignment]
        elif qty[0] != kind:
            raise InputError(f"{path}, line {line}: mixed quantities: {qty[0]} here, {kind} on "
                             f"line {kind_line}; use one of shares, weight, value per file")
        extra = [k for k in keys if k not in ("ticker", "symbol", *KINDS, *_OPTIONAL)]
        if extra:
            warnings.append(f"{path}, line {line}: ignored key(s) {', '.join(extra)}")
        keys.setdefault("ticker", keys.get("symbol"))
        pos = _position(path, line, kind, keys)  # type: ignore[arg-type]
        if pos.ticker == CASH:
            if cash_line is not None:
                raise InputError(f"{path}, line {line}: a second CASH entry (first on line {cash_line})")
            cash, cash_line = pos.quantity, line
        else:
            positions.append(pos)
    kind = kind or "value"
    if data.get("cash") is not None:
        if cash_line is not None:
            raise InputError(f"{path}, line {cash_line}: cash given twice (a CASH position and 'cash:')")
        cash = _number(path, top, "cash", "cash", data["cash"], percent=(kind == "weight")) or 0.0
        cash_line = top
    nav = data.get("nav")
    if nav is not None:
        nav = _number(path, top, "nav", "nav", nav)
        if kind != "weight":
            warnings.append(f"{path}: 'nav' ignored: a {kind} book's NAV is the sum of its values")
            nav = None
        elif nav is None or nav <= 0:
            raise InputError(f"{path}, line {top}: nav must be a positive amount")
    name = str(data.get("name") or path.stem)
    return PortfolioFile(path, name, kind, tuple(positions), float(cash), cash_line, nav,
                         tuple(warnings))


# ---- checks --------------------------------------------------------------------------
def _check_duplicates(pf: PortfolioFile, merge: bool) -> PortfolioFile:
    first: dict[str, Position] = {}
    merged: list[str] = []
    for p in pf.positions:
        if p.ticker not in first:
            first[p.ticker] = p
            continue
        if not merge:
            raise InputError(f"{pf.path}, line {p.line}: duplicate ticker {p.ticker} (also on line "
                             f"{first[p.ticker].line}); combine the rows or pass --merge-duplicates")
        q = first[p.ticker]
        first[p.ticker] = replace(q, quantity=q.quantity + p.quantity)
        merged.append(f"{p.ticker} (lines {q.line} and {p.line})")
    if not merged:
        return pf
    note = f"{pf.path}: merged duplicate tickers: {', '.join(merged)}"
    return replace(pf, positions=tuple(first.values()), warnings=pf.warnings + (note,))


def _check_weights(pf: PortfolioFile, cash_remainder: bool) -> PortfolioFile:
    total = sum(p.quantity for p in pf.positions) + pf.cash
    gap = 1.0 - total
    if abs(gap) <= WEIGHT_TOLERANCE:
        return pf
    lines = [p.line for p in pf.positions] + ([pf.cash_line] if pf.cash_line else [])
    span = f"lines {min(lines)}-{max(lines)}" if lines else "no lines"
    if not cash_remainder:
        raise InputError(f"{pf.path}, {span}: weights (cash included) sum to {total:.6g}, not 1; "
                         "fix them or pass --cash-remainder to hold the rest as cash")
    note = (f"{pf.path}: weights sum to {total:.6g}; the remainder {gap:+.6g} is held as cash"
            + (" (negative: borrowed)" if gap < 0 else ""))
    return replace(pf, cash=pf.cash + gap, cash_line=pf.cash_line,
                   warnings=pf.warnings + (note,))


def read_text_file(path: Path) -> str:
    """A book file's text (UTF-8, a BOM dropped); one InputError line when it cannot be
    read or is not text."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file (UTF-8 expected)") from None
