"""The inputs of the backtests (and of ``stress sensitivity --factors``), from the loaded
:class:`~stress.market.MarketData` and the configs the command read.

Each function calls the same library entries as ``stress run`` (books valued on their
own dates, returns on the market's sessions) and ``stress sensitivity`` (resolve,
load_returns, the event positions and abnormal returns) and hands plain frames and
arrays to the pure core in :mod:`stress.backtest`. Nothing here reads a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def books(md, files, *, nav):
    """Valued books (each on its own valuation date) with their holdings' daily returns on
    the market's sessions up to that date, the catalogue's day 0s (ISO date -> event id)
    and warnings. ``files``: parsed portfolio files."""
    from stress.scenarios.runner import RunOptions, value_book

    warnings: list[str] = []
    out = []
    for f in files:
        b = value_book(md, f, RunOptions(nav=nav))
        warnings.extend(b.warnings)
        out.append((b, md.returns.loc[:b.as_of, list(b.tickers)], b.values))
    return out, warnings


def day0s(calendar, catalogue) -> dict:
    """ISO day 0 -> event id for every event of ``catalogue`` inside ``calendar``."""
    from stress.errors import InputError
    from stress.events import map_to_session

    labels = {}
    for e in catalogue:
        try:
            day0, _, _ = map_to_session(e.date, calendar)
        except InputError:  # outside the data: no label
            continue
        labels.setdefault(f"{day0:%Y-%m-%d}", e.id)
    return labels


@dataclass(frozen=True)
class EventPanel:
    """Abnormal returns of the assets on the AI-demand events, arrays (E, N).

    ``actual`` the market-model AR (CAR over the spec's window, day 0 by default), ``var``
    its forecast-error variance; ``shocks``:
    basket name -> (E, N) shock sizes in the reference event's units (each asset left out
    of a basket it belongs to); ``basket``: the one-factor basket's name; ``daily``
    (T, N), ``market`` (T,), ``factor`` (T,) daily returns; ``day0`` (E,) their rows.
    """

    events: list
    tickers: list
    groups: dict
    actual: np.ndarray
    var: np.ndarray
    shocks: dict
    basket: str
    daily: np.ndarray
    market: np.ndarray
    factor: np.ndarray
    day0: np.ndarray
    spec: Any
    settings: dict
    warnings: list


def event_panel(md, configs, names, *, events=None, baskets=(), factor="SMH", basket=None,
                window=(0, 0), as_of=None) -> EventPanel:
    """The panel of :class:`EventPanel` for ``names``; ``baskets``: extra group names whose
    shocks are added; ``basket``: the one-factor basket's tickers (None: the ai_power
    group); ``window``: the assets' AR window (the shocks are always day 0)."""
    from stress.sensitivity.estimate import _event_positions, factor_returns
    from stress.sensitivity.event_based import basket_shocks, event_abnormal_returns
    from stress.sensitivity.inputs import load_returns, resolve
    from stress.sensitivity.spec import DEFAULT_BASKET_GROUP, SensitivitySpec

    universe = configs.universe
    extra = [t for g in baskets for t in universe.group(g).tickers]
    spec = SensitivitySpec(tickers=tuple(dict.fromkeys(list(names) + extra)),
                           events=tuple(events) if events else None, factor=factor,
                           basket=tuple(basket) if basket else None, window=tuple(window),
                           as_of=as_of)
    r = resolve(spec, md, universe, configs.events)
    data = load_returns(md, r)
    R = data.returns
    cols = list(r.columns)
    Y = R[cols].to_numpy(dtype=float)
    mkt = R[r.market].to_numpy(dtype=float)
    evs, pos, _, warnings = _event_positions(r, R.index, spec.window)
    ids = [e.id for e in evs]
    ref = ids.index(r.reference.id)
    sel = np.array([e in r.events for e in evs])
    est = dict(estimation=spec.estimation, min_estimation=spec.min_estimation)
    car0, var0 = event_abnormal_returns(Y, mkt, pos, window=(0, 0), **est)
    carw, varw = (car0, var0) if spec.window == (0, 0) else event_abnormal_returns(
        Y, mkt, pos, window=spec.window, **est)
    assets = [t for t in names if t in cols and t != r.market]
    aidx = [cols.index(t) for t in assets]

    def shocks(members):
        members = [t for t in members if t in cols]
        exclude = np.array([members.index(t) if t in members else -1 for t in cols])
        s = basket_shocks(car0[:, [cols.index(t) for t in members]], ref, exclude)[0]
        return s[sel][:, aidx]

    one = DEFAULT_BASKET_GROUP if spec.basket is None else "basket"
    found = {one: shocks(list(r.basket))}
    for g in baskets:
        found[g] = found[one] if g == one else shocks(list(universe.group(g).tickers))
    missing = [t for t in names if t not in assets]
    if missing:
        warnings.append(f"no estimate for {' '.join(missing)} (no prices, or the market index)")
    settings = {"basket": list(r.basket), "factor": r.factor.text, "market": r.market,
                "as_of": f"{data.as_of:%Y-%m-%d}", "reference": r.reference.id,
                "day0": {i: f"{R.index[p]:%Y-%m-%d}" for i, p, u in zip(ids, pos, sel) if u}}
    return EventPanel(
        events=[i for i, u in zip(ids, sel) if u], tickers=assets,
        groups={t: r.groups.get(t) for t in assets}, actual=carw[sel][:, aidx],
        var=varw[sel][:, aidx], shocks=found, basket=one, daily=Y[:, aidx], market=mkt,
        factor=factor_returns(R, r.factor.long, r.factor.short), day0=pos[sel], spec=spec,
        settings=settings, warnings=list(data.warnings) + warnings)


def universe_returns(md, configs, condition, events):
    """Daily returns of every universe ticker on the market's sessions, the events'
    (id, day 0) pairs, the conditioning tickers, the groups and warnings."""
    from stress.errors import InputError
    from stress.events import map_to_session
    from stress.market import require
    from stress.sensitivity.spec import DEFAULT_BASKET_GROUP

    universe = configs.universe
    market = universe.market
    cond = list(condition) or [market, *universe.group(DEFAULT_BASKET_GROUP).tickers]
    tickers = list(dict.fromkeys([market, *universe.tickers(), *cond]))
    require(md, cond, "conditioning tickers")
    warnings: list[str] = []
    returns = md.returns.reindex(columns=tickers)
    catalogue = configs.events
    chosen = [catalogue.get(i) for i in events] if events else list(catalogue)
    evs = []
    for e in chosen:
        try:
            day0, _, _ = map_to_session(e.date, returns.index)
        except InputError:
            warnings.append(f"{e.id} ({e.date}): outside the market data; skipped")
            continue
        evs.append((e.id, day0))
    groups = {t: universe.group_of(t) for t in tickers}
    return returns, evs, cond, groups, warnings
