"""Hypothetical AI-demand shocks of size k (DeepSeek units), through sensitivities.

With b_i the abnormal return per DeepSeek unit (sensitivity table), beta_i the market
beta and m an optional market move (a return of the market index):

    r_i(k, m) = b_i k + beta_i m                                  (linear in k and m)

P&L uncertainty of a book with values V (one day, the horizon of a DeepSeek unit):

    Var_est   = k^2 (V o se)' C (V o se)     estimation error of the b_i, correlated as
                the assets' market-model residuals are (C = their correlation matrix):
                every b_i is estimated on the same events, so the errors of two assets
                co-move like their residuals on those days (C = I would be the
                independence assumption, k^2 sum (V_i se_i)^2)
    Var_resid = V' S_e V                     the residual (idiosyncratic) day on top of
                the expected move; S_e the sample covariance of daily residuals
                e_t = r_t - a - beta r_m,t in the covariance window
    band      = P&L +/- z_{(1+level)/2} sqrt(Var_est + Var_resid)

The uncertainty of beta_i and of m are not included.
"""

from __future__ import annotations

import numpy as np


def shock_returns(b: np.ndarray, beta: np.ndarray, k: np.ndarray, market_move: np.ndarray) -> np.ndarray:
    """Returns (N, S) of N assets under S shocks: b k_s + beta m_s.

    ``b``, ``beta``: (N,); ``k``, ``market_move``: (S,).
    """
    b = np.asarray(b, dtype=float)[:, None]
    beta = np.asarray(beta, dtype=float)[:, None]
    return b * np.asarray(k, dtype=float)[None, :] + beta * np.asarray(market_move, dtype=float)[None, :]


def residual_cov(returns: np.ndarray, market: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Market-model residual covariance, (N, N), and the OLS betas, (N,).

    ``returns`` (T, N) and ``market`` (T,) complete daily returns. Per asset, OLS of r_i on
    a constant and r_m; residuals e = r - a - beta r_m; S_e their sample covariance
    (ddof = 2, the two fitted parameters). An asset identical to the market has zero
    residual variance.
    """
    x = np.asarray(returns, dtype=float)
    m = np.asarray(market, dtype=float)
    t = x.shape[0]
    if t < 3:
        raise ValueError("residual_cov: need at least 3 complete days")
    mc = m - m.mean()
    xc = x - x.mean(axis=0)
    var_m = float(mc @ mc)
    beta = (mc @ xc) / var_m if var_m > 0 else np.zeros(x.shape[1])
    e = xc - np.outer(mc, beta)
    return (e.T @ e) / (t - 2), beta


def estimation_cov(se: np.ndarray, resid_cov: np.ndarray) -> np.ndarray:
    """Covariance of the errors of the b_i per unit k^2, (N, N): D_se C D_se with C the
    correlation matrix of ``resid_cov`` (assets with zero residual variance are
    uncorrelated with the rest). NaN ``se`` counts as 0 (no estimate: handled apart)."""
    s = np.nan_to_num(np.asarray(se, dtype=float), nan=0.0)
    sd = np.sqrt(np.clip(np.diag(resid_cov), 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = resid_cov / np.outer(sd, sd)
    corr[~np.isfinite(corr)] = 0.0
    np.fill_diagonal(corr, 1.0)
    return corr * np.outer(s, s)


def shock_uncertainty(k: np.ndarray, est_cov: np.ndarray, resid_cov: np.ndarray) -> np.ndarray:
    """Covariance of the asset returns around their expected shock moves, (S, N, N):
    k_s^2 est_cov + resid_cov for each shock s."""
    k = np.asarray(k, dtype=float)
    return (k * k)[:, None, None] * est_cov[None] + resid_cov[None]
