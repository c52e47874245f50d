"""Getting prices for a computation: the store first, the network only when allowed.

This is the one place that decides between the store and a source. Computations take
the frames it returns; they never open the store or the network themselves.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable, Iterable

from stress.errors import DataError, NetworkError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stress.data.store import PriceStore

log = logging.getLogger("stress")

#: A fetcher takes (tickers, start, end) and writes what it got into the store,
#: returning {ticker: reason} for the tickers it could not get.
Fetcher = Callable[["PriceStore", list[str], str, str], dict[str, str]]


def no_data_error(tickers: Iterable[str], note: str = "") -> DataError:
    """Tickers without a price in the store: one line naming them all (capped), exit 2."""
    from stress.data.unknown import unknown_tickers

    return unknown_tickers(tickers, note=note)


def load_closes(
    store: "PriceStore",
    tickers: Iterable[str],
    start: str | None = None,
    end: str | None = None,
    *,
    offline: bool = True,
    fetcher: Fetcher | None = None,
    warn: Callable[[str], None] = log.warning,
    require: bool = True,
) -> "pd.DataFrame":
    """Adjusted closes for ``tickers`` (n_days x n_tickers), from the store.

    Online (``offline=False`` with a ``fetcher``), tickers absent from the store are
    fetched first; if the network fails, a warning is given and the store is used.
    Any ticker still without a single price is a :class:`DataError` naming all of them
    (``require=False``: an all-NaN column instead, for the caller to name).
    """
    tickers = list(dict.fromkeys(t.upper() for t in tickers))
    have = set(store.tickers())
    absent = [t for t in tickers if t not in have]
    network_down = ""
    if absent and not offline and fetcher is not None:
        try:
            failed = fetcher(store, absent, start or "2015-01-01", end or _today())
        except NetworkError as exc:
            network_down = str(exc)
            warn(f"network unavailable ({exc}); using the store")
        else:
            for t, why in failed.items():
                warn(f"{t}: {why}")
    closes = store.read_closes(tickers, start, end)
    if not require:
        return closes
    empty = [t for t in tickers if closes[t].isna().all()]
    stored = set(store.tickers())  # again: the fetch may have added some
    never = [t for t in empty if t not in stored]
    if never:
        raise no_data_error(never, note=f"the fetch failed: {network_down}" if network_down else "")
    if empty:
        spans = ", ".join(
            f"{i.ticker} has {i.first} to {i.last}" for i in store.info_for(empty)
        )
        raise DataError(
            f"no prices between {start or 'the start'} and {end or 'the end'} for "
            f"{' '.join(empty)} ({spans})"
        )
    return closes


def _today() -> str:
    from datetime import date

    return date.today().isoformat()


def off_session_rows(rows: "pd.DataFrame", cap: int = 5) -> str:
    """Which tickers have prices on days that are no session (``rows``: closes on those
    days, shape (days, tickers)), as "VST 2025-01-04, CEG 2025-01-04 and N more"."""
    import numpy as np

    days, cols = np.nonzero(rows.notna().to_numpy())
    pairs = [f"{rows.columns[j]} {rows.index[i]:%Y-%m-%d}" for i, j in zip(days, cols)]
    return ", ".join(pairs[:cap]) + (f" and {len(pairs) - cap} more" if len(pairs) > cap else "")
