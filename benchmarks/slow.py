"""The obvious slow ways, written plainly, that our fast paths are measured against.

Each function computes the same numbers as the library path it is compared with, in the
way a user without our library would: a Python loop over assets, dates or portfolios, a
statsmodels OLS per asset, one CSV read per ticker, eager imports.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd


# ---- 4. loading prices: one pandas.read_csv per ticker -------------------------------
def read_csvs(folder: Path, names: list[str]) -> pd.DataFrame:
    """The wide close frame (n_days, n_tickers) from ``folder/TICKER.csv`` files."""
    cols = []
    for t in names:
        f = pd.read_csv(folder / f"{t}.csv", index_col="Date", parse_dates=["Date"])
        cols.append(f["Close"].rename(t))
    wide = pd.concat(cols, axis=1).sort_index()
    wide.index.name = "date"
    return wide


# ---- 3. scenario grid: a loop over portfolios ------------------------------------------
def var_es_sorted(pnl: np.ndarray, alpha: float) -> tuple[float, float]:
    """Empirical VaR and ES (positive losses, fractional tail atom) of one P&L vector,
    from the textbook definition on the sorted losses L_(1) <= ... <= L_(T), k = ceil(T a):
    VaR = L_(k); ES = (sum_{i>k} L_(i) / T + VaR (k/T - a)) / (1 - a)."""
    losses = np.sort(-np.asarray(pnl, dtype=float))
    t = losses.size
    k = min(max(math.ceil(round(t * alpha, 9)), 1), t)
    var = float(losses[k - 1])
    es = (float(losses[k:].sum()) / t + var * (k / t - alpha)) / (1.0 - alpha)
    return var, es


def grid_loop(values: np.ndarray, scenarios: np.ndarray, alpha: float):
    """P&L (P, S) and VaR, ES (P,) with one matrix-vector product per portfolio."""
    n_p = values.shape[0]
    pnl = np.empty((n_p, scenarios.shape[0]))
    var = np.empty(n_p)
    es = np.empty(n_p)
    for p in range(n_p):
        pnl[p] = scenarios @ values[p]
        var[p], es[p] = var_es_sorted(pnl[p], alpha)
    return pnl, var, es


# ---- 1. event study: a statsmodels OLS per asset and event -----------------------------
def event_study_loop(returns: np.ndarray, market: np.ndarray, day0s, estimation=(-250, -11),
                     windows=((0, 0), (-1, 1), (0, 5), (0, 20))) -> dict:
    """The market-model event study the way Python event-study packages do it: for each
    event and each asset, ``statsmodels.OLS(r_i, [1, r_m])`` on the estimation window,
    then per window (MacKinlay 1997, docs/methods.md):

        AR_t = r_it - (alpha + beta r_mt);  CAR = sum AR_t;
        Var(CAR) = sigma^2 (L2 + 1' X_w (X'X)^-1 X_w' 1),  sigma^2 = SSR / (L1 - 2);
        SCAR = CAR / sqrt(Var(CAR)).

    Across assets per event and window: Patell Z = sum SCAR / sqrt(sum (L1-k)/(L1-k-2));
    BMP t = sqrt(N) mean(SCAR) / sd(SCAR); KP = BMP sqrt((1-r)/(1+(N-1)r)), r the mean
    off-diagonal correlation of estimation residuals; crude = CAAR / (sqrt(L2)
    sd(AAR_est)); generalised sign Z = (w - N p) / sqrt(N p (1-p)), p the share of
    positive estimation residuals, w the number of positive CARs; rank (Corrado 1989,
    Cowan 1992 for multi-day windows): per asset the ranks K of its estimation residuals
    and event-period ARs (scipy.stats.rankdata), U = K / (M + 1) - 1/2, Z_t = sum_i U_it /
    sqrt(N), S = sqrt(mean_t Z_t^2) over all ranked days, T = sum_{t in window} Z_t /
    (sqrt(L2) S).

    ``returns`` (T, N) complete (no NaN), ``market`` (T,), ``day0s`` M row numbers.
    Returns arrays with a leading event axis M: ``params`` (M, N, 2), ``sigma`` (M, N),
    and per window index j: ``ar[j]`` (M, L2, N), ``car[j]``, ``var_car[j]``, ``scar[j]``
    (M, N), ``patell[j]``, ``bmp[j]``, ``kp[j]``, ``crude[j]``, ``gsign[j]`` (M,).
    """
    import statsmodels.api as sm
    from scipy.stats import rankdata

    t_rows, n = returns.shape
    m = len(day0s)
    a, b = estimation
    l1 = b - a + 1
    k = 2
    out = {"params": np.empty((m, n, 2)), "sigma": np.empty((m, n))}
    period = (min(w[0] for w in windows), max(w[1] for w in windows))
    n_rank = l1 + period[1] - period[0] + 1
    for key in ("ar", "car", "var_car", "scar", "patell", "bmp", "kp", "crude", "gsign", "rank"):
        out[key] = []
    for w in windows:
        l2 = w[1] - w[0] + 1
        out["ar"].append(np.empty((m, l2, n)))
        for key in ("car", "var_car", "scar"):
            out[key].append(np.empty((m, n)))
        for key in ("patell", "bmp", "kp", "crude", "gsign", "rank"):
            out[key].append(np.empty(m))
    for e, d in enumerate(day0s):
        est = slice(d + a, d + b + 1)
        x_est = sm.add_constant(market[est], has_constant="add")
        resid = np.empty((l1, n))
        u = np.empty((n_rank, n))
        for i in range(n):
            res = sm.OLS(returns[est, i], x_est).fit()
            out["params"][e, i] = res.params
            sigma2 = res.ssr / res.df_resid
            out["sigma"][e, i] = math.sqrt(sigma2)
            resid[:, i] = res.resid
            xtx_inv = res.normalized_cov_params  # (X'X)^-1
            rows = slice(d + period[0], d + period[1] + 1)
            ar_period = returns[rows, i] - res.predict(sm.add_constant(market[rows], has_constant="add"))
            u[:, i] = rankdata(np.concatenate([res.resid, ar_period])) / (n_rank + 1) - 0.5
            for j, (wa, wb) in enumerate(windows):
                rows = slice(d + wa, d + wb + 1)
                x_w = sm.add_constant(market[rows], has_constant="add")
                ar = returns[rows, i] - res.predict(x_w)
                s = x_w.sum(axis=0)  # X_w' 1
                var_car = sigma2 * (len(ar) + s @ xtx_inv @ s)
                out["ar"][j][e, :, i] = ar
                out["car"][j][e, i] = ar.sum()
                out["var_car"][j][e, i] = var_car
                out["scar"][j][e, i] = ar.sum() / math.sqrt(var_car)
        corr = np.corrcoef(resid, rowvar=False)
        r_bar = (corr.sum() - n) / (n * (n - 1))
        aar = resid.mean(axis=1)
        p_pos = (resid > 0).mean(axis=0).mean()
        z_t = u.sum(axis=1) / math.sqrt(n)
        s_rank = math.sqrt((z_t**2).mean())
        for j, (wa, wb) in enumerate(windows):
            scar = out["scar"][j][e]
            car = out["car"][j][e]
            out["patell"][j][e] = scar.sum() / math.sqrt(n * (l1 - k) / (l1 - k - 2))
            bmp = math.sqrt(n) * scar.mean() / scar.std(ddof=1)
            out["bmp"][j][e] = bmp
            out["kp"][j][e] = bmp * math.sqrt((1 - r_bar) / (1 + (n - 1) * r_bar))
            out["crude"][j][e] = car.mean() / (math.sqrt(wb - wa + 1) * aar.std(ddof=1))
            wins = (car > 0).sum()
            out["gsign"][j][e] = (wins - n * p_pos) / math.sqrt(n * p_pos * (1 - p_pos))
            first = l1 + wa - period[0]
            l2 = wb - wa + 1
            out["rank"][j][e] = z_t[first:first + l2].sum() / (math.sqrt(l2) * s_rank)
    return out


def engine_loop(values: np.ndarray, returns: np.ndarray, nav: np.ndarray,
                with_contributions: bool = True):
    """P&L (P, S), P&L / NAV and (optionally) per-position contributions (P, N, S), one
    book at a time (``returns`` (N, S))."""
    n_p = values.shape[0]
    pnl = np.empty((n_p, returns.shape[1]))
    contrib = np.empty((n_p,) + returns.shape) if with_contributions else None
    for p in range(n_p):
        if with_contributions:
            contrib[p] = values[p][:, None] * returns
        pnl[p] = values[p] @ returns
    return pnl, pnl / nav[:, None], contrib
