"""Run a sensitivity estimate: resolve inputs, cut returns, estimate both ways, compare.

:func:`estimate_sensitivity` is the library entry; the scenario engine reads its
:meth:`SensitivityResult.scenario_input`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from stress.errors import DataError, InputError
from stress.sensitivity.compare import deepseek_comparison
from stress.sensitivity.event_based import basket_shocks, event_abnormal_returns, wls_through_origin
from stress.sensitivity.factor_based import (
    factor_fit,
    market_model_sigma,
    orthogonalise,
    rolling_loadings,
)
from stress.sensitivity.inputs import Resolved, Returns, load_returns, resolve
from stress.sensitivity.outofsample import leave_one_out, oos_r2
from stress.sensitivity.result import TABLE_COLUMNS, SensitivityResult
from stress.sensitivity.shrinkage import shrink_to_group
from stress.sensitivity.spec import SensitivitySpec

if TYPE_CHECKING:  # pragma: no cover
    from stress.config import Universe
    from stress.events import Catalogue
    from stress.market import MarketData


def estimate_sensitivity(
    md: "MarketData",
    spec: SensitivitySpec,
    *,
    universe: "Universe",
    events: "Catalogue",
    rolling: bool = False,
) -> SensitivityResult:
    """Event- and factor-based sensitivities of ``spec.tickers`` on the market data
    ``md``, their comparison on the reference event, and (``rolling=True``) rolling
    factor loadings. ``universe`` and ``events``: the configs the caller read.

    Each asset's figures depend on that asset, its group's members (the shrinkage
    pool), the basket, the market and the factor, never on the other tickers asked for.
    """
    r = resolve(spec, md, universe, events)
    data = load_returns(md, r)
    result = compute(r, data)
    if rolling:
        result = replace(result, rolling=rolling_frame(r, data))
    return result


# -- the computation ---------------------------------------------------------------------


def factor_returns(returns: pd.DataFrame, long: tuple[str, ...], short: tuple[str, ...]) -> np.ndarray:
    """Equal-weight long minus equal-weight short daily returns, shape (T,); NaN on a day
    any member is missing."""
    f = returns[list(long)].mean(axis=1, skipna=False)
    if short:
        f = f - returns[list(short)].mean(axis=1, skipna=False)
    return f.to_numpy(dtype=float)


def _event_positions(r: Resolved, index: pd.DatetimeIndex, window: tuple[int, int]):
    """Rows of day 0 for the events and the reference (last row); events outside the
    data are left out with a warning. Returns (events, positions, notes, warnings)."""
    from stress.events import map_to_session

    events, pos, notes, warnings = [], [], [], []
    wanted = list(r.events) + ([r.reference] if r.reference not in r.events else [])
    for e in wanted:
        ts = pd.Timestamp(e.date)
        p = None
        if index[0] <= ts <= index[-1]:
            day0, shifted, note = map_to_session(e.date, index)
            p = index.get_loc(day0)
            if p + window[1] >= len(index) or p + window[0] < 0:
                p = None
        if p is None:
            where = (
                f"after the as-of date {index[-1]:%Y-%m-%d}" if ts >= index[-1]
                else f"outside the data ({index[0]:%Y-%m-%d} to {index[-1]:%Y-%m-%d})"
            )
            why = f"event {e.id} ({e.date}, window {list(window)}) is {where}"
            if e.id == r.reference.id:
                raise InputError(
                    f"{why}; it defines the shock unit (DeepSeek units), so nothing can be "
                    "estimated: use a later --as-of or import more prices"
                )
            warnings.append(why + "; not used")
            continue
        events.append(e)
        pos.append(p)
        notes.append(note if shifted else "")
    return events, np.asarray(pos, dtype=int), notes, warnings


def _excluded(Y: np.ndarray, pos: np.ndarray, window, car, var, s, names, cols, sel):
    """Per column, reason -> ids of selected events it could not use."""
    idx = pos[:, None] + np.arange(window[0], window[1] + 1)[None, :]
    Yw = Y[idx]  # (E, L, N)
    no_data = ~np.isfinite(Yw).any(axis=1)
    gap = ~np.isfinite(Yw).all(axis=1) & ~no_data
    no_ar = ~(np.isfinite(car) & np.isfinite(var) & (var > 0)) & ~no_data & ~gap
    no_shock = ~np.isfinite(s) & ~no_data & ~gap & ~no_ar
    reasons = {
        "no_price": no_data,
        "gap_in_window": gap,
        "short_estimation": no_ar,
        "no_basket_shock": no_shock,
    }
    out = {}
    for j, t in enumerate(cols):
        d = {k: [names[e] for e in np.flatnonzero(m[:, j] & sel)] for k, m in reasons.items()}
        out[t] = {k: v for k, v in d.items() if v}
    return out


def compute(r: Resolved, data: Returns) -> SensitivityResult:
    """The estimate on loaded returns (no I/O)."""
    spec = r.spec
    R = data.returns
    cols = list(r.columns)
    Y = R[cols].to_numpy(dtype=float)
    mkt = R[r.market].to_numpy(dtype=float)
    warnings = list(data.warnings)
    for t in r.missing:
        warnings.append(f"{t}: no prices in the store; no estimate")

    # ---- event-based ------------------------------------------------------------------
    events, pos, notes, w = _event_positions(r, R.index, spec.window)
    warnings += w
    names = [e.id for e in events]
    ref = len(events) - 1 if r.reference not in r.events else names.index(r.reference.id)
    est = dict(estimation=spec.estimation, min_estimation=spec.min_estimation)
    car0, var0 = event_abnormal_returns(Y, mkt, pos, window=(0, 0), **est)
    if tuple(spec.window) == (0, 0):
        carw, varw = car0, var0
    else:
        carw, varw = event_abnormal_returns(Y, mkt, pos, window=spec.window, **est)
    bcols = [cols.index(t) for t in r.basket]
    exclude = np.array([r.basket.index(t) if t in r.basket else -1 for t in cols])
    s, _, _ = basket_shocks(car0[:, bcols], ref, exclude)
    s_full, basket_full, n_full = basket_shocks(car0[:, bcols], ref, np.array([-1]))
    if not np.isfinite(basket_full[ref, 0]) or basket_full[ref, 0] == 0:
        raise DataError(
            f"no basket member ({' '.join(r.basket)}) has a day-0 abnormal return on "
            f"{r.reference.id} ({r.reference.date}): cannot set the shock unit"
        )
    if basket_full[ref, 0] > 0:
        warnings.append(
            f"the basket rose on {r.reference.id} (AR {basket_full[ref, 0]:+.4f}): "
            "positive shock sizes then mean the same direction as that event"
        )
    if r.market in cols:  # its abnormal return against itself is 0 by construction
        carw = carw.copy()
        carw[:, cols.index(r.market)] = np.nan
    sel = np.array([e in r.events for e in events])
    if sel.sum() < spec.min_events:
        warnings.append(f"only {int(sel.sum())} events in the data (< {spec.min_events}): no event-based estimates")
    fit_in = wls_through_origin(carw[sel], s[sel], varw[sel], min_events=spec.min_events, level=spec.level)
    loo = leave_one_out(carw[sel], s[sel], varw[sel], min_events=spec.min_events)
    r2_oos = oos_r2(carw[sel], loo.pred)  # each event predicted by b from the others
    oos = sel & (np.arange(len(events)) != ref)
    fit_oos = wls_through_origin(carw[oos], s[oos], varw[oos], min_events=spec.min_events, level=spec.level)
    pre = sel & (pos < pos[ref])  # only what was knowable before the reference event
    fit_pre = wls_through_origin(carw[pre], s[pre], varw[pre], min_events=spec.min_events, level=spec.level)
    excluded = _excluded(Y, pos, spec.window, carw, varw, s, names, cols, sel)
    if r.market in excluded:
        excluded[r.market] = {"market_index": [n for n, u in zip(names, sel) if u]}

    # ---- shrinkage over every group member ----------------------------------------------
    pool = list(dict.fromkeys(list(r.assets) + list(r.peers)))
    pidx = [cols.index(t) for t in pool]
    shr = shrink_to_group(fit_in.b[pidx], fit_in.se[pidx], [r.groups.get(t) for t in pool])

    # ---- factor-based ------------------------------------------------------------------
    aidx = [cols.index(t) for t in r.assets]
    YA = Y[:, aidx]
    F = factor_returns(R, r.factor.long, r.factor.short)
    T = len(R)
    rows = slice(max(0, T - spec.factor_window), T)
    if T - rows.start < spec.factor_window:
        warnings.append(f"the factor window has {T - rows.start} sessions (< {spec.factor_window})")
    ai, c0, c1 = orthogonalise(F[rows], mkt[rows])
    ffit = factor_fit(YA[rows], mkt[rows], ai, min_obs=spec.min_factor_obs, level=spec.level)
    sigma = market_model_sigma(YA[rows], mkt[rows], min_obs=spec.min_factor_obs)
    for t in r.assets:
        if t in r.factor.tickers:
            warnings.append(f"{t} is part of the factor {r.factor.text}: its beta_ai is partly mechanical")

    # ---- the table ---------------------------------------------------------------------
    sp = [pool.index(t) for t in r.assets]
    found = pd.DataFrame(
        {
            "group": [r.groups.get(t) for t in r.assets],
            "b": fit_in.b[aidx], "se": fit_in.se[aidx], "ci_lo": fit_in.ci_lo[aidx],
            "ci_hi": fit_in.ci_hi[aidx], "n_events": fit_in.n[aidx],
            "n_excluded": [sum(len(v) for v in excluded[t].values()) for t in r.assets],
            "r2": fit_in.r2[aidx], "oos_r2": r2_oos[aidx],
            "reason": [
                "" if np.isfinite(fit_in.b[j]) else _event_reason(t, int(fit_in.n[j]), excluded[t], spec, r, s[ref, j])
                for t, j in zip(r.assets, aidx)
            ],
            "b_shrunk": shr.b[sp], "w_shrunk": shr.w[sp], "group_mean": shr.mean[sp],
            "tau2": shr.tau2[sp], "n_group": shr.n_group[sp],
            "shrink_reason": [shr.reason[k] for k in sp],
            "beta_ai": ffit.params[:, 2], "se_ai": ffit.bse[:, 2], "ci_ai_lo": ffit.ci[:, 2, 0],
            "ci_ai_hi": ffit.ci[:, 2, 1], "beta_mkt": ffit.params[:, 1], "se_mkt": ffit.bse[:, 1],
            "intercept": ffit.params[:, 0], "n_obs": ffit.n_obs, "maxlags": ffit.maxlags, "sigma": sigma,
            "factor_reason": [
                "" if np.isfinite(ffit.params[k, 2])
                else f"{n} returns in the factor window (< {spec.min_factor_obs})"
                if n < spec.min_factor_obs else "singular regression (a constant series?)"
                for k, n in enumerate(ffit.n_obs)
            ],
        },
        index=pd.Index(list(r.assets), name="ticker"),
    )
    table = found.reindex(pd.Index(list(spec.tickers), name="ticker"))[list(TABLE_COLUMNS)]
    table["group"] = [r.groups.get(t) for t in spec.tickers]
    for c in ("n_events", "n_excluded", "n_group", "n_obs", "maxlags"):
        table[c] = table[c].fillna(0).astype(int)
    for c in ("reason", "shrink_reason", "factor_reason"):  # assets without prices
        table[c] = table[c].where(table.index.isin(r.assets), "no prices in the store")

    # ---- shocks --------------------------------------------------------------------------
    shocks = pd.DataFrame(
        {
            "date": [e.date.isoformat() for e in events],
            "day0": [f"{R.index[p]:%Y-%m-%d}" for p in pos],
            "direction": [e.direction for e in events],
            "used": sel,
            "basket_ar": basket_full[:, 0],
            "n_members": n_full[:, 0],
            "s": s_full[:, 0],
            **{f"s_without_{t}": s[:, cols.index(t)] for t in r.basket},
            "note": notes,
        },
        index=pd.Index(names, name="event"),
    )

    # ---- comparison on the reference event ------------------------------------------------
    comparison, comp_settings = _comparison(
        r, R, YA, mkt, F, pos[ref], carw[ref, aidx], (fit_oos, fit_in, fit_pre), aidx
    )

    settings = {
        **spec.to_dict(),
        "basket": list(r.basket),
        "market": r.market,
        "factor": r.factor.text,
        "as_of": f"{data.as_of:%Y-%m-%d}",
        "events_used": [n for n, u in zip(names, sel) if u],
        "reference": {"id": r.reference.id, "day0": f"{R.index[pos[ref]]:%Y-%m-%d}",
                      "basket_ar": float(basket_full[ref, 0])},
        "factor_dates": [f"{R.index[rows.start]:%Y-%m-%d}", f"{R.index[T - 1]:%Y-%m-%d}"],
        "orthogonalisation": {"c0": c0, "c1": c1},
        "comparison": comp_settings,
    }
    return SensitivityResult(table=table, shocks=shocks, comparison=comparison,
                             excluded={t: excluded[t] for t in r.assets}, settings=settings,
                             warnings=tuple(warnings))


def _event_reason(t, n, excl, spec, r, s_ref) -> str:
    if t == r.market:
        return f"{t} is the market index: its abnormal returns are 0 by construction"
    if not np.isfinite(s_ref):
        return f"the basket without {t} has no abnormal return on {r.reference.id}"
    parts = [f"{len(v)} {k.replace('_', ' ')}" for k, v in excl.items()]
    detail = f" (not used: {', '.join(parts)})" if parts else ""
    return f"{n} usable event{'' if n == 1 else 's'} (< {spec.min_events}){detail}"


def _comparison(r, R, YA, mkt, F, p, actual_ar, fits, aidx):
    spec = r.spec
    fit_oos, fit_in, fit_pre = fits
    a, b = spec.window
    end = p + min(a, 0)  # the factor window ends the session before the event window
    pre = slice(max(0, end - spec.factor_window), end)
    ai_pre, c0, c1 = orthogonalise(F[pre], mkt[pre])
    ffit = factor_fit(YA[pre], mkt[pre], ai_pre, min_obs=spec.min_factor_obs, level=spec.level)
    win = np.arange(p + a, p + b + 1)
    ai_move = float(np.sum(F[win] - c0 - c1 * mkt[win]))
    mkt_move = float(np.sum(mkt[win]))
    frame = deepseek_comparison(
        list(r.assets),
        actual_ar=actual_ar, actual_return=YA[p],
        b_oos=fit_oos.b[aidx], ci_oos=(fit_oos.ci_lo[aidx], fit_oos.ci_hi[aidx]),
        n_oos=fit_oos.n[aidx], b_in=fit_in.b[aidx], b_pre=fit_pre.b[aidx], n_pre=fit_pre.n[aidx],
        beta_ai=ffit.params[:, 2], ci_ai=(ffit.ci[:, 2, 0], ffit.ci[:, 2, 1]),
        beta_mkt=ffit.params[:, 1], intercept=ffit.params[:, 0],
        ai_move=ai_move, mkt_move=mkt_move, n_days=b - a + 1,
    )
    settings = {
        "event": r.reference.id,
        "window": [a, b],
        "factor_window": [f"{R.index[pre.start]:%Y-%m-%d}", f"{R.index[pre.stop - 1]:%Y-%m-%d}"],
        "ai_factor_move": ai_move,
        "market_move": mkt_move,
    }
    return frame, settings


def rolling_frame(r: Resolved, data: Returns) -> pd.DataFrame:
    """Rolling loadings of the assets in long form: date, ticker, beta_ai, beta_mkt, n_obs
    (rows with an estimate only)."""
    R = data.returns
    F = factor_returns(R, r.factor.long, r.factor.short)
    roll = rolling_loadings(R[list(r.assets)].to_numpy(dtype=float), R[r.market].to_numpy(dtype=float),
                            F, window=r.spec.rolling_window)
    T, N = roll.beta_ai.shape
    frame = pd.DataFrame({
        "date": np.repeat(R.index.strftime("%Y-%m-%d").to_numpy(), N),
        "ticker": np.tile(np.asarray(r.assets, dtype=object), T),
        "beta_ai": roll.beta_ai.ravel(),
        "beta_mkt": roll.beta_mkt.ravel(),
        "n_obs": roll.n_obs.ravel(),
    })
    return frame[np.isfinite(frame["beta_ai"].to_numpy())].reset_index(drop=True)
