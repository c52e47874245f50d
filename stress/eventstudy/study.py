"""The public entry: an event study on a frame of closes.

Aligns the data at the boundary (the market's trading days, returns, day 0), runs the
vectorised core (:mod:`batch`, :mod:`placebo`, :mod:`rebound`) and assembles the frozen
:class:`EventStudyResult`. Nothing is printed: warnings travel in the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from stress.errors import DataError, InputError
from stress.eventstudy.confounders import find_confounders
from stress.eventstudy.asset_table import AssetTable
from stress.eventstudy.batch import aggregates, event_period, run_batch
from stress.eventstudy.models import gather
from stress.eventstudy.placebo import placebo_warnings, run_placebo
from stress.eventstudy.rebound import group_rebound, rebound
from stress.eventstudy.result import EventInfo, EventStudyResult, GroupResult, WindowAggregate
from stress.eventstudy.significance import _p_t
from stress.eventstudy.spec import EventStudySpec
from stress.market import session_returns


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


@dataclass(frozen=True)
class _Panel:
    """The aligned data shared by every event: ``rets`` (T, ·) returns on the market's
    sessions, ``y`` (T, N) the assets', ``x`` (T, q) the regressors', ``span`` the
    days evaluated, ``warnings`` those about the data (not about an event)."""

    tickers: list
    groups: dict
    calendar: pd.DatetimeIndex
    group_masks: dict
    rets: pd.DataFrame
    y: np.ndarray
    x: np.ndarray
    span: tuple
    horizon: int
    warnings: tuple


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
    panel = _panel(closes, tickers, spec, groups)
    locs = [_locate(ev, panel) for ev in evs]
    pos = np.array([loc[3] for loc in locs])
    batch = run_batch(panel.y, panel.x, pos, spec, span=panel.span)
    excluded = [_exclusions(panel, spec, batch.fit, e, p) for e, p in enumerate(pos)]
    include = np.array([[t not in dict(ex) for t in panel.tickers] for ex in excluded])
    for ev, ex, inc, loc in zip(evs, excluded, include, locs):
        if not inc.any():
            raise InputError(
                f"no asset left to study for {ev.id} (day 0 {loc[0]:%Y-%m-%d}): "
                + "; ".join(f"{t}: {why}" for t, why in ex)
            )
    overall = aggregates(batch, include)
    group_aggs = {name: aggregates(batch, include & mask) for name, mask in panel.group_masks.items()}
    stats_ = _asset_stats(batch)
    return tuple(
        _result(panel, spec, batch, e, ev, loc, excluded[e], include[e], overall, group_aggs, stats_,
                _exclude_dates(placebo_exclude, catalogue, ev), catalogue)
        for e, (ev, loc) in enumerate(zip(evs, locs))
    )


def _panel(closes: pd.DataFrame, tickers: Iterable[str], spec: EventStudySpec,
           groups: Mapping[str, Sequence[str]] | None) -> _Panel:
    """Check the inputs and align returns on the market's sessions (once for all events)."""
    tickers = list(dict.fromkeys(str(t).strip().upper() for t in tickers if str(t).strip()))
    groups = {str(k): [str(t).strip().upper() for t in v] for k, v in (groups or {}).items()}
    for name, members in groups.items():
        if not members:
            raise InputError(f"group {name!r} has no tickers")
    for members in groups.values():
        tickers += [t for t in members if t not in tickers]
    if not tickers:
        raise InputError("no tickers to study: give tickers or a group")
    needed = list(dict.fromkeys([spec.market, *spec.regressors, *tickers]))
    closes = _check_frame(getattr(closes, "closes", closes), needed)
    on_sessions, rets, notes = session_returns(closes[needed], spec.market, spec.returns)
    calendar = on_sessions.index
    warnings = list(notes)
    col = {t: j for j, t in enumerate(needed)}
    out = rets.to_numpy()
    horizon = max(spec.rebound_horizons, default=0)
    first, last = event_period(spec.windows)
    return _Panel(
        tickers, groups, calendar, {name: np.array([t in set(m) for t in tickers]) for name, m in groups.items()},
        rets, out[:, [col[t] for t in tickers]], out[:, [col[t] for t in spec.regressors]],
        (min(first, 0), max(last, horizon)), horizon, tuple(warnings),
    )


def _locate(ev, panel: _Panel) -> tuple:
    """(day 0 Timestamp, shifted, note, row of day 0 in the returns) of one event."""
    from stress.events.catalogue import map_to_session

    day0_ts, shifted, note = map_to_session(ev.date, panel.calendar)
    if day0_ts not in panel.rets.index:
        raise InputError(f"day 0 {day0_ts:%Y-%m-%d} is the first session of the data: no return on day 0")
    return day0_ts, shifted, note, int(panel.rets.index.get_loc(day0_ts))


