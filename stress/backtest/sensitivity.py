"""Sensitivity backtest: leave one event out, predict its day-0 abnormal return.

Pure numeric core. Shapes: ``E`` events, ``N`` assets, ``K`` event shocks, ``T`` days.

* event-based (one factor) and multi-factor (``--factors``, K basket shocks estimated
  jointly): leave one event out, b from the other events, prediction b . s_e with its
  prediction band (:mod:`stress.sensitivity.outofsample`);
* factor-based: beta_ai from the daily regression on the factor window ending the
  session before day 0 (:func:`stress.sensitivity.factor_based.factor_fit`); prediction
  beta_ai x AI_0 (the orthogonalised factor's day-0 return) with the normal band
  -/+ z sqrt(AI_0^2 se_ai^2 + sigma_f^2), sigma_f the regression's residual sd.

Scores per asset, group and model: out-of-sample R^2 = 1 - sum (y - yhat)^2 / sum y^2
(against predicting no abnormal move), correlation, sign hit rate (all predictions, and
those beyond 1%), band coverage, mean error (actual - predicted). Formulas and
references: docs/methods.md, "Backtests".
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from stress.distributions import norm_ppf

from stress.sensitivity.factor_based import factor_fit, orthogonalise
from stress.sensitivity.outofsample import Predictions, leave_one_out, wls_origin

__all__ = ["Predictions", "leave_one_out", "wls_origin", "factor_predictions", "scores",
           "backtest_sensitivity"]

#: |prediction| above which the "sign_hit_big" rate is counted; a group's actual/predicted
#: ratio is shown only when |mean prediction| >= BIG_MOVE / 2
BIG_MOVE = 0.01
#: a group's mean move at least this large, and at least FAR_RATIO times the prediction
#: (or against it), is ``far`` from the model
FAR_MOVE, FAR_RATIO = 0.05, 3.0


def factor_predictions(returns, market, factor, day0, *, factor_window: int = 504,
                       min_obs: int = 60, band: float = 0.90) -> Predictions:
    """beta_ai x AI_0 per event, loadings on the ``factor_window`` sessions before day 0.

    ``returns`` (T, N), ``market`` (T,), ``factor`` (T,) raw factor returns; ``day0``
    (E,) rows of day 0.
    """
    Y = np.asarray(returns, float)
    m = np.asarray(market, float)
    f = np.asarray(factor, float)
    pos = np.asarray(day0, int)
    E, N = pos.size, Y.shape[1]
    pred, lo, hi = (np.full((E, N), np.nan) for _ in range(3))
    z = norm_ppf(0.5 + band / 2)
    for e, p in enumerate(pos):
        rows = slice(max(0, p - factor_window), p)
        ai, c0, c1 = orthogonalise(f[rows], m[rows])
        if not np.isfinite(c1):
            continue
        fit = factor_fit(Y[rows], m[rows], ai, min_obs=min_obs)
        move = f[p] - c0 - c1 * m[p]
        beta, se = fit.params[:, 2], fit.bse[:, 2]
        pred[e] = beta * move
        half = z * np.sqrt(move ** 2 * se ** 2 + fit.sigma ** 2)
        lo[e], hi[e] = pred[e] - half, pred[e] + half
    return Predictions(pred, lo, hi)


def scores(actual, pred, lo, hi) -> dict:
    """Scores of paired arrays (any shape; NaN pairs left out): n, oos_r2, corr,
    sign_hit, sign_hit_big, coverage, mean_error, mean_abs_error."""
    y, p, a, b = (np.asarray(x, float).ravel() for x in (actual, pred, lo, hi))
    ok = np.isfinite(y) & np.isfinite(p)
    y, p, a, b = y[ok], p[ok], a[ok], b[ok]
    n = int(y.size)
    nan = float("nan")
    if n == 0:
        return dict(n=0, oos_r2=nan, corr=nan, sign_hit=nan, sign_hit_big=nan, n_big=0,
                    coverage=nan, mean_error=nan, mean_abs_error=nan)
    err = y - p
    ss = float(np.sum(y * y))
    big = np.abs(p) > BIG_MOVE
    return dict(
        n=n,
        oos_r2=1.0 - float(np.sum(err * err)) / ss if ss > 0 else nan,
        corr=float(np.corrcoef(y, p)[0, 1]) if n > 2 and y.std() > 0 and p.std() > 0 else nan,
        sign_hit=float(np.mean(np.sign(y) == np.sign(p))),
        sign_hit_big=float(np.mean(np.sign(y[big]) == np.sign(p[big]))) if big.any() else nan,
        n_big=int(big.sum()),
        coverage=float(np.mean((y >= a) & (y <= b))),
        mean_error=float(err.mean()),
        mean_abs_error=float(np.abs(err).mean()),
    )


def backtest_sensitivity(
    actual, var, models: dict[str, Predictions], *, events: Sequence[str],
    tickers: Sequence[str], groups: dict, band: float = 0.90, settings: dict | None = None,
    warnings: Sequence[str] = (),
):
    """Score each model's predictions (E, N) against the ``actual`` day-0 ARs (E, N).

    ``models``: model name -> :class:`Predictions`; ``groups``: ticker -> group (None
    goes to "other"). Returns a :class:`stress.backtest.result.SensitivityBacktest`.
    """
    from stress.backtest.result import SensitivityBacktest

    y = np.asarray(actual, float)
    tick = list(tickers)
    grp = np.array([groups.get(t) or "other" for t in tick], dtype=object)
    rows = []
    for name, m in models.items():
        for e, ev in enumerate(events):
            for j, t in enumerate(tick):
                if np.isfinite(m.pred[e, j]) and np.isfinite(y[e, j]):
                    rows.append({"event": ev, "ticker": t, "group": grp[j], "model": name,
                                 "predicted": m.pred[e, j], "lo": m.lo[e, j], "hi": m.hi[e, j],
                                 "actual": y[e, j], "error": y[e, j] - m.pred[e, j],
                                 "inside": bool(m.lo[e, j] <= y[e, j] <= m.hi[e, j])})
    cols = ["event", "ticker", "group", "model", "predicted", "lo", "hi", "actual", "error", "inside"]
    pred = pd.DataFrame(rows, columns=cols)
    by_asset, by_group, by_event = [], [], []
    for name, m in models.items():
        for j, t in enumerate(tick):
            by_asset.append({"ticker": t, "group": grp[j], "model": name,
                             **scores(y[:, j], m.pred[:, j], m.lo[:, j], m.hi[:, j])})
        for g in [*dict.fromkeys(grp), "all"]:
            cols_g = np.ones(len(tick), bool) if g == "all" else grp == g
            by_group.append({"group": g, "model": name,
                             **scores(y[:, cols_g], m.pred[:, cols_g], m.lo[:, cols_g], m.hi[:, cols_g])})
    if len(pred):
        for (ev, g, name), d in pred.groupby(["event", "group", "model"], sort=False):
            a, p = d["actual"].mean(), d["predicted"].mean()
            outside = 1.0 - d["inside"].mean()
            ratio = a / p if abs(p) >= BIG_MOVE / 2 else np.nan
            far = abs(a) >= FAR_MOVE and not (0 < ratio < FAR_RATIO)
            by_event.append({"event": ev, "group": g, "model": name, "n": len(d), "actual": a,
                             "predicted": p, "ratio": ratio, "outside": outside,
                             "far": bool(far), "missed": bool(outside >= 0.5 or far)})
    ev_cols = ["event", "group", "model", "n", "actual", "predicted", "ratio", "outside", "far",
               "missed"]
    st = {"band": band, "events": list(events), "models": list(models), **(settings or {})}
    return SensitivityBacktest(
        predictions=pred, by_asset=pd.DataFrame(by_asset), by_group=pd.DataFrame(by_group),
        by_event=pd.DataFrame(by_event, columns=ev_cols), settings=st, warnings=tuple(warnings))
