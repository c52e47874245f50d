"""VaR/ES backtest of one book: rolling forecasts, exceptions, coverage tests.

Pure numeric core. The book's positions are held FIXED at today's values ``values`` (N,)
over the whole history (a "hypothetical" P&L: what today's book would have made or lost
each day; no trading, no intraday changes). Daily P&L pnl_t = values . r_t.

For every test day t (a day whose returns are complete for every holding), the forecast
uses the window of up to ``window`` sessions t - window .. t - 1, complete rows only (the
rule of ``stress run``'s covariance window), and needs at least ``min_obs`` of them:

* historical: the empirical VaR/ES of the window's P&L (:func:`var_es_historical`);
* normal: mu_p, sigma_p from the window's mean and Ledoit-Wolf covariance
  (:func:`portfolio_moments`, :func:`var_es_normal`);
* montecarlo: the draw rule of :func:`var_es_montecarlo` from the same mean and
  covariance, vectorised over the test days: ONE matrix Z (n_sims, N) of standard
  normals from ``default_rng(seed)`` is shared by all days (common random numbers), day
  d's P&L draws are v . mean_d + Z (L_d' v) with L_d L_d' = S_d, and the empirical
  estimator (:func:`var_es_historical`) runs on all days at once. Day d alone equals
  ``var_es_montecarlo(v, mean_d, S_d, n_sims, confidence, seed)`` (the tests check it).

Vectorised over days: the windows are runs of the complete rows, taken in blocks of
128 days (padded to the block's longest window): the historical measures from one sort
per block, the Ledoit-Wolf covariances and Cholesky factors batched
(:func:`stress.risk.covariance.ledoit_wolf_batch`), the normal measures for all days at
once; the numbers are those of the per-day rules above (to rounding).

Horizon h > 1 (default 1): non-overlapping test periods of h sessions (their first
days t, t + h, ... as far as the data allow), the forecast made with the window before
t; historical on overlapping h-day sums of the window's P&L, normal and Monte Carlo with
h x mean and h x covariance (square-root-of-time), the realised P&L the sum over the
period. Non-overlapping periods keep the exceptions independent under H0.

The Z2 test's null distribution is simulated under H0 (the forecast distribution is
the true one): losses drawn on every test day from the window's empirical P&L
(historical) or from N(mu_p, sigma_p) (normal and Monte Carlo), Z2 recomputed per draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from stress.backtest.coverage import Coverage, coverage_tests, z2_statistic
from stress.risk._checks import psd_factor
from stress.risk.covariance import ledoit_wolf_batch
from stress.risk.measures import _tail_rank, var_es_historical_levels, var_es_normal

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stress.backtest.result import VarBacktest

METHODS = ("historical", "normal", "montecarlo")
CONFIDENCES = (0.95, 0.99)


@dataclass(frozen=True)
class Forecasts:
    """Rolling forecasts: ``rows`` (n,) the test days' row numbers in the returns;
    ``pnl`` (n,) their P&L; ``var[method][confidence]``, ``es[...]`` (n,) positive losses;
    ``n_obs`` (n,) window rows used; ``z2_null[method][confidence]`` (M,) simulated Z2."""

    rows: np.ndarray
    pnl: np.ndarray
    var: dict
    es: dict
    n_obs: np.ndarray
    z2_null: dict


def _factors(cov: np.ndarray) -> np.ndarray:
    """:func:`psd_factor` of each matrix of ``cov`` (D, N, N): one batched Cholesky, and
    the eigen-decomposition only for a window whose Cholesky fails."""
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        return np.stack([psd_factor(c) for c in cov])


def _historical(pw, size, confidences, h, var, es, d) -> np.ndarray:
    """Historical VaR/ES (:func:`var_es_historical`'s estimator) of the windows in the
    rows of ``pw`` (D, longest): window j is pw[j, :size[j]] (zero padded), its h-day
    P&L the overlapping sums (:func:`overlapping_sums`). Writes var[a][d], es[a][d];
    returns the sums (D, longest - h + 1), valid up to size - h + 1 (the Z2 null draws
    from them, for h = 1 too, as ``rng.choice(overlapping_sums(...))``)."""
    c = np.concatenate([np.zeros((pw.shape[0], 1)), np.cumsum(pw, axis=1)], axis=1)
    sums = c[:, h:] - c[:, :-h]
    t = size - h + 1
    valid = np.arange(sums.shape[1]) < t[:, None]
    pnl = pw if h == 1 else sums  # as var_es_historical: h = 1 on the P&L itself
    losses = np.sort(np.where(valid, -pnl, -np.inf), axis=1)  # padding first
    pad = sums.shape[1] - t
    rank = np.arange(sums.shape[1])
    at = np.arange(len(t))
    for a in confidences:
        k = np.array([_tail_rank(int(n), a) for n in t])
        var[a][d] = q = losses[at, pad + k - 1]
        tail = np.where(rank >= (pad + k)[:, None], losses, 0.0).sum(axis=1)
        es[a][d] = (tail / t + q * (k / t - a)) / (1.0 - a)
    return sums


def period_rows(complete: np.ndarray, counts: np.ndarray, min_obs: int, horizon: int) -> np.ndarray:
    """Start rows of the test periods: the h days t .. t+h-1 all complete, at least
    ``min_obs`` (and h) complete days before t; for h > 1 non-overlapping periods, taken
    greedily from the first (so that exceptions are independent under H0)."""
    T = complete.size
    h = int(horizon)
    c = np.concatenate([[0], np.cumsum(complete)])
    t = np.arange(max(T - h + 1, 0))
    ok = (c[t + h] - c[t] == h) & (counts[t] >= max(min_obs, h))
    rows = np.flatnonzero(ok)
    if h == 1 or rows.size == 0:
        return rows
    keep, nxt = [], -1
    for r in rows:
        if r >= nxt:
            keep.append(r)
            nxt = r + h
    return np.asarray(keep, dtype=int)


def rolling_forecasts(
    returns: np.ndarray, values: np.ndarray, *, window: int = 504, min_obs: int = 60,
    methods=METHODS, confidences=CONFIDENCES, n_sims: int = 10_000, seed: int = 0,
    null_sims: int = 2000, horizon: int = 1,
) -> Forecasts:
    """VaR/ES forecasts of the ``horizon``-day P&L for every test period (see the module
    docstring); ``rows`` are the periods' first days.

    ``returns`` (T, N) daily returns of the holdings (NaN: no return that day);
    ``values`` (N,) today's position values. ``null_sims`` 0: no Z2 simulation.
    ``horizon`` h > 1: historical on overlapping h-day sums of the window's P&L,
    normal and Monte Carlo with h x mean and h x covariance (the risk core's rules).
    """
    x = np.asarray(returns, dtype=float)
    v = np.asarray(values, dtype=float)
    h = int(horizon)
    complete = np.all(np.isfinite(x), axis=1)
    pnl_all = np.where(complete, np.nan_to_num(x) @ v, np.nan)
    csum = np.concatenate([[0], np.cumsum(complete)])
    t_all = np.arange(x.shape[0])
    counts = csum[t_all] - csum[np.maximum(t_all - window, 0)]  # complete rows in t-window..t-1
    rows = period_rows(complete, counts, min_obs, h)
    n = rows.size
    var = {m: {a: np.empty(n) for a in confidences} for m in methods}
    es = {m: {a: np.empty(n) for a in confidences} for m in methods}
    mu_p, sd_p = np.empty(n), np.empty(n)
    loads = np.empty((x.shape[1], n))  # L_d' v per test day (Monte Carlo)
    rng = np.random.default_rng([seed, 1])  # the Z2 null's stream, apart from the Monte Carlo one
    # day i's window: the complete rows t - window .. t - 1, a contiguous run of the
    # complete rows' returns xc / P&L pc from row `first[i]`, `counts` long
    xc, pc = x[complete], pnl_all[complete]
    first = csum[np.maximum(rows - window, 0)]
    lengths = counts[rows]
    hist = "historical" in methods
    picks = None
    if hist and null_sims:  # the null's draws in day order (one stream, as rng.choice per day)
        # the same numbers as a loop of rng.integers(0, size_i, null_sims) per day
        picks = rng.integers(0, (lengths - h + 1)[:, None], size=(n, null_sims)).T
    hist_draws = np.empty((null_sims, n)) if picks is not None else None
    moments = "normal" in methods or "montecarlo" in methods
    for lo in range(0, n, 128):  # blocks of days, windows padded to the block's longest
        d = np.arange(lo, min(lo + 128, n))
        size = lengths[d]
        span = np.arange(size.max())
        valid = span < size[:, None]  # (D, longest)
        take = np.where(valid, first[d][:, None] + span, 0)  # rows of xc / pc
        if hist:
            pw = np.where(valid, pc[take], 0.0)
            sums = _historical(pw, size, confidences, h, var["historical"], es["historical"], d)
            if picks is not None:
                hist_draws[:, d] = -np.take_along_axis(sums, picks[:, d].T, axis=1).T
        if moments:
            xw = np.where(valid[:, :, None], xc[take], 0.0)  # (D, longest, N)
            mean = xw.sum(axis=1) / size[:, None]
            cov, _ = ledoit_wolf_batch(xw, size)
            sym = (cov + cov.transpose(0, 2, 1)) / 2.0
            mu_p[d] = h * (mean @ v)
            sd_p[d] = np.sqrt(np.clip(h * np.sum((sym @ v) * v, axis=-1), 0.0, None))
            loads[:, d] = (_factors(cov).transpose(0, 2, 1) @ v).T
    if "normal" in methods and n:
        for a in confidences:
            var["normal"][a], es["normal"][a] = var_es_normal(mu_p, sd_p, a)
    if "montecarlo" in methods and n:
        z = np.random.default_rng(seed).standard_normal((int(n_sims), x.shape[1]))
        zt = np.ascontiguousarray(z.T)
        for lo in range(0, n, 128):  # blocks of days: (n_sims, 128) P&L at a time
            blk = slice(lo, min(lo + 128, n))
            # (loads' Z')': column-major, so each day's draws are contiguous for the partition
            scaled = loads[:, blk].T @ zt if h == 1 else np.sqrt(h) * (loads[:, blk].T @ zt)
            draws = mu_p[blk] + scaled.T
            for a, r in var_es_historical_levels(draws, confidences).items():
                var["montecarlo"][a][blk], es["montecarlo"][a][blk] = r
    z2_null: dict = {m: {} for m in methods}
    if null_sims and n:
        normal_draws = -(mu_p + sd_p * rng.standard_normal((null_sims, n)))
        for m in methods:
            draws = hist_draws if m == "historical" else normal_draws
            for a in confidences:
                z2_null[m][a] = z2_statistic(draws, var[m][a], es[m][a], a)
    c = np.concatenate([[0.0], np.cumsum(np.nan_to_num(pnl_all))])
    pnl = c[rows + h] - c[rows]  # the periods' P&L (their days are complete)
    return Forecasts(rows=rows, pnl=pnl, var=var, es=es, n_obs=counts[rows], z2_null=z2_null)


def backtest_forecasts(f: Forecasts, *, size: float = 0.05,
                       basel_days: int = 250) -> dict[tuple[str, float], Coverage]:
    """Coverage tests per (method, confidence) of rolling forecasts."""
    loss = -f.pnl
    out = {}
    for m, by_conf in f.var.items():
        for a, var in by_conf.items():
            out[(m, a)] = coverage_tests(loss, var, f.es[m][a], a, z2_null=f.z2_null[m].get(a),
                                         size=size, basel_days=basel_days)
    return out


def backtest_book(
    returns: "pd.DataFrame", values, *, nav: float, book: str = "book",
    labels: dict | None = None, window: int = 504, min_obs: int = 60,
    methods=METHODS, confidences=CONFIDENCES, n_sims: int = 10_000, seed: int = 0,
    null_sims: int = 2000, size: float = 0.05, basel_days: int = 250, horizon: int = 1,
) -> "VarBacktest":
    """The VaR/ES backtest of one book as a frozen result.

    ``returns``: daily returns (dates x the book's tickers); ``values`` (N,) today's
    position values in the same column order; ``nav`` for the % columns; ``labels``:
    ISO date -> event id, to name the exceptions whose period holds a catalogue event's
    day 0. ``horizon``: sessions per test period (see the module docstring).
    """
    import pandas as pd

    from stress.backtest.result import VarBacktest
    from stress.errors import DataError

    f = rolling_forecasts(returns.to_numpy(dtype=float), np.asarray(values, dtype=float),
                          window=window, min_obs=min_obs, methods=methods,
                          confidences=confidences, n_sims=n_sims, seed=seed, null_sims=null_sims,
                          horizon=horizon)
    if f.rows.size == 0:
        raise DataError(f"{book}: no test day with {min_obs} complete days of returns before it "
                        f"(holdings {' '.join(returns.columns)})")
    dates = returns.index[f.rows].strftime("%Y-%m-%d")
    ends = returns.index[f.rows + horizon - 1].strftime("%Y-%m-%d")
    labels = labels or {}
    named = sorted(labels.items())
    first, last = dates.tolist(), ends.tolist()  # plain strings: one lookup per exception

    def label(i: int) -> str:
        return " ".join(e for d, e in named if first[i] <= d <= last[i])
    tests = backtest_forecasts(f, size=size, basel_days=basel_days)
    coverage = pd.DataFrame([{"method": m, **c.to_dict()} for (m, _), c in tests.items()])
    cols = {"end": ends, "pnl": f.pnl, "loss": -f.pnl, "n_obs": f.n_obs}
    rows = []
    for m in methods:
        for a in confidences:
            key = f"{m}_{a:g}"
            hit = -f.pnl > f.var[m][a]
            cols.update({f"var_{key}": f.var[m][a], f"es_{key}": f.es[m][a], f"hit_{key}": hit})
            for i in np.flatnonzero(hit):
                rows.append({"date": first[i], "end": last[i], "method": m, "confidence": a,
                             "loss": -f.pnl[i], "var": f.var[m][a][i], "es": f.es[m][a][i],
                             "loss_pct": -f.pnl[i] / nav, "var_pct": f.var[m][a][i] / nav,
                             "event": label(i)})
    forecasts = pd.DataFrame(cols, index=pd.Index(dates, name="date"))
    exc_cols = ["date", "end", "method", "confidence", "loss", "var", "es", "loss_pct", "var_pct", "event"]
    exceptions = pd.DataFrame(rows, columns=exc_cols)
    if len(exceptions):
        exceptions = exceptions.sort_values(["date", "method", "confidence"], kind="stable")
        exceptions = exceptions.reset_index(drop=True)
    settings = {
        "book": book, "nav": nav, "window": window, "min_obs": min_obs,
        "methods": list(methods), "confidences": list(confidences), "n_sims": n_sims,
        "seed": seed, "null_sims": null_sims, "size": size, "basel_days": basel_days,
        "horizon": horizon,
        "first_test": dates[0], "last_test": dates[-1], "n_test": int(f.rows.size),
        "tickers": list(returns.columns),
        "positions": "held fixed at today's values over the whole history",
    }
    return VarBacktest(book=book, nav=float(nav), coverage=coverage, forecasts=forecasts,
                       exceptions=exceptions, settings=settings)
