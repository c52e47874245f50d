"""Valuing parsed portfolio files on stored closes as of one date.

A run values every book on ONE date (so all books share one grid and one covariance):
``as_of`` if given (the last stored session on or before it), otherwise the last date on
which every holding of every book has a price. Position value: shares x close
(``shares`` books), the value as written (``value`` books), or weight x notional NAV
(``weight`` books; the notional is ``--nav``, the YAML ``nav:``, else 1,000,000).
NAV = sum of position values + cash; weights are value / NAV.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from stress.errors import InputError
from stress.portfolio.files import PortfolioFile

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: largest absolute position value (or cash, or NAV) accepted, in the book's currency:
#: larger amounts are typing errors and overflow the P&L arithmetic
MAX_VALUE = 1e15

#: notional NAV of weight books when neither --nav nor the file gives one
DEFAULT_NAV = 1_000_000.0
#: relative gap between a file's ``price`` column and the stored close that is reported
PRICE_TOLERANCE = 0.01


@dataclass(frozen=True)
class Portfolio:
    """A valued book. Arrays are (N,) over ``tickers`` (cash excluded), in currency."""

    file: str
    name: str
    kind: str
    as_of: str
    tickers: tuple[str, ...]
    lines: tuple[int, ...]
    prices: np.ndarray
    shares: np.ndarray
    values: np.ndarray
    cash: float
    nav: float
    costs: tuple[float | None, ...] = ()
    names: tuple[str | None, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def weights(self) -> np.ndarray:
        """Position value / NAV, shape (N,)."""
        return self.values / self.nav

    def to_frame(self) -> "pd.DataFrame":
        """One row per position (and CASH when held): ticker, line, price, shares, value, weight."""
        import pandas as pd

        frame = pd.DataFrame({
            "ticker": list(self.tickers), "line": list(self.lines), "price": self.prices,
            "shares": self.shares, "value": self.values, "weight": self.weights,
        })
        if self.cash:
            cash = pd.DataFrame([{"ticker": "CASH", "line": None, "price": 1.0,
                                  "shares": self.cash, "value": self.cash,
                                  "weight": self.cash / self.nav}])
            frame = pd.concat([frame, cash], ignore_index=True)
        return frame

    def to_dict(self) -> dict:
        return {
            "file": self.file, "name": self.name, "kind": self.kind, "as_of": self.as_of,
            "nav": self.nav, "cash": self.cash,
            "holdings": [
                {"ticker": t, "line": ln, "price": float(p), "shares": float(s),
                 "value": float(v), "weight": float(v / self.nav)}
                for t, ln, p, s, v in zip(self.tickers, self.lines, self.prices, self.shares,
                                          self.values)
            ],
        }


def valuation_date(files: Sequence[PortfolioFile], closes: "pd.DataFrame",
                   as_of: str | None = None) -> str:
    """The run's valuation date (ISO): the last stored session on or before ``as_of``, or
    the last date on which every holding of every file has a price.

    ``closes``: stored closes (dates x tickers) holding every ticker of ``files``.
    """
    import pandas as pd

    _check_known(files, closes)
    if as_of is not None:
        try:
            when = pd.Timestamp(as_of)
        except (ValueError, TypeError):
            raise InputError(f"--as-of {as_of!r}: not a date (YYYY-MM-DD)") from None
        days = closes.index[closes.index <= when]
        if days.empty:
            raise InputError(f"--as-of {as_of}: before the first stored price "
                             f"({closes.index.min():%Y-%m-%d})")
        return f"{days.max():%Y-%m-%d}"
    held = sorted({t for f in files for t in f.tickers})
    if not held:  # cash-only books
        return f"{closes.index.max():%Y-%m-%d}"
    complete = closes[held].notna().all(axis=1)
    if not complete.any():
        raise InputError("no date on which every holding has a price: "
                         + ", ".join(f"{t} {closes[t].first_valid_index():%Y-%m-%d} to "
                                     f"{closes[t].last_valid_index():%Y-%m-%d}" for t in held))
    return f"{complete[complete].index.max():%Y-%m-%d}"


def value_portfolios(
    files: Sequence[PortfolioFile], closes: "pd.DataFrame", *, as_of: str | None = None,
    nav: float | None = None,
) -> tuple[Portfolio, ...]:
    """Value every file on the same date (see :func:`valuation_date`).

    Raises one :class:`InputError` listing, per file, every unknown ticker (no prices in
    the store) and every ticker without a price on the valuation date, with their lines.
    """
    import pandas as pd

    if nav is not None and not (np.isfinite(nav) and nav > 0):
        raise InputError(f"--nav {nav}: must be a positive amount")
    date = valuation_date(files, closes, as_of)
    row = closes.loc[pd.Timestamp(date)]
    priced = {t for t, x in row.items() if np.isfinite(x)}
    problems = []
    for f in files:
        missing = [p for p in f.positions if p.ticker not in priced]
        if missing:
            shown = ", ".join(f"{p.ticker} (line {p.line}{_span(closes, p.ticker)})" for p in missing)
            problems.append(f"{f.path}: no price on {date} for {shown}")
    if problems:
        raise InputError("; ".join(problems))
    out = []
    for f in files:
        book = _value_one(f, row, date, nav)
        stale = _stale_note(f, closes, date) if as_of is None else None
        if stale:
            from dataclasses import replace

            book = replace(book, warnings=(*book.warnings, stale))
        out.append(book)
    return tuple(out)


def _stale_note(f: PortfolioFile, closes: "pd.DataFrame", date: str) -> str | None:
    """A warning when holdings whose prices stop early pulled the valuation date back
    from the last stored session: which ones, where, and their last price."""
    last = f"{closes.index.max():%Y-%m-%d}"
    if date >= last:
        return None
    stops = [(p, closes[p.ticker].last_valid_index()) for p in f.positions]
    early = [(p, d) for p, d in stops if d is not None and f"{d:%Y-%m-%d}" < last]
    if not early:
        return None
    shown = ", ".join(f"{p.ticker} (line {p.line}) prices stop on {d:%Y-%m-%d}" for p, d in early[:10])
    return (f"{f.path}: valued as of {date}, not the last stored session {last}: {shown}; "
            "pass --as-of, update those prices or drop the holding")


def _value_one(f: PortfolioFile, row: "pd.Series", date: str, nav: float | None) -> Portfolio:
    prices = np.array([row[p.ticker] for p in f.positions], dtype=float)
    qty = np.array([p.quantity for p in f.positions], dtype=float)
    warnings = list(f.warnings)
    with np.errstate(over="ignore", invalid="ignore"):
        if f.kind == "shares":
            values, cash = qty * prices, f.cash
        elif f.kind == "value":
            values, cash = qty, f.cash
        else:
            notional = nav if nav is not None else (f.nav or DEFAULT_NAV)
            values, cash = qty * notional, f.cash * notional
        total = float(values.sum() + cash)
    big = ~(np.abs(values) <= MAX_VALUE)
    if big.any() or not abs(cash) <= MAX_VALUE or not abs(total) <= MAX_VALUE:
        shown = ", ".join(f"line {p.line}: {p.ticker} {v:.3g}" for p, v in
                          zip(f.positions, values) if not abs(v) <= MAX_VALUE) or f"cash {cash:.3g}"
        raise InputError(f"{f.path}: position values beyond {MAX_VALUE:.0e} ({shown}); amounts this "
                         "large overflow the arithmetic and are no portfolio")
    if total == 0 and not np.any(values) and not cash:
        raise InputError(f"{f.path}: every quantity is zero and there is no cash: nothing to value")
    if not total > 0:
        raise InputError(f"{f.path}: NAV {total:,.2f} is not positive (shorts exceed longs and cash); "
                         "returns as % of NAV need a positive NAV")
    for p, px in zip(f.positions, prices):
        if p.price is not None and abs(p.price / px - 1.0) > PRICE_TOLERANCE:
            warnings.append(f"{f.path}, line {p.line}: {p.ticker}: file price {p.price:g} differs "
                            f"from the stored close {px:.4g} on {date} by {p.price / px - 1:+.1%}; "
                            "valued at the stored close")
    if not np.any(values) and not cash:
        warnings.append(f"{f.path}: every quantity is zero")
    return Portfolio(
        file=str(f.path), name=f.name, kind=f.kind, as_of=date, tickers=f.tickers,
        lines=tuple(p.line for p in f.positions), prices=prices, shares=values / prices,
        values=values, cash=float(cash), nav=total, costs=tuple(p.cost for p in f.positions),
        names=tuple(p.name for p in f.positions), warnings=tuple(warnings),
    )


def _check_known(files: Sequence[PortfolioFile], closes: "pd.DataFrame") -> None:
    problems = []
    priced = set(closes.columns[closes.notna().any().to_numpy()])  # once, not per position
    for f in files:
        unknown = [p for p in f.positions if p.ticker not in priced]
        if unknown:
            from stress.data.unknown import capped, fetch_hint

            hint = fetch_hint(list(dict.fromkeys(p.ticker for p in unknown)))
            shown = capped([f"{p.ticker} (line {p.line})" for p in unknown], sep=", ")
            problems.append(f"{f.path}: unknown tickers, no prices in the store: {shown}; "
                            f"check the spelling or run `{hint}`")
    if problems:
        raise InputError("; ".join(problems))


def _span(closes: "pd.DataFrame", ticker: str) -> str:
    s = closes[ticker].dropna()
    if s.empty:
        return ""
    return f", prices {s.index.min():%Y-%m-%d} to {s.index.max():%Y-%m-%d}"
