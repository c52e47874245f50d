"""Factor-based sensitivity: daily r_i = a + b_m MKT + b_ai AI + e, Newey-West SEs.

Pure numeric core on aligned arrays: ``returns`` (T, N) asset returns, ``market`` (T,)
and ``factor`` (T,) regressor returns, fractions, rows the market's trading days. NaN
marks a missing return; an asset uses the rows where its return and both regressors are
finite. Vectorised across assets: the OLS fits are the event-study engine's batched
masked least squares (:func:`stress.eventstudy.models.fit_normal`), one window for all
assets.

The AI factor is the factor return orthogonalised to the market over the estimation
window: AI_t = F_t - (c0 + c1 MKT_t), (c0, c1) the OLS fit of F on [1, MKT]. Because
[1, MKT, AI] spans the same space as [1, MKT, F], b_ai equals the slope on the raw F; the
orthogonalisation only makes b_m the plain market beta (b_m = b_m,raw + c1 b_ai).

Formulas and defaults: docs/methods.md, "Sensitivity", factor-based.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stress.distributions import norm_ppf
from stress.eventstudy.models import Fit, fit_normal


def hac_maxlags(n_obs: np.ndarray | int) -> np.ndarray:
    """Newey-West lag truncation L = floor(4 (T/100)^(2/9)) (Newey-West 1994), per asset."""
    n = np.asarray(n_obs, dtype=float)
    return np.floor(4.0 * (np.clip(n, 0, None) / 100.0) ** (2.0 / 9.0)).astype(int)


def orthogonalise(factor: np.ndarray, market: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Residual of the OLS of ``factor`` on [1, market] over rows where both are finite.

    Returns (ai (T,), c0, c1): ai is NaN where either input is NaN.
    """
    f = np.asarray(factor, dtype=float)
    m = np.asarray(market, dtype=float)
    ok = np.isfinite(f) & np.isfinite(m)
    if ok.sum() < 3:
        return np.full_like(f, np.nan), np.nan, np.nan
    X = np.column_stack([np.ones(ok.sum()), m[ok]])
    (c0, c1), *_ = np.linalg.lstsq(X, f[ok], rcond=None)
    ai = np.where(ok, f - c0 - c1 * m, np.nan)
    return ai, float(c0), float(c1)


@dataclass(frozen=True)
class FactorFit:
    """Per-asset results of :func:`factor_fit`; arrays of shape (N,) unless noted.

    ``params`` (N, 3) and ``cov`` (N, 3, 3) in the order alpha, beta_mkt, beta_ai; ``cov``
    is the Newey-West (HAC, Bartlett kernel) covariance; ``bse`` its square-root diagonal;
    ``ci`` (N, 3, 2) the normal 95% intervals params -/+ z_{0.975} bse; ``sigma`` the
    residual sd sqrt(SSR / (n - 3)); ``n_obs`` observations used; ``maxlags`` L per asset.
    Assets with fewer than ``min_obs`` observations are NaN.
    """

    params: np.ndarray
    cov: np.ndarray
    n_obs: np.ndarray
    maxlags: np.ndarray
    sigma: np.ndarray
    level: float = 0.95

    @property
    def bse(self) -> np.ndarray:
        return np.sqrt(np.diagonal(self.cov, axis1=1, axis2=2))

    @property
    def ci(self) -> np.ndarray:
        z = norm_ppf(0.5 + self.level / 2)
        se = self.bse
        return np.stack([self.params - z * se, self.params + z * se], axis=-1)


