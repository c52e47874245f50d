"""The public entry: an event study on a frame of closes.

Aligns the data at the boundary (:mod:`align`: the market's trading days, day 0, returns
on the rows the study reads), runs the vectorised core (:mod:`batch`, :mod:`placebo`,
:mod:`rebound`) and assembles the frozen :class:`EventStudyResult`, whose per-asset
records are built when first read. Nothing is printed: warnings travel in the result.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from stress.errors import InputError
from stress.eventstudy.align import Located, Panel, align
from stress.eventstudy.asset_table import AssetTable
from stress.eventstudy.batch import aggregates, event_period, run_batch
from stress.eventstudy.confounders import find_confounders
from stress.eventstudy.placebo import placebo_warnings, run_placebo
from stress.eventstudy.rebound import group_rebound, rebound
from stress.eventstudy.result import EventInfo, EventStudyResult, GroupResult, WindowAggregate
from stress.eventstudy.spec import EventStudySpec


def resolve_event(event: Any, catalogue: Any = None):
    """A catalogue ``Event`` from an id, an ISO date (the catalogue event on that date,
    else an ad-hoc event), a ``date``/``Timestamp``, or an ``Event`` (returned as is).

    ``catalogue``: the event catalogue the caller read (see :mod:`stress.config`);
    without it, dates become ad-hoc events and ids cannot be looked up."""
    from stress.events.catalogue import ad_hoc_event

    if hasattr(event, "id") and hasattr(event, "date"):
        return event
    if isinstance(event, (date, pd.Timestamp)):
        day = pd.Timestamp(event).date()
    else:
        text = str(event).strip()
        if catalogue is not None:
            return catalogue.get(text)
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise InputError(f"event {text!r}: not a date YYYY-MM-DD; to name a catalogue "
                             "event, pass catalogue= (the event catalogue of stress.config)") from None
    if catalogue is not None:
        try:
            return catalogue.get(day.isoformat())
        except InputError:
            pass
    return ad_hoc_event(day)


def run_event_study(
    closes: pd.DataFrame,
    event: Any,
    tickers: Iterable[str] = (),
    spec: EventStudySpec | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    placebo_exclude: Iterable[date | str] | None = None,
    *,
    catalogue: Any = None,
) -> EventStudyResult:
    """Event study of ``tickers`` (and every member of ``groups``) around ``event``.

    ``closes``: adjusted closes, (n_days, n_tickers) with a date index, holding the
    assets, ``spec.market`` and the factors, or a :class:`~stress.market.MarketData`.
    ``event``: catalogue id, ISO date, date or catalogue Event. ``groups``: {name:
    tickers}, each aggregated on its own. ``placebo_exclude``: dates whose sessions
    placebo windows must avoid (default: the other events of ``catalogue``, none
    without one). ``catalogue``: the event catalogue (needed to name events by id).
    """
    return run_event_studies(closes, [event], tickers, spec, groups, placebo_exclude,
                             catalogue=catalogue)[0]


def run_event_studies(
    closes: pd.DataFrame,
    events: Iterable[Any],
    tickers: Iterable[str] = (),
    spec: EventStudySpec | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    placebo_exclude: Iterable[date | str] | None = None,
    *,
    catalogue: Any = None,
) -> tuple[EventStudyResult, ...]:
    """:func:`run_event_study` for M events at once, one result per event in order.

    The data are aligned once and every event's fit, windows and tests are computed in
    one batch (B = M), so many events cost little more than one; the results equal those
    of calling :func:`run_event_study` per event. Placebo inference runs per event.
    """
    spec = spec or EventStudySpec()
    evs = [resolve_event(e, catalogue) for e in events]
    if not evs:
        raise InputError("no events to study: give at least one event")
    panel, locs = align(closes, tickers, spec, groups, [ev.date for ev in evs])
    pos = np.array([loc.pos for loc in locs])
    batch = run_batch(panel.y, panel.x, pos - panel.row0, spec, span=panel.span)
    regs = set(spec.regressors)
    regressor = np.array([t in regs for t in panel.tickers])
    fit = batch.fit
    with np.errstate(invalid="ignore"):
        include = ~(regressor | (fit.n_est < spec.min_estimation) | ~(fit.sigma > 0))  # (B, N)
    excluded = [_exclusions(panel, spec, fit, e, p, regressor, include[e]) for e, p in enumerate(pos)]
    for ev, ex, inc, loc in zip(evs, excluded, include, locs):
        if not inc.any():
            raise InputError(
                f"no asset left to study for {ev.id} (day 0 {loc.day0:%Y-%m-%d}): "
                + "; ".join(f"{t}: {why}" for t, why in ex)
            )
    overall = aggregates(batch, include)
    group_aggs = {name: aggregates(batch, include & mask) for name, mask in panel.group_masks.items()}
    return tuple(
        _result(panel, spec, batch, e, ev, locs[e], excluded[e], include[e], overall, group_aggs,
                _exclude_dates(placebo_exclude, catalogue, ev), catalogue)
        for e, ev in enumerate(evs)
    )


def _exclusions(panel: Panel, spec: EventStudySpec, fit, e: int, pos: int, regressor: np.ndarray,
                include: np.ndarray) -> list[tuple[str, str]]:
    """(ticker, reason) of the assets left out of event ``e`` of the batch (``include``
    False), in ticker order."""
    n_est = fit.n_est[e]
    a, b = spec.estimation
    out = []
    for j in np.flatnonzero(~include):
        t = panel.tickers[j]
        if regressor[j]:
            out.append((t, f"it is a regressor of the {spec.model} model (abnormal return identically 0)"))
        elif n_est[j] < spec.min_estimation:
            est_dates = _dates(panel.index, pos + a, pos + b)
            out.append((t, f"{int(n_est[j])} estimation returns in [{a},{b}] ({est_dates}), fewer than the minimum {spec.min_estimation}"))
        else:
            out.append((t, "zero residual variance in the estimation window"))
    return out


def _window_aggs(scope: str, aggs, e: int) -> tuple[WindowAggregate, ...]:
    """Event ``e``'s row of batched aggregates, as result objects."""
    return tuple(
        WindowAggregate(
            scope=scope, window=ag.window, n=int(ag.n[e]), caar=float(ag.caar[e]),
            tests={k: (float(st[e]), float(p[e])) for k, (st, p) in ag.tests.items()},
            mean_corr=float(ag.mean_corr[e]), placebo_p=None,
        )
        for ag in aggs
    )


