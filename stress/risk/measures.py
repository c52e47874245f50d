"""Value at Risk and Expected Shortfall: historical, parametric normal and Monte Carlo.

Conventions: P&L in currency, negative = loss; the loss is L = -P&L; VaR and ES are
reported as POSITIVE losses (a negative VaR means even the alpha-quantile is a gain).
``values`` are position values, shape (P, N) for P portfolios over N assets or (N,).
Empirical and parametric pieces are never mixed: the historical measures use only the
empirical P&L, the normal ones only (mu, sigma), and Monte Carlo applies the empirical
estimator to simulated P&L.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from stress.distributions import norm_pdf, norm_ppf
from stress.risk._checks import RiskInputError, as_cov, as_finite, check_confidence, check_horizon, psd_factor


class VarEs(NamedTuple):
    """VaR and ES as positive losses: floats for one portfolio, arrays (P,) for several."""

    var: float | np.ndarray
    es: float | np.ndarray


def _values(values, n: int | None = None) -> np.ndarray:
    v = as_finite(values, "values", (1, 2))
    if n is not None and v.shape[-1] != n:
        raise RiskInputError(f"values: last dimension must be the {n} assets, got shape {v.shape}")
    return v


def overlapping_sums(pnl, horizon: int) -> np.ndarray:
    """Overlapping h-day P&L sums, shape (T - h + 1,) or (T - h + 1, P).

    Row j is pnl[j] + ... + pnl[j + h - 1]: the h-day P&L of CONSTANT position values
    (the daily P&L of fixed exposures adds up). Consecutive sums share h - 1 days, so the
    effective sample is about T / h independent windows.
    """
    x = as_finite(pnl, "pnl", (1, 2))
    if isinstance(horizon, bool) or int(horizon) != horizon or horizon < 1:
        raise RiskInputError(f"horizon: historical P&L needs a whole number of days >= 1, got {horizon!r}")
    h = int(horizon)
    if h > x.shape[0]:
        raise RiskInputError(f"horizon: {h} days is longer than the {x.shape[0]} days of P&L")
    c = np.cumsum(x, axis=0)
    zero = np.zeros((1,) + x.shape[1:])
    c = np.concatenate([zero, c], axis=0)
    return c[h:] - c[:-h]


def var_es_historical(pnl, confidence: float = 0.99, horizon: int = 1) -> VarEs:
    """Empirical VaR and ES with the fractional tail atom (Acerbi-Tasche 2002).

    With losses L = -pnl sorted L_(1) <= ... <= L_(T) and k = ceil(T * alpha):

        VaR = L_(k)   (the smallest l with F_T(l) >= alpha)
        ES  = 1/(1 - alpha) * [ (1/T) sum_{i > k} L_(i) + VaR * (k/T - alpha) ]

    which equals 1/(1-alpha) * (E[L 1{L > VaR}] + VaR (P(L <= VaR) - alpha)) on the
    empirical distribution, ties included. ES >= VaR always.

    Parameters
    ----------
    pnl : array (T,) or (T, P), daily P&L in currency (complete, no NaN).
    confidence : confidence level in (0, 1), e.g. 0.99.
    horizon : whole days h; h > 1 applies the estimator to overlapping h-day sums
        (see :func:`overlapping_sums`). Never a square-root-of-time rescaling.

    Returns
    -------
    VarEs of floats (1-d pnl) or arrays (P,) (2-d pnl).
    """
    a = check_confidence(confidence)
    x, t = _pnl_sample(pnl, horizon)
    k = _tail_rank(t, a)
    # a partial sort suffices: L_(k) in place k-1, the larger losses after it (any order)
    losses = np.partition(-x, k - 1, axis=0)
    return _tail_var_es(losses, k, a, x.ndim)


def _pnl_sample(pnl, horizon: int) -> tuple[np.ndarray, int]:
    """The finite P&L sample (1-d or 2-d), as overlapping h-day sums if ``horizon`` > 1,
    and its number of observations T >= 1."""
    x = as_finite(pnl, "pnl", (1, 2))
    if horizon != 1:
        x = overlapping_sums(x, horizon)
    if x.shape[0] < 1:
        raise RiskInputError("pnl: no observations")
    return x, x.shape[0]


def _tail_rank(t: int, a: float) -> int:
    """k = ceil(T * alpha), kept in 1..T (the rank of the empirical VaR)."""
    return min(max(math.ceil(round(t * a, 9)), 1), t)


def _tail_var_es(losses: np.ndarray, k: int, a: float, ndim: int) -> VarEs:
    """VaR and ES of losses partitioned at k - 1 (see :func:`var_es_historical`)."""
    t = losses.shape[0]
    var = np.array(losses[k - 1])  # a copy: the caller may partition `losses` further
    es = (losses[k:].sum(axis=0) / t + var * (k / t - a)) / (1.0 - a)
    if ndim == 1:
        return VarEs(float(var), float(es))
    return VarEs(var, es)


def var_es_historical_levels(pnl, confidences, horizon: int = 1) -> dict[float, VarEs]:
    """:func:`var_es_historical` at several confidence levels from one partial sort:
    the losses are partitioned at the lowest level's rank k, each higher level's rank
    only within the tail above the previous one (the same order statistics, so the same
    VaR; the ES sums the same tail). Returns {confidence: VarEs}."""
    levels = sorted({check_confidence(c) for c in confidences})
    x, t = _pnl_sample(pnl, horizon)
    losses = -x  # a fresh array (keeps x's memory order), partitioned in place below
    out, lo = {}, 0
    for a in levels:
        k = _tail_rank(t, a)
        losses[lo:].partition(k - 1 - lo, axis=0)
        out[a] = _tail_var_es(losses, k, a, x.ndim)
        lo = k - 1
    return out


def var_es_normal(mu, sigma, confidence: float = 0.99) -> VarEs:
    """Closed-form VaR and ES of normal P&L ~ N(mu, sigma^2), as positive losses.

        VaR = -mu + sigma z_alpha,   ES = -mu + sigma phi(z_alpha) / (1 - alpha)

    with z_alpha = Phi^-1(alpha). ``mu`` and ``sigma`` (>= 0) broadcast, e.g. shape (P,).
    """
    a = check_confidence(confidence)
    m = as_finite(mu, "mu", (0, 1))
    s = as_finite(sigma, "sigma", (0, 1))
    if np.any(s < 0):
        raise RiskInputError("sigma: must be >= 0")
    z = norm_ppf(a)
    var = -m + s * z
    es = -m + s * norm_pdf(z) / (1.0 - a)
    if var.ndim == 0:
        return VarEs(float(var), float(es))
    return VarEs(var, es)


def _book_inputs(values, mean, cov) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked (values (P, N) or (N,), mean (N,), cov (N, N)) of a book-level measure."""
    c = as_cov(cov)
    n = c.shape[0]
    v = _values(values, n)
    m = as_finite(mean, "mean", (1,))
    if m.shape != (n,):
        raise RiskInputError(f"mean: expected shape ({n},), got {m.shape}")
    return v, m, c


