"""Market data for one command: closes on the market's sessions, returns, provenance.

A command opens one :class:`PriceSource` (the store, and a fetcher when online), loads
one :class:`MarketData` with every ticker it needs, and hands that object to every step
(:mod:`stress.analysis`). Nothing below the commands opens the store or the network.

:func:`session_returns` is the one function that puts closes on the market's trading
days and turns them into returns; its warnings name the tickers and dates it left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

import pandas as pd

from stress.errors import DataError
from stress.returns import ReturnKind, to_returns

if TYPE_CHECKING:  # pragma: no cover
    from stress.data.provider import Fetcher
    from stress.data.store import PriceStore, TickerInfo


def session_returns(
    closes: pd.DataFrame, market: str, kind: ReturnKind = "simple",
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
    """Closes on ``market``'s sessions and their daily returns.

    ``closes``: (n_days, n_tickers) holding ``market``. A day without a ``market`` price
    is not a session: the other tickers' prices on it are left out, each named (ticker,
    count, first dates) in the warnings. Returns ``(closes_on_sessions (T, n),
    returns (T - 1, n), warnings)``; a gap stays a gap (NaN), never filled.
    """
    if market not in closes.columns or not closes[market].notna().any():
        raise DataError(f"no prices for the market index {market} (its sessions are the trading "
                        f"calendar): run `stress prices fetch {market}` or import it")
    on = closes[market].notna().to_numpy()
    warnings = off_session_warnings(closes, on, market)
    on_sessions = closes.loc[on]
    return on_sessions, to_returns(on_sessions, kind), warnings


def off_session_warnings(closes: pd.DataFrame, on, market: str) -> tuple[str, ...]:
    """The warnings of :func:`session_returns` for the prices of ``closes`` on rows that
    are not ``market`` sessions (``on`` (n_days,) False): per ticker, the count and first
    dates left out."""
    if on.all():
        return ()
    warnings = []
    off = closes.loc[~on].drop(columns=[market])
    counts = off.notna().sum()
    for t in counts.index[counts.to_numpy() > 0]:
        days = off.index[off[t].notna().to_numpy()]
        shown = ", ".join(f"{d:%Y-%m-%d}" for d in days[:3]) + (", ..." if len(days) > 3 else "")
        warnings.append(f"{t}: {len(days)} price(s) on days without a {market} session left "
                        f"out ({shown})")
    return tuple(warnings)


@dataclass(frozen=True)
class MarketData:
    """Closes and simple returns of every ticker a command needs, on the market's sessions.

    ``closes`` (T, n) and ``returns`` (T - 1, n) share columns; a ticker the source has no
    price for is an all-NaN column and is listed in ``missing`` (callers decide whether
    that is an error, and name where the ticker came from). ``provenance``: per stored
    ticker, its source, span and fetch time. ``warnings``: what the alignment left out.
    """

    closes: pd.DataFrame
    returns: pd.DataFrame
    market: str
    missing: tuple[str, ...] = ()
    provenance: tuple["TickerInfo", ...] = ()
    warnings: tuple[str, ...] = ()
    _present: frozenset = field(default=frozenset(), repr=False, compare=False)

    @property
    def calendar(self) -> pd.DatetimeIndex:
        """The market's sessions (the closes' index)."""
        return self.closes.index

    @property
    def tickers(self) -> tuple[str, ...]:
        return tuple(self.closes.columns)

    def has(self, ticker: str) -> bool:
        """Whether ``ticker`` has at least one price."""
        return ticker in self._present

    def frame(self, tickers: Iterable[str]) -> pd.DataFrame:
        """Closes of ``tickers`` (all-NaN columns for tickers not loaded)."""
        return self.closes.reindex(columns=list(dict.fromkeys(tickers)))

    def sources(self, tickers: Iterable[str]) -> tuple["TickerInfo", ...]:
        """Provenance rows of ``tickers``."""
        wanted = set(tickers)
        return tuple(i for i in self.provenance if i.ticker in wanted)


def market_data(closes: pd.DataFrame, market: str, *, provenance: tuple = (),
                warnings: Iterable[str] = ()) -> MarketData:
    """:class:`MarketData` from a frame of closes (dates x tickers) holding ``market``."""
    closes = closes.copy()
    closes.columns = [str(c).strip().upper() for c in closes.columns]
    closes.index = pd.DatetimeIndex(closes.index)
    closes = closes.sort_index()
    market = market.upper()
    on, rets, notes = session_returns(closes, market)
    present = frozenset(on.columns[on.notna().any().to_numpy()])
    missing = tuple(t for t in on.columns if t not in present)
    return MarketData(on, rets, market, missing, tuple(provenance),
                      tuple(warnings) + notes, present)


@dataclass(frozen=True)
class PriceSource:
    """Where prices come from: the store, and (online) a fetcher for what it lacks."""

    store: "PriceStore"
    offline: bool = True
    fetcher: "Fetcher | None" = None

    def load(self, tickers: Iterable[str], market: str, *,
             warn: Callable[[str], None] | None = None) -> MarketData:
        """Every stored close of ``tickers`` and ``market``, fetched first when online.

        Tickers never stored become all-NaN columns listed in ``MarketData.missing``;
        fetch failures and network faults become warnings (``warn`` or the result's)."""
        from stress.data.provider import load_closes

        wanted = list(dict.fromkeys([market.upper(), *(str(t).strip().upper() for t in tickers)]))
        notes: list[str] = []
        closes = load_closes(self.store, wanted, offline=self.offline, fetcher=self.fetcher,
                             warn=notes.append, require=False)
        md = market_data(closes, market, provenance=tuple(self.store.info_for(wanted)),
                         warnings=notes)
        if warn is not None:
            for line in md.warnings:
                warn(line)
        return md


def require(md: MarketData, tickers: Iterable[str], what: str = "") -> None:
    """One :class:`~stress.errors.UnknownTickers` line (exit 2) naming every ticker of
    ``tickers`` without prices (``what``: where they came from, e.g. a role)."""
    from stress.data.unknown import unknown_tickers

    absent = [t for t in dict.fromkeys(tickers) if not md.has(t)]
    if absent:
        raise unknown_tickers(absent, where=what)

