"""The event study's boundary: closes in, the aligned returns the core reads out.

Only the market column is read whole: it gives the calendar (its sessions, with the
rules and warnings of :func:`stress.market.session_returns`), on which each event's
day 0 is located. Returns (:func:`stress.returns.price_returns`) are then formed on the
rows the study reads (every event's estimation window, the evaluated span and the
placebo pool) and the needed columns only, not on the whole history: the core treats
rows before the first or after the last session as missing, and the rows kept are
exactly the ones it asks for, so the numbers are those of the full alignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from stress.errors import DataError, InputError
from stress.eventstudy.spec import EventStudySpec, Window
from stress.market import off_session_warnings
from stress.returns import price_returns


@dataclass(frozen=True)
class Panel:
    """The aligned data shared by every event of a call.

    ``tickers`` the assets (the tickers given, then the other group members); ``groups``
    {name: members} and ``group_masks`` {name: (N,) bool}; ``calendar`` the market's
    sessions and ``index`` (T,) the dates of their returns (every session but the
    first); ``y`` (R, N) the assets' returns, ``x`` (R, q) the regressors' and
    ``market`` (R,) the market's, on the rows ``row0 .. row0 + R - 1`` of ``index``;
    ``span`` the days evaluated (windows and rebound horizon), ``horizon`` the longest
    rebound horizon; ``warnings`` those about the data (not about an event)."""

    tickers: list
    groups: dict
    group_masks: dict
    calendar: pd.DatetimeIndex
    index: pd.DatetimeIndex
    row0: int
    y: np.ndarray
    x: np.ndarray
    market: np.ndarray
    span: Window
    horizon: int
    warnings: tuple

    def market_return(self, pos: int) -> float:
        """The market's return on row ``pos`` of ``index``."""
        return float(self.market[pos - self.row0])


@dataclass(frozen=True)
class Located:
    """Day 0 of an event: the session, whether it was shifted from the event date, the
    note saying where it is, and its row in ``Panel.index``."""

    day0: pd.Timestamp
    shifted: bool
    note: str
    pos: int


def align(closes: Any, tickers: Iterable[str], spec: EventStudySpec,
          groups: Mapping[str, Sequence[str]] | None = None,
          dates: Sequence[Any] | None = None) -> tuple[Panel, list[Located]]:
    """Check the inputs and align returns on the market's sessions, once for all events.

    ``closes``: adjusted closes (n_days, n_tickers) or a :class:`~stress.market.MarketData`;
    ``dates``: the event dates to locate (day 0 = the first session on or after each);
    returns are then formed on the rows those events read, else on every row."""
    tickers, groups = _members(tickers, groups)
    needed = list(dict.fromkeys([spec.market, *spec.regressors, *tickers]))
    frame, cols, index = _checked(getattr(closes, "closes", closes), needed)  # needed[j]: column cols[j]
    on = ~np.isnan(_floats(frame.iloc[:, cols[0]]))  # the market's sessions (needed[0] is the market)
    warnings: tuple = ()
    if not on.all():
        sub = frame.iloc[:, cols]
        sub.columns = needed
        warnings = off_session_warnings(sub, on, spec.market)
    sessions = np.flatnonzero(on)
    calendar = index[sessions] if len(sessions) < len(index) else index
    ret_index = calendar[1:]
    located = [locate(d, calendar) for d in (dates or ())]
    span, horizon = _span(spec)
    lo, hi = 0, len(ret_index) - 1
    if located:
        pos = [loc.pos for loc in located]
        reach = spec.estimation[0]
        if spec.placebo != 0:  # placebo dates up to placebo_pool sessions earlier, same windows
            reach = min(reach, min(spec.estimation[0], min(w[0] for w in spec.windows)) - spec.placebo_pool)
        lo = max(min(pos) + min(reach, span[0]), 0)
        hi = min(max(pos) + max(span[1], spec.estimation[1]), hi)
    rows = sessions[lo:hi + 2]  # the closes of returns rows lo..hi (hi < lo: none)
    first = rows[0] if rows.size else 0
    block = _floats(frame.iloc[first:first + (rows[-1] + 1 - first if rows.size else 0)])
    prices = block[:, cols] if rows.size == block.shape[0] else block[np.ix_(rows - first, cols)]
    rets = price_returns(prices, spec.returns)  # (hi - lo + 1, len(needed))
    col = {t: j for j, t in enumerate(needed)}
    panel = Panel(
        tickers, groups, {name: np.array([t in set(m) for t in tickers]) for name, m in groups.items()},
        calendar, ret_index, lo, _columns(rets, [col[t] for t in tickers]),
        _columns(rets, [col[t] for t in spec.regressors]), rets[:, 0], span, horizon, tuple(warnings),
    )
    return panel, located