def portfolio_moments(values, mean, cov, horizon: float = 1) -> tuple:
    """Mean and standard deviation of portfolio P&L over ``horizon`` days.

        mu_p = h * v_p' mean,   sigma_p = sqrt(h * v_p' cov v_p)

    (square-root-of-time: daily returns i.i.d.). ``values`` (P, N) or (N,); ``mean`` (N,)
    and ``cov`` (N, N) of DAILY returns. Returns (mu, sigma), arrays (P,) or floats.
    """
    h = check_horizon(horizon)
    v, m, c = _book_inputs(values, mean, cov)
    mu = h * (v @ m)
    var = h * np.sum((v @ c) * v, axis=-1)
    sigma = np.sqrt(np.clip(var, 0.0, None))
    if v.ndim == 1:
        return float(mu), float(sigma)
    return mu, sigma


def historical_pnl(returns, values) -> np.ndarray:
    """Daily P&L of fixed position values over historical returns: returns @ values.T.

    ``returns`` (T, N) complete rows; ``values`` (P, N) or (N,). Returns (T, P) or (T,).
    """
    r = as_finite(returns, "returns", (2,))
    v = _values(values, r.shape[1])
    # (v @ r.T).T: the (T, P) result is column-major, so each portfolio's P&L is
    # contiguous for the VaR/ES partition along axis 0
    return r @ v if v.ndim == 1 else (v @ r.T).T


def var_es_montecarlo(values, mean, cov, n_sims: int = 10000, confidence: float = 0.99,
                      seed: int = 0, horizon: float = 1) -> VarEs:
    """Monte Carlo VaR and ES: draw h-day returns from N(h * mean, h * cov), value them,
    and apply :func:`var_es_historical` to the simulated P&L (:func:`montecarlo_pnl`).

    Parameters
    ----------
    values : (P, N) or (N,) position values in currency.
    mean : (N,) daily mean returns; cov : (N, N) daily covariance.
    n_sims : number of draws; seed : the generator seed (numpy default_rng).
    horizon : days h (square-root-of-time, i.i.d. daily returns).
    """
    a = check_confidence(confidence)
    return var_es_historical(montecarlo_pnl(values, mean, cov, n_sims, seed, horizon), a)


def montecarlo_pnl(values, mean, cov, n_sims: int = 10000, seed: int = 0, horizon: float = 1) -> np.ndarray:
    """Simulated h-day P&L, (n_sims, P) (or (n_sims,) for (N,) values): draws
    R (n_sims, N) = h*mean + sqrt(h) * Z L' with Z standard normal (numpy default_rng
    ``seed``) and L L' = cov (Cholesky; eigenvalue factor with noise-level negative
    eigenvalues clipped to 0 when cov is only semi-definite), valued in ONE product
    R @ values.T. Draw once, then take VaR/ES at every confidence level from it."""
    h = check_horizon(horizon)
    v, m, c = _book_inputs(values, mean, cov)
    n = c.shape[0]
    if isinstance(n_sims, bool) or int(n_sims) != n_sims or n_sims < 2:
        raise RiskInputError(f"n_sims: need a whole number >= 2, got {n_sims!r}")
    factor = psd_factor(c)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((int(n_sims), n))
    draws = h * m + math.sqrt(h) * (z @ factor.T)
    return historical_pnl(draws, v)