def _exclusions(panel: _Panel, spec: EventStudySpec, fit, e: int, pos: int) -> list[tuple[str, str]]:
    """(ticker, reason) of the assets left out of event ``e`` of the batch, in ticker order."""
    n_est, sigma = fit.n_est[e], fit.sigma[e]
    regressor = np.array([t in spec.regressors for t in panel.tickers])
    flagged = regressor | (n_est < spec.min_estimation) | ~(sigma > 0)
    a, b = spec.estimation
    out = []
    for j in np.flatnonzero(flagged):
        t = panel.tickers[j]
        if regressor[j]:
            out.append((t, f"it is a regressor of the {spec.model} model (abnormal return identically 0)"))
        elif n_est[j] < spec.min_estimation:
            est_dates = _dates(panel.rets.index, pos + a, pos + b)
            out.append((t, f"{int(n_est[j])} estimation returns in [{a},{b}] ({est_dates}), fewer than the minimum {spec.min_estimation}"))
        else:
            out.append((t, "zero residual variance in the estimation window"))
    return out


def _asset_stats(batch) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per window, (B, N) arrays of each asset's t = CAR / sqrt(Var(CAR)), its two-sided p
    (Student t, dof of the fit) and missing days, computed in one pass."""
    out = []
    for wb in batch.windows:
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(wb.var_car > 0, wb.car / np.sqrt(np.where(wb.var_car > 0, wb.var_car, 1.0)), np.nan)
            p = _p_t(t, batch.fit.dof)
        missing = (~np.isfinite(wb.returns)).sum(axis=1)
        out.append((t, np.where(np.isfinite(t), p, np.nan), missing))
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


def _gap_warnings(panel: _Panel, spec: EventStudySpec, batch, e: int, pos: int, include: np.ndarray) -> list[str]:
    """Windows past the data and included assets with missing returns in a window."""
    rets, out = panel.rets, []
    for wb in batch.windows:
        w = wb.window
        if pos + w[1] >= len(rets):
            out.append(f"window [{w[0]},{w[1]}] runs past the last session {rets.index[-1]:%Y-%m-%d}: its CAR is undefined")
            continue
        gappy = include & ~np.isfinite(wb.returns[e]).all(axis=0)
        for j in np.flatnonzero(gappy):
            gaps = np.flatnonzero(~np.isfinite(wb.returns[e, :, j]))
            days = ", ".join(f"{rets.index[pos + w[0] + g]:%Y-%m-%d}" for g in gaps[:5])
            out.append(
                f"{panel.tickers[j]}: {gaps.size} missing return(s) in window [{w[0]},{w[1]}] ({days}): "
                f"CAR undefined, left out of that window's aggregates"
            )
    return out


def _result(panel: _Panel, spec: EventStudySpec, batch, e: int, ev, loc: tuple, excluded: list,
            include: np.ndarray, overall_b, group_b: dict, asset_stats: list,
            placebo_exclude, catalogue=None) -> EventStudyResult:
    """The result of event ``e`` of the batch: warnings, aggregates, placebo, rebound, assets."""
    day0_ts, shifted, note, pos = loc
    rets, tickers, groups, group_masks, span, horizon = (
        panel.rets, panel.tickers, panel.groups, panel.group_masks, panel.span, panel.horizon)
    y, x = panel.y, panel.x
    warnings = list(panel.warnings) + ([note] if shifted else [])
    warnings += [f"{t} excluded: {why}" for t, why in excluded]
    bad = {t for t, _ in excluded}
    warnings += _gap_warnings(panel, spec, batch, e, pos, include)

    overall = _window_aggs("all", overall_b, e)
    group_aggs = {name: _window_aggs(name, aggs, e) for name, aggs in group_b.items()}
    for name, mask in group_masks.items():
        if not (mask & include).any():
            warnings.append(f"group {name}: every member was excluded; its aggregates are empty")

    # placebo
    first = event_period(spec.windows)[0]
    blocked = _blocked_positions(rets.index, placebo_exclude, ev, pos)
    placebo = run_placebo(
        y, x, pos, spec, include, [g.caar for g in overall],
        {name: (mask, [g.caar for g in group_aggs[name]]) for name, mask in group_masks.items()},
        blocked,
    )
    placebo_dates: tuple[str, ...] = ()
    n_near = sum(1 for i in blocked if pos - spec.placebo_pool + first <= i < pos)
    if placebo is not None:
        placebo_dates = tuple(f"{d:%Y-%m-%d}" for d in rets.index[placebo.positions])
        if placebo.windows:
            overall = tuple(_with_p(g, w.p_empirical) for g, w in zip(overall, placebo.windows))
            for name in group_aggs:
                group_aggs[name] = tuple(_with_p(g, w.group_p[name]) for g, w in zip(group_aggs[name], placebo.windows))
        warnings += placebo_warnings(placebo, spec, n_near)

    # rebound from day 0
    n_rows = len(rets)
    s0 = -span[0]
    inc_idx = np.flatnonzero(include)
    if pos + horizon >= n_rows:
        warnings.append(f"rebound: day +{horizon} is past the last session {rets.index[-1]:%Y-%m-%d}; later horizons are undefined")
    rb_assets = rebound([tickers[j] for j in inc_idx], batch.ar_span[e, s0 : s0 + horizon + 1][:, inc_idx],
                        spec.rebound_horizons)
    rb_groups = group_rebound(rb_assets, {"all": include[inc_idx],
                                          **{name: mask[inc_idx] for name, mask in group_masks.items()}})

    # per-asset results
    days = tuple(range(span[0], span[1] + 1))
    lo, hi = max(pos + span[0], 0), min(pos + span[1], n_rows - 1)
    iso = rets.index[lo:hi + 1].strftime("%Y-%m-%d").tolist()  # one conversion, not one per day
    dates = tuple(iso[pos + d - lo] if 0 <= pos + d < n_rows else None for d in days)
    info = EventInfo(
        id=ev.id, date=ev.date.isoformat(), day0=f"{day0_ts:%Y-%m-%d}", shifted=bool(shifted), note=note,
        title=getattr(ev, "title", ""), direction=getattr(ev, "direction", ""),
        market_return_day0=float(rets[spec.market].iloc[pos]),
    )
    return EventStudyResult(
        event=info, spec=spec, assets=_assets(panel, spec, batch, e, pos, inc_idx, asset_stats),
        excluded=tuple(excluded), aggregate=overall,
        groups=tuple(
            GroupResult(name, tuple(m), tuple(t for t in m if t not in bad), group_aggs[name])
            for name, m in groups.items()
        ),
        days=days, dates=dates,
        ar=batch.ar_span[e][:, inc_idx], returns=gather(y, np.array([pos]), span)[0][:, inc_idx],
        placebo=placebo, placebo_dates=placebo_dates,
        rebound_assets=rb_assets, rebound_groups=rb_groups, warnings=tuple(warnings),
        confounders=() if catalogue is None else find_confounders(
            rets.index, pos, catalogue, ev.id, spec.windows, horizon),
    )


def _assets(panel: _Panel, spec: EventStudySpec, batch, e: int, pos: int, inc_idx: np.ndarray,
            asset_stats: list) -> AssetTable:
    """The included assets' fits and windows for event ``e``, as plain lists (numbers,
    not numpy scalars) in a table that builds the per-asset objects when first read."""
    fit, s0 = batch.fit, -panel.span[0]
    names = _param_names(spec)
    idx = inc_idx.tolist()
    params = fit.params[e][inc_idx].tolist()
    if spec.model != "market-adjusted":
        betas = [dict(zip(names[1:], row[1:])) for row in params]
        intercept = [row[0] for row in params]
    else:
        betas, intercept = [{spec.market: 1.0} for _ in idx], [0.0] * len(idx)
    columns = {
        "n_estimation": fit.n_est[e][inc_idx].tolist(), "intercept": intercept, "betas": betas,
        "sigma": fit.sigma[e][inc_idx].tolist(), "return_day0": panel.y[pos][inc_idx].tolist(),
        "ar_day0": batch.ar_span[e, s0][inc_idx].tolist(),
    }
    wins = [(wb.window, wb.car[e][inc_idx].tolist(), wb.bhar[e][inc_idx].tolist(),
             wb.var_car[e][inc_idx].tolist(), *(x[e][inc_idx].tolist() for x in (t, p, miss)))
            for wb, (t, p, miss) in zip(batch.windows, asset_stats)]
    tickers = [panel.tickers[j] for j in idx]
    member = [tuple(n for n, m in panel.groups.items() if t in m) for t in tickers]
    return AssetTable(tickers, member, columns, wins, spec.market)


def _check_frame(closes: pd.DataFrame, needed: list[str]) -> pd.DataFrame:
    """The ``needed`` columns of ``closes`` (names matched in upper case), in that
    order, with a sorted DatetimeIndex; the other columns are not copied."""
    if not isinstance(closes, pd.DataFrame) or closes.empty:
        raise DataError("no prices given for the event study")
    needed = list(dict.fromkeys(needed))
    where: dict[str, int] = {}
    for j, c in enumerate(closes.columns):
        where.setdefault(str(c).upper(), j)
    sub = closes.iloc[:, [where[t] for t in needed if t in where]]
    sub.columns = [t for t in needed if t in where]
    have = set(sub.columns[sub.notna().any().to_numpy()])  # one pass, not one Series per column
    missing = [t for t in needed if t not in have]
    if missing:
        raise DataError(f"no prices for {' '.join(missing)} in the data given to the event study")
    sub.index = pd.DatetimeIndex(sub.index)
    return sub if sub.index.is_monotonic_increasing else sub.sort_index()


def _dates(index: pd.DatetimeIndex, lo: int, hi: int) -> str:
    lo_c, hi_c = max(lo, 0), min(hi, len(index) - 1)
    if lo_c > hi_c:
        return "no sessions in the data"
    return f"{index[lo_c]:%Y-%m-%d} to {index[hi_c]:%Y-%m-%d}"


def _param_names(spec: EventStudySpec) -> tuple[str, ...]:
    return ("intercept",) + tuple(spec.regressors) if spec.model != "constant-mean" else ("intercept",)


def _with_p(agg: WindowAggregate, p: float) -> WindowAggregate:
    from dataclasses import replace

    return replace(agg, placebo_p=p)


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