def _masked_design(returns: np.ndarray, market: np.ndarray, factor: np.ndarray):
    Y = np.asarray(returns, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    m = np.asarray(market, dtype=float)
    f = np.asarray(factor, dtype=float)
    X = np.column_stack([np.ones_like(m), m, f])  # (T, 3)
    rows_ok = np.isfinite(m) & np.isfinite(f)
    M = np.isfinite(Y) & rows_ok[:, None]  # (T, N)
    X0 = np.where(rows_ok[:, None], X, 0.0)
    Y0 = np.where(M, Y, 0.0)
    return X0, Y0, M.astype(float)


def _ols(returns: np.ndarray, regressors: list, model: str, min_obs: int) -> tuple[Fit, np.ndarray]:
    """The event-study engine's OLS of each asset's ``returns`` (T, N) on [1, regressors]
    over all T rows (a batch of one window), and the (N,) mask of assets with at least
    max(``min_obs``, k + 1) observations."""
    Y = np.asarray(returns, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    x = np.column_stack([np.asarray(r, dtype=float) for r in regressors])
    fit = fit_normal(Y[None], x[None], model)
    return fit, fit.n_est[0] >= max(min_obs, fit.k + 1)


def factor_fit(
    returns: np.ndarray,
    market: np.ndarray,
    factor: np.ndarray,
    *,
    maxlags: int | None = None,
    min_obs: int = 60,
    level: float = 0.95,
) -> FactorFit:
    """OLS of each asset's returns on [1, market, factor] with Newey-West covariance.

    ``returns`` (T, N); ``market``, ``factor`` (T,). HAC: S = sum_t g_t g_t' +
    sum_{l=1..L} (1 - l/(L+1)) sum_t (g_t g_{t-l}' + g_{t-l} g_t'), g_t = x_t e_t,
    cov = (X'X)^-1 S (X'X)^-1, no small-sample correction -- statsmodels'
    ``OLS(...).fit(cov_type="HAC", cov_kwds={"maxlags": L})``. A missing day contributes
    g_t = 0 (lags count sessions; with leading gaps, e.g. before a listing, this is
    exactly the fit on the available rows). ``maxlags`` None: L = floor(4 (n/100)^(2/9)).
    """
    fit, good = _ols(returns, [market, factor], "factor", min_obs)
    params, inv, n = fit.params[0], fit.ainv[0], fit.n_est[0]  # (N, 3), (N, 3, 3), (N,)
    # singular designs (e.g. a constant regressor) are NaN, not an exception
    good &= np.linalg.cond(np.where(good[:, None, None], inv, np.eye(3))) < 1e12
    X0, _, _ = _masked_design(returns, market, factor)
    resid = np.nan_to_num(fit.resid[0])  # (T, N), 0 on a missing day
    lags = hac_maxlags(n) if maxlags is None else np.full(n.shape, int(maxlags))
    G = X0[:, None, :] * resid[:, :, None]  # (T, N, k) scores
    S = np.einsum("tnj,tnk->njk", G, G)
    for lag in range(1, int(lags.max(initial=0)) + 1):
        w = np.where(lag <= lags, 1.0 - lag / (lags + 1.0), 0.0)  # (N,)
        gamma = np.einsum("tnj,tnk->njk", G[lag:], G[:-lag])
        S += w[:, None, None] * (gamma + np.swapaxes(gamma, 1, 2))
    cov = inv @ S @ inv
    params = np.where(good[:, None], params, np.nan)
    cov = np.where(good[:, None, None], cov, np.nan)
    sigma = np.where(good, fit.sigma[0], np.nan)
    return FactorFit(params=params, cov=cov, n_obs=n.astype(int), maxlags=lags,
                     sigma=sigma, level=level)


def market_model_sigma(returns: np.ndarray, market: np.ndarray, *, min_obs: int = 60) -> np.ndarray:
    """Daily residual sd of the market model r = a + b MKT + e per asset,
    sqrt(SSR / (n - 2)); shape (N,), NaN below ``min_obs`` observations."""
    fit, good = _ols(returns, [market], "market", min_obs)
    return np.where(good, fit.sigma[0], np.nan)


@dataclass(frozen=True)
class RollingLoadings:
    """Rolling-window loadings, arrays (T, N): row t uses sessions t-window+1..t.

    ``beta_ai`` the slope on the AI factor (orthogonalised within each window: equal to
    the slope on the raw factor); ``beta_mkt`` the market slope with the orthogonalised
    factor (b_m,raw + c1_w b_ai, c1_w the window's slope of the factor on the market);
    ``n_obs`` observations used. NaN where fewer than ``min_obs``.
    """

    beta_ai: np.ndarray
    beta_mkt: np.ndarray
    n_obs: np.ndarray


def _window_sums(a: np.ndarray, window: int) -> np.ndarray:
    """Trailing sums over ``window`` rows along axis 0 (first window-1 rows: NaN)."""
    c = np.cumsum(np.concatenate([np.zeros((1,) + a.shape[1:]), a]), axis=0)
    out = np.full(a.shape, np.nan)
    out[window - 1:] = c[window:] - c[:-window]
    return out


def rolling_loadings(
    returns: np.ndarray,
    market: np.ndarray,
    factor: np.ndarray,
    *,
    window: int = 252,
    min_obs: int | None = None,
) -> RollingLoadings:
    """Rolling OLS of each asset on [1, market, factor] over ``window`` sessions,
    vectorised by trailing sums of cross-products (no per-window loop).

    ``min_obs`` default: 90% of the window. Returns arrays (T, N).
    """
    if min_obs is None:
        min_obs = int(np.ceil(0.9 * window))
    X0, Y0, M = _masked_design(returns, market, factor)
    T, N = Y0.shape
    if T < window:
        nan = np.full((T, N), np.nan)
        return RollingLoadings(nan, nan.copy(), np.zeros((T, N), dtype=int))
    # cross-products per asset and day: X'X entries (6) and X'y entries (3)
    x1, x2 = X0[:, 1:2], X0[:, 2:3]
    parts = {
        "n": M, "m": M * x1, "f": M * x2, "mm": M * x1**2, "mf": M * x1 * x2,
        "ff": M * x2**2, "y": Y0, "my": Y0 * x1, "fy": Y0 * x2,
    }
    s = {key: _window_sums(v, window) for key, v in parts.items()}
    XtX = np.stack(
        [
            np.stack([s["n"], s["m"], s["f"]], -1),
            np.stack([s["m"], s["mm"], s["mf"]], -1),
            np.stack([s["f"], s["mf"], s["ff"]], -1),
        ],
        -2,
    )  # (T, N, 3, 3)
    Xty = np.stack([s["y"], s["my"], s["fy"]], -1)  # (T, N, 3)
    n_obs = np.nan_to_num(s["n"]).round().astype(int)
    ok = n_obs >= max(min_obs, 4)
    XtX = np.where(ok[..., None, None], XtX, np.eye(3))
    ok &= np.linalg.cond(XtX) < 1e12
    XtX = np.where(ok[..., None, None], XtX, np.eye(3))
    beta = np.linalg.solve(XtX, np.where(ok[..., None], Xty, 0.0)[..., None])[..., 0]
    # the window's slope of the factor on the market (market days of the window)
    rows = np.isfinite(np.asarray(market, float)) & np.isfinite(np.asarray(factor, float))
    r = rows.astype(float)
    m0, f0 = X0[:, 1] * r, X0[:, 2] * r
    ws = [_window_sums(v, window) for v in (r, m0, f0, m0 * m0, m0 * f0)]
    with np.errstate(invalid="ignore", divide="ignore"):
        c1 = (ws[4] - ws[1] * ws[2] / ws[0]) / (ws[3] - ws[1] ** 2 / ws[0])
    beta_ai = np.where(ok, beta[..., 2], np.nan)
    beta_mkt = np.where(ok, beta[..., 1] + c1[:, None] * beta[..., 2], np.nan)
    return RollingLoadings(beta_ai=beta_ai, beta_mkt=beta_mkt, n_obs=n_obs)