def locate(date: Any, calendar: pd.DatetimeIndex) -> Located:
    """Day 0 of an event on ``date``: the first session of ``calendar`` on or after it
    (:func:`stress.events.catalogue.map_to_session`), which must have a return."""
    from stress.events.catalogue import map_to_session

    day0_ts, shifted, note = map_to_session(date, calendar)
    row = int(calendar.searchsorted(day0_ts))
    if row == 0:
        raise InputError(f"day 0 {day0_ts:%Y-%m-%d} is the first session of the data: no return on day 0")
    return Located(day0_ts, bool(shifted), note, row - 1)


def _members(tickers: Iterable[str], groups: Mapping[str, Sequence[str]] | None) -> tuple[list, dict]:
    """The tickers (upper case, in order, each once) followed by the other group members;
    the groups with upper-case members."""
    tickers = list(dict.fromkeys(str(t).strip().upper() for t in tickers if str(t).strip()))
    groups = {str(k): [str(t).strip().upper() for t in v] for k, v in (groups or {}).items()}
    for name, members in groups.items():
        if not members:
            raise InputError(f"group {name!r} has no tickers")
    for members in groups.values():
        tickers += [t for t in members if t not in tickers]
    if not tickers:
        raise InputError("no tickers to study: give tickers or a group")
    return tickers, groups


def _span(spec: EventStudySpec) -> tuple[Window, int]:
    """The days evaluated (from day 0 or the first window day to the last window day or
    the rebound horizon) and the longest rebound horizon."""
    horizon = max(spec.rebound_horizons, default=0)
    first, last = min(w[0] for w in spec.windows), max(w[1] for w in spec.windows)
    return (min(first, 0), max(last, horizon)), horizon


def _checked(closes: Any, needed: list[str]) -> tuple[pd.DataFrame, np.ndarray, pd.DatetimeIndex]:
    """``closes`` with rows in date order (the same frame when already sorted), the
    positions of the ``needed`` tickers among its columns and the dates. A column named
    exactly as a ticker is that ticker's, else the first whose name in upper case is.
    Only the needed columns are kept when some other column is not numeric. A DataError
    when a needed ticker has no price at all."""
    if not isinstance(closes, pd.DataFrame) or closes.empty:
        raise DataError("no prices given for the event study")
    found = closes.columns.get_indexer(needed) if closes.columns.is_unique else np.full(len(needed), -1)
    if (found < 0).any():
        where: dict[str, int] = {}
        for j, c in enumerate(closes.columns.tolist()):
            where.setdefault(str(c).upper(), j)
        found = np.array([j if j >= 0 else where.get(t, -1) for t, j in zip(needed, found)])
    have = [t for t, j in zip(needed, found) if j >= 0]
    cols = found[found >= 0].astype(np.intp)
    try:
        last = _floats(closes.iloc[-1:])[0, cols]
    except (TypeError, ValueError):  # a column that is not numeric: keep the needed ones
        closes, cols = closes.iloc[:, cols], np.arange(len(cols))
        last = _floats(closes.iloc[-1:])[0, cols]
    index = pd.DatetimeIndex(closes.index)
    if not index.is_monotonic_increasing:
        order = np.argsort(index.asi8, kind="stable")
        closes, index = closes.iloc[order], index[order]
        last = _floats(closes.iloc[-1:])[0, cols]
    # a ticker without any price: the last row first, the whole column only if empty there
    empty = np.isnan(last)
    if empty.any():
        empty[empty] = np.isnan(_floats(closes.iloc[:, cols[empty]])).all(axis=0)
    missing = {t for t, j in zip(needed, found) if j < 0} | {t for t, e in zip(have, empty) if e}
    if missing:
        raise DataError(f"no prices for {' '.join(t for t in needed if t in missing)} in the data given to "
                        "the event study")
    return closes, cols, index


def _floats(data: pd.DataFrame | pd.Series) -> np.ndarray:
    """The values as float64, NaN where missing (also for nullable or integer columns)."""
    try:
        return data.to_numpy(dtype=float)
    except (TypeError, ValueError):  # pd.NA in a nullable column
        return data.to_numpy(dtype=float, na_value=np.nan)


def _columns(values: np.ndarray, idx: list[int]) -> np.ndarray:
    """Columns ``idx`` of ``values``: a view when they are consecutive."""
    if idx and idx == list(range(idx[0], idx[0] + len(idx))):
        return values[:, idx[0]:idx[0] + len(idx)]
    return values[:, idx]
