"""VaR and ES of every book in a volatility regime: historical, normal, Monte Carlo.

A regime is a window of daily returns X (T, N): the ``normal`` one is the covariance
window before the valuation date, a ``stressed`` one the sessions day0 .. day0 + 59 of
an event (for DeepSeek, its 60 sessions from 2025-01-27). For books V (P, N) over a
horizon of h sessions (risk core, :mod:`stress.risk.measures`):

* historical: daily P&L pnl_t = V x_t on the window's days, h-day P&L as overlapping
  sums of h days, VaR the empirical alpha-quantile of the loss, ES with the fractional
  tail atom (Acerbi-Tasche);
* normal: mu = h V'xbar, sigma = sqrt(h V' S V), S the Ledoit-Wolf covariance of X,
  VaR = -mu + sigma z_alpha, ES = -mu + sigma phi(z_alpha) / (1 - alpha);
* Monte Carlo: n_sims draws of h-day returns from N(h xbar, h S), the empirical estimator
  on the simulated P&L (one set of draws per regime, shared by every confidence level).

The three are computed separately; no piece of one enters another. A book holding an
asset without complete prices in the window gets NaN with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from stress.risk import (
    historical_pnl, ledoit_wolf, montecarlo_pnl, portfolio_moments, var_es_historical, var_es_normal,
)

METHODS = ("historical", "normal", "montecarlo")
CONFIDENCES = (0.95, 0.99)


@dataclass(frozen=True)
class RegimeVar:
    """VaR/ES of P books in one regime: ``var[method][confidence]`` and ``es[...]`` are (P,)
    arrays of POSITIVE losses in currency (NaN where ``reasons[p]`` says why)."""

    regime: str
    start: str
    end: str
    n_obs: int
    horizon: int
    var: dict
    es: dict
    reasons: tuple[str, ...]
    excluded: tuple[str, ...] = ()


def regime_var(
    values: np.ndarray, returns: np.ndarray, *, regime: str = "normal", start: str = "",
    end: str = "", tickers: Sequence[str] | None = None, confidences: Sequence[float] = CONFIDENCES,
    horizon: int = 1, n_sims: int = 50_000, seed: int = 0,
    mean: np.ndarray | None = None, cov: np.ndarray | None = None,
) -> RegimeVar:
    """VaR and ES of every book under the returns of one window.

    Parameters
    ----------
    values : (P, N) position values, currency.
    returns : (T, N) daily returns of the window; a column with any NaN (an asset not
        trading through the window) is left out, and the books holding it get NaN.
    mean, cov : (N,), (N, N) the daily mean and covariance for the normal and Monte Carlo
        pieces (default: the window's sample mean and Ledoit-Wolf covariance).
    """
    v = np.asarray(values, dtype=float)
    x = np.asarray(returns, dtype=float)
    names = list(tickers) if tickers is not None else [str(i) for i in range(v.shape[1])]
    held = (v != 0).any(axis=0)  # assets no book holds do not change any P&L: left out
    v, x, names = v[:, held], x[:, held], [t for t, h in zip(names, held) if h]
    if mean is not None and cov is not None:
        mean, cov = np.asarray(mean)[held], np.asarray(cov)[np.ix_(held, held)]
    p, n = v.shape
    complete = np.all(np.isfinite(x), axis=0) if x.shape[0] else np.zeros(n, dtype=bool)
    held_bad = (v[:, ~complete] != 0).any(axis=1)
    out_names = tuple(np.asarray(names)[~complete].tolist())
    reasons = []
    for i in range(p):
        if held_bad[i]:
            bad = [names[j] for j in np.flatnonzero(~complete) if v[i, j] != 0]
            reasons.append(f"no complete prices in the {regime} window for {' '.join(bad)}")
        else:
            reasons.append("")
    nan = np.full(p, np.nan)
    var = {m: {a: nan.copy() for a in confidences} for m in METHODS}
    es = {m: {a: nan.copy() for a in confidences} for m in METHODS}
    ok = ~held_bad
    xc = x[:, complete]
    if ok.any() and xc.shape[0] >= 2 and xc.shape[1] == 0:  # cash-only books
        for d in (var, es):
            for m in METHODS:
                for a in confidences:
                    d[m][a][ok] = 0.0
    elif ok.any() and xc.shape[0] >= 2:
        vc = v[np.ix_(ok, complete)]
        if mean is None or cov is None:
            m_hat = xc.mean(axis=0)
            c_hat, _ = ledoit_wolf(xc)
        else:
            m_hat = np.asarray(mean, dtype=float)[complete]
            c_hat = np.asarray(cov, dtype=float)[np.ix_(complete, complete)]
        pnl = historical_pnl(xc, vc)  # (T, P_ok)
        mu, sigma = portfolio_moments(vc, m_hat, c_hat, horizon)
        sims = montecarlo_pnl(vc, m_hat, c_hat, n_sims, seed, horizon)  # drawn once for every confidence level
        for a in confidences:
            h = var_es_historical(pnl, a, horizon) if horizon <= xc.shape[0] else (nan[ok], nan[ok])
            var["historical"][a][ok], es["historical"][a][ok] = h
            var["normal"][a][ok], es["normal"][a][ok] = var_es_normal(mu, sigma, a)
            var["montecarlo"][a][ok], es["montecarlo"][a][ok] = var_es_historical(sims, a)
    elif ok.any():
        reasons = [r or f"too few days in the {regime} window" for r in reasons]
    return RegimeVar(regime, start, end, int(x.shape[0]), int(horizon), var, es, tuple(reasons),
                     out_names)