def _gap_warnings(panel: Panel, batch, e: int, pos: int, include: np.ndarray) -> list[str]:
    """Windows past the data and included assets with missing returns in a window."""
    index, out = panel.index, []
    for wb in batch.windows:
        w = wb.window
        if pos + w[1] >= len(index):
            out.append(f"window [{w[0]},{w[1]}] runs past the last session {index[-1]:%Y-%m-%d}: its CAR is undefined")
            continue
        gappy = include & ~np.isfinite(wb.returns[e]).all(axis=0)
        for j in np.flatnonzero(gappy):
            gaps = np.flatnonzero(~np.isfinite(wb.returns[e, :, j]))
            days = ", ".join(f"{index[pos + w[0] + g]:%Y-%m-%d}" for g in gaps[:5])
            out.append(
                f"{panel.tickers[j]}: {gaps.size} missing return(s) in window [{w[0]},{w[1]}] ({days}): "
                f"CAR undefined, left out of that window's aggregates"
            )
    return out


def _result(panel: Panel, spec: EventStudySpec, batch, e: int, ev, loc: Located, excluded: list,
            include: np.ndarray, overall_b, group_b: dict, placebo_exclude, catalogue=None) -> EventStudyResult:
    """The result of event ``e`` of the batch: warnings, aggregates, placebo, rebound, assets."""
    pos, row0 = loc.pos, panel.row0
    index, tickers, groups, group_masks, span, horizon = (
        panel.index, panel.tickers, panel.groups, panel.group_masks, panel.span, panel.horizon)
    warnings = list(panel.warnings) + ([loc.note] if loc.shifted else [])
    warnings += [f"{t} excluded: {why}" for t, why in excluded]
    bad = {t for t, _ in excluded}
    warnings += _gap_warnings(panel, batch, e, pos, include)

    overall = _window_aggs("all", overall_b, e)
    group_aggs = {name: _window_aggs(name, aggs, e) for name, aggs in group_b.items()}
    for name, mask in group_masks.items():
        if not (mask & include).any():
            warnings.append(f"group {name}: every member was excluded; its aggregates are empty")

    # placebo (on the panel's rows: positions shifted by row0 there and back)
    first = event_period(spec.windows)[0]
    blocked = _blocked_positions(index, placebo_exclude, ev, pos)
    placebo = run_placebo(
        panel.y, panel.x, pos - row0, spec, include, [g.caar for g in overall],
        {name: (mask, [g.caar for g in group_aggs[name]]) for name, mask in group_masks.items()},
        [i - row0 for i in blocked],
    )
    placebo_dates: tuple[str, ...] = ()
    n_near = sum(1 for i in blocked if pos - spec.placebo_pool + first <= i < pos)
    if placebo is not None:
        placebo = replace(placebo, positions=placebo.positions + row0)
        placebo_dates = tuple(_iso(index[placebo.positions]))
        if placebo.windows:
            overall = tuple(replace(g, placebo_p=w.p_empirical) for g, w in zip(overall, placebo.windows))
            for name in group_aggs:
                group_aggs[name] = tuple(replace(g, placebo_p=w.group_p[name])
                                         for g, w in zip(group_aggs[name], placebo.windows))
        warnings += placebo_warnings(placebo, spec, n_near)

    # rebound from day 0
    n_rows = len(index)
    s0 = -span[0]
    inc_idx = np.flatnonzero(include)
    sel = slice(None) if inc_idx.size == include.size else inc_idx  # all included: views, no copies
    if pos + horizon >= n_rows:
        warnings.append(f"rebound: day +{horizon} is past the last session {index[-1]:%Y-%m-%d}; later horizons are undefined")
    inc_tickers = [tickers[j] for j in inc_idx]
    rb_assets = rebound(inc_tickers, batch.ar_span[e, s0:s0 + horizon + 1][:, sel], spec.rebound_horizons)
    rb_groups = group_rebound(rb_assets, {"all": include[inc_idx],
                                          **{name: mask[inc_idx] for name, mask in group_masks.items()}})

    # per-asset results
    days = tuple(range(span[0], span[1] + 1))
    lo, hi = max(pos + span[0], 0), min(pos + span[1], n_rows - 1)
    iso = _iso(index[lo:hi + 1])  # one conversion, not one per day
    dates = tuple(iso[pos + d - lo] if 0 <= pos + d < n_rows else None for d in days)
    info = EventInfo(
        id=ev.id, date=ev.date.isoformat(), day0=f"{loc.day0:%Y-%m-%d}", shifted=loc.shifted, note=loc.note,
        title=getattr(ev, "title", ""), direction=getattr(ev, "direction", ""),
        market_return_day0=panel.market_return(pos),
    )
    return EventStudyResult(
        event=info, spec=spec, assets=_assets(panel, spec, batch, e, pos, inc_tickers, sel),
        excluded=tuple(excluded), aggregate=overall,
        groups=tuple(
            GroupResult(name, tuple(m), tuple(t for t in m if t not in bad), group_aggs[name])
            for name, m in groups.items()
        ),
        days=days, dates=dates, ar=batch.ar_span[e][:, sel], returns=batch.y_span[e][:, sel],
        placebo=placebo, placebo_dates=placebo_dates,
        rebound_assets=rb_assets, rebound_groups=rb_groups, warnings=tuple(warnings),
        confounders=() if catalogue is None else find_confounders(
            index, pos, catalogue, ev.id, spec.windows, horizon),
    )


