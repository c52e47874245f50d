"""The public entry: an event study on a frame of closes.

Aligns the data at the boundary (the market's trading days, returns, day 0), runs the
vectorised core (:mod:`batch`, :mod:`placebo`, :mod:`rebound`) and assembles the frozen
:class:`EventStudyResult`. Nothing is printed: warnings travel in the result.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from stress.errors import DataError, InputError
from stress.eventstudy.batch import aggregates, event_period, run_batch
from stress.eventstudy.placebo import placebo_warnings, run_placebo
from stress.eventstudy.rebound import group_rebound, rebound
from stress.eventstudy.result import (
    AssetResult,
    AssetWindow,
    EventInfo,
    EventStudyResult,
    GroupResult,
    WindowAggregate,
)
from stress.eventstudy.spec import EventStudySpec
from stress.returns import to_returns


def resolve_event(event: Any):
    """A catalogue ``Event`` from an id, an ISO date (the catalogue event on that date,
    else an ad-hoc event), a ``date``/``Timestamp``, or an ``Event`` (returned as is)."""
    from stress.events.catalogue import ad_hoc_event

    if hasattr(event, "id") and hasattr(event, "date"):
        return event
    if isinstance(event, (date, pd.Timestamp)):
        day = pd.Timestamp(event).date()
        try:
            return _catalogue().get(day.isoformat())
        except InputError:
            return ad_hoc_event(day)
    return _catalogue().get(str(event))


_CATALOGUE: dict = {}


def _catalogue():
    """The event catalogue, read once per process while the file is unchanged."""
    from stress.events.catalogue import load_events
    from stress.paths import config_dir

    path = config_dir() / "events.yaml"
    try:
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        key = (str(path), None, None)
    if key not in _CATALOGUE:
        _CATALOGUE.clear()
        _CATALOGUE[key] = load_events(path)
    return _CATALOGUE[key]


def run_event_study(
    closes: pd.DataFrame,
    event: Any,
    tickers: Iterable[str] = (),
    spec: EventStudySpec | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    placebo_exclude: Iterable[date | str] | None = None,
) -> EventStudyResult:
    """Event study of ``tickers`` (and every member of ``groups``) around ``event``.

    ``closes``: adjusted closes, (n_days, n_tickers) with a date index, holding the
    assets, ``spec.market`` and the factors. ``event``: catalogue id, ISO date, date or
    catalogue Event. ``groups``: {name: tickers}, each aggregated on its own.
    ``placebo_exclude``: dates whose sessions placebo windows must avoid (default: the
    other events of the catalogue).
    """
    spec = spec or EventStudySpec()
    ev = resolve_event(event)
    tickers = list(dict.fromkeys(str(t).strip().upper() for t in tickers if str(t).strip()))
    groups = {str(k): [str(t).strip().upper() for t in v] for k, v in (groups or {}).items()}
    for name, members in groups.items():
        if not members:
            raise InputError(f"group {name!r} has no tickers")
    for members in groups.values():
        tickers += [t for t in members if t not in tickers]
    if not tickers:
        raise InputError("no tickers to study: give tickers or a group")
    closes = _check_frame(closes, [spec.market, *spec.regressors, *tickers])

    warnings: list[str] = []
    calendar = closes.index[closes[spec.market].notna()]
    off = int(closes.loc[closes[spec.market].isna(), tickers].notna().sum().sum())
    if off:
        warnings.append(f"{off} asset prices on days without a {spec.market} price were left out")
    prices = closes.reindex(calendar)

    from stress.events.catalogue import map_to_session

    day0_ts, shifted, note = map_to_session(ev.date, calendar)
    if shifted:
        warnings.append(note)
    rets = to_returns(prices, spec.returns)
    if day0_ts not in rets.index:
        raise InputError(f"day 0 {day0_ts:%Y-%m-%d} is the first session of the data: no return on day 0")
    pos = int(rets.index.get_loc(day0_ts))
    y = rets[tickers].to_numpy(dtype=float)
    x = rets[list(spec.regressors)].to_numpy(dtype=float)
    horizon = max(spec.rebound_horizons, default=0)
    first, last = event_period(spec.windows)
    span = (min(first, 0), max(last, horizon))
    batch = run_batch(y, x, np.array([pos]), spec, span=span)
    fit = batch.fit

    # exclusions, named with the reason
    a, b = spec.estimation
    est_dates = _dates(rets.index, pos + a, pos + b)
    excluded: list[tuple[str, str]] = []
    for j, t in enumerate(tickers):
        n_est = int(fit.n_est[0, j])
        if t in spec.regressors:
            excluded.append((t, f"it is a regressor of the {spec.model} model (abnormal return identically 0)"))
        elif n_est < spec.min_estimation:
            excluded.append((t, f"{n_est} estimation returns in [{a},{b}] ({est_dates}), fewer than the minimum {spec.min_estimation}"))
        elif not fit.sigma[0, j] > 0:
            excluded.append((t, "zero residual variance in the estimation window"))
    bad = {t for t, _ in excluded}
    include = np.array([t not in bad for t in tickers])
    for t, why in excluded:
        warnings.append(f"{t} excluded: {why}")
    if not include.any():
        raise InputError(
            f"no asset left to study for {ev.id} (day 0 {day0_ts:%Y-%m-%d}): "
            + "; ".join(f"{t}: {why}" for t, why in excluded)
        )

    # gaps and windows past the data
    n_rows = len(rets)
    for w in spec.windows:
        if pos + w[1] >= n_rows:
            warnings.append(f"window [{w[0]},{w[1]}] runs past the last session {rets.index[-1]:%Y-%m-%d}: its CAR is undefined")
            continue
        wb = next(x for x in batch.windows if x.window == w)
        for j, t in enumerate(tickers):
            gaps = np.flatnonzero(~np.isfinite(wb.returns[0, :, j]))
            if include[j] and gaps.size:
                days = ", ".join(f"{rets.index[pos + w[0] + g]:%Y-%m-%d}" for g in gaps[:5])
                warnings.append(
                    f"{t}: {gaps.size} missing return(s) in window [{w[0]},{w[1]}] ({days}): "
                    f"CAR undefined, left out of that window's aggregates"
                )

    # aggregates: all assets, then each group
    def window_aggs(scope: str, mask: np.ndarray) -> tuple[WindowAggregate, ...]:
        aggs = aggregates(batch, include & mask)
        out = []
        for ag in aggs:
            out.append(WindowAggregate(
                scope=scope, window=ag.window, n=int(ag.n[0]), caar=float(ag.caar[0]),
                tests={k: (float(s[0]), float(p[0])) for k, (s, p) in ag.tests.items()},
                mean_corr=float(ag.mean_corr[0]), placebo_p=None,
            ))
        return tuple(out)

    everyone = np.ones(len(tickers), dtype=bool)
    overall = window_aggs("all", everyone)
    group_masks = {name: np.array([t in set(m) for t in tickers]) for name, m in groups.items()}
    group_aggs = {name: window_aggs(name, mask) for name, mask in group_masks.items()}
    for name, mask in group_masks.items():
        if not (mask & include).any():
            warnings.append(f"group {name}: every member was excluded; its aggregates are empty")

    # placebo
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
        overall = tuple(_with_p(g, w.p_empirical) for g, w in zip(overall, placebo.windows)) if placebo.windows else overall
        for name in group_aggs:
            if placebo.windows:
                group_aggs[name] = tuple(_with_p(g, w.group_p[name]) for g, w in zip(group_aggs[name], placebo.windows))
        warnings += placebo_warnings(placebo, spec, n_near)

    # rebound from day 0
    s0 = -span[0]
    path_ar = np.where(include[None, :], batch.ar_span[0, s0 : s0 + horizon + 1], np.nan)
    if pos + horizon >= n_rows:
        warnings.append(f"rebound: day +{horizon} is past the last session {rets.index[-1]:%Y-%m-%d}; later horizons are undefined")
    rb_assets = rebound(tickers, path_ar, spec.rebound_horizons)
    rb_groups = group_rebound(rb_assets, {"all": include, **group_masks})

    # per-asset results
    assets = []
    days = tuple(range(span[0], span[1] + 1))
    dates = tuple(f"{rets.index[pos + d]:%Y-%m-%d}" if 0 <= pos + d < n_rows else None for d in days)
    names = _param_names(spec)
    for j, t in enumerate(tickers):
        if not include[j]:
            continue
        params = fit.params[0, j]
        betas = dict(zip(names[1:], params[1:].tolist())) if spec.model != "market-adjusted" else {spec.market: 1.0}
        alpha = float(params[0]) if spec.model != "market-adjusted" else 0.0
        wins = []
        for wb in batch.windows:
            car, var = float(wb.car[0, j]), float(wb.var_car[0, j])
            tstat = car / np.sqrt(var) if var > 0 else float("nan")
            p = float(2 * stats.t.sf(abs(tstat), fit.dof[0, j])) if tstat == tstat else float("nan")
            wins.append(AssetWindow(wb.window, car, float(wb.bhar[0, j]), var, float(tstat), p,
                                    int((~np.isfinite(wb.returns[0, :, j])).sum())))
        assets.append(AssetResult(
            ticker=t, groups=tuple(n for n, m in groups.items() if t in m),
            n_estimation=int(fit.n_est[0, j]), alpha=alpha,
            beta=betas.get(spec.market),
            betas=betas, sigma=float(fit.sigma[0, j]),
            return_day0=float(y[pos, j]), ar_day0=float(batch.ar_span[0, s0, j]), windows=tuple(wins),
        ))
    inc_idx = np.flatnonzero(include)
    info = EventInfo(
        id=ev.id, date=ev.date.isoformat(), day0=f"{day0_ts:%Y-%m-%d}", shifted=bool(shifted), note=note,
        title=getattr(ev, "title", ""), direction=getattr(ev, "direction", ""),
        market_return_day0=float(rets[spec.market].iloc[pos]),
    )
    return EventStudyResult(
        event=info, spec=spec, assets=tuple(assets), excluded=tuple(excluded), aggregate=overall,
        groups=tuple(
            GroupResult(name, tuple(m), tuple(t for t in m if t not in bad), group_aggs[name])
            for name, m in groups.items()
        ),
        days=days, dates=dates,
        ar=batch.ar_span[0][:, inc_idx], returns=_span_rows(y, pos, span)[:, inc_idx],
        placebo=placebo, placebo_dates=placebo_dates,
        rebound_assets=rebound([tickers[j] for j in inc_idx], path_ar[:, inc_idx], spec.rebound_horizons),
        rebound_groups=rb_groups, warnings=tuple(warnings),
    )


def _check_frame(closes: pd.DataFrame, needed: list[str]) -> pd.DataFrame:
    if not isinstance(closes, pd.DataFrame) or closes.empty:
        raise DataError("no prices given for the event study")
    closes = closes.copy()
    closes.columns = [str(c).upper() for c in closes.columns]
    missing = [t for t in dict.fromkeys(needed) if t not in closes.columns or closes[t].isna().all()]
    if missing:
        raise DataError(f"no prices for {' '.join(missing)} in the data given to the event study")
    closes.index = pd.DatetimeIndex(closes.index)
    return closes.sort_index()


def _dates(index: pd.DatetimeIndex, lo: int, hi: int) -> str:
    lo_c, hi_c = max(lo, 0), min(hi, len(index) - 1)
    if lo_c > hi_c:
        return "no sessions in the data"
    return f"{index[lo_c]:%Y-%m-%d} to {index[hi_c]:%Y-%m-%d}"


def _span_rows(y: np.ndarray, pos: int, span: tuple[int, int]) -> np.ndarray:
    idx = pos + np.arange(span[0], span[1] + 1)
    ok = (idx >= 0) & (idx < len(y))
    out = np.full((len(idx), y.shape[1]), np.nan)
    out[ok] = y[idx[ok]]
    return out


def _param_names(spec: EventStudySpec) -> tuple[str, ...]:
    return ("alpha",) + tuple(spec.regressors) if spec.model != "constant-mean" else ("alpha",)


def _with_p(agg: WindowAggregate, p: float) -> WindowAggregate:
    from dataclasses import replace

    return replace(agg, placebo_p=p)


def _blocked_positions(index: pd.DatetimeIndex, dates, ev, pos: int) -> list[int]:
    """Rows of day 0 of the other events (first session on or after each date)."""
    if dates is None:
        dates = [e.date for e in _catalogue() if e.id != ev.id]
    out = []
    for d in dates:
        i = int(index.searchsorted(pd.Timestamp(d)))
        if i < len(index) and i != pos:
            out.append(i)
    return out
