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

Bounds: the linear model extrapolates without limit, so :func:`check_shock` refuses a
size no reading of "k DeepSeek days at once" supports (|k| > :data:`MAX_K`), a market
move of -100% or worse (a price cannot fall below zero) or above :data:`MAX_MARKET_MOVE`,
and non-finite values; :func:`below_total_loss` names the assets whose shocked return
falls below -100%, which the caller reports (the linear answer is not attainable).
"""

from __future__ import annotations

import math

import numpy as np

from stress.errors import InputError

#: largest |k| accepted: 100 DeepSeek days at once is far past any plausible shock
MAX_K = 100.0
#: largest market move accepted (+1000%)
MAX_MARKET_MOVE = 10.0


def check_shock(k: float | None, market_move: float, where: str = "--shock",
                move_name: str = "--market-move") -> None:
    """Refuse an AI shock of size ``k`` (None: no k, only the market move is checked) or a
    market move ``market_move`` (a return) that is not finite or out of bounds: |k| <=
    MAX_K, -1 < market_move <= MAX_MARKET_MOVE. ``where``: the option or entry named."""
    if k is not None:
        if not math.isfinite(k):
            raise InputError(f"{where} {k}: not a finite number")
        if abs(k) > MAX_K:
            raise InputError(f"{where} {k:g}: |k| above {MAX_K:g} DeepSeek units is not a shock the "
                             "linear sensitivities can speak to (one DeepSeek day is k = -1)")
    if not math.isfinite(market_move):
        raise InputError(f"{move_name} {market_move}: not a finite number")
    if market_move <= -1.0:
        raise InputError(f"{move_name} {market_move:g} ({market_move:.0%}): a return of -100% or "
                         "worse is impossible (a price cannot fall below zero)")
    if market_move > MAX_MARKET_MOVE:
        raise InputError(f"{move_name} {market_move:g}: above +{MAX_MARKET_MOVE:.0%} is not a one-day "
                         "market move")


def below_total_loss(returns: np.ndarray, tickers: np.ndarray, mask: np.ndarray) -> list[tuple[str, float]]:
    """(ticker, return) of the assets in ``mask`` whose return is below -100%, worst first.
    ``returns``, ``tickers``, ``mask``: (N,)."""
    r = np.asarray(returns, dtype=float)
    bad = np.asarray(mask, dtype=bool) & (r < -1.0)
    order = np.argsort(r[bad])
    return [(str(t), float(x)) for t, x in zip(np.asarray(tickers)[bad][order], r[bad][order])]


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