def _assets(panel: Panel, spec: EventStudySpec, batch, e: int, pos: int, tickers: list, sel) -> AssetTable:
    """The included assets' (``sel`` of the batch's columns) fits and windows for event
    ``e``, as views of the batch's rows in a table that builds the per-asset objects
    when first read."""
    fit, s0 = batch.fit, -panel.span[0]
    columns = {
        "n_estimation": fit.n_est[e][sel], "params": fit.params[e][sel], "sigma": fit.sigma[e][sel],
        "dof": fit.dof[e][sel], "return_day0": panel.y[pos - panel.row0][sel], "ar_day0": batch.ar_span[e, s0][sel],
    }
    wins = [(wb.window, wb.car[e][sel], wb.bhar[e][sel], wb.var_car[e][sel], wb.returns[e][:, sel])
            for wb in batch.windows]
    names = () if spec.model == "market-adjusted" else _param_names(spec)
    return AssetTable(tickers, panel.groups, columns, wins, spec.market, names)


def _iso(index: pd.DatetimeIndex) -> list[str]:
    """ISO dates (YYYY-MM-DD) of ``index``."""
    if index.tz is None:
        return np.datetime_as_string(index.to_numpy(), unit="D").tolist()
    return index.strftime("%Y-%m-%d").tolist()


def _dates(index: pd.DatetimeIndex, lo: int, hi: int) -> str:
    lo_c, hi_c = max(lo, 0), min(hi, len(index) - 1)
    if lo_c > hi_c:
        return "no sessions in the data"
    return f"{index[lo_c]:%Y-%m-%d} to {index[hi_c]:%Y-%m-%d}"


def _param_names(spec: EventStudySpec) -> tuple[str, ...]:
    return ("intercept",) + tuple(spec.regressors) if spec.model != "constant-mean" else ("intercept",)


def _exclude_dates(dates, catalogue, ev) -> list:
    """Dates placebo windows avoid: ``dates`` if given, else the other catalogue events."""
    if dates is not None:
        return list(dates)
    return [] if catalogue is None else [e.date for e in catalogue if e.id != ev.id]


def _blocked_positions(index: pd.DatetimeIndex, dates, ev, pos: int) -> list[int]:
    """Rows of day 0 of the events on ``dates`` (first session on or after each date)."""
    out = []
    for d in dates:
        i = int(index.searchsorted(pd.Timestamp(d)))
        if i < len(index) and i != pos:
            out.append(i)
    return out
