"""Out-of-sample event-based sensitivities: leave one event out, predict its AR.

Pure numeric core. Shapes: ``E`` events, ``N`` assets, ``K`` event shocks.

* one shock: for event e and asset i, b_i^(-e) is the WLS slope through the origin
  (:func:`stress.sensitivity.event_based.wls_through_origin`) on the OTHER events; the
  prediction is b^(-e) s_e with the prediction band
  b s_e -/+ t_{n-1} sqrt(s_e^2 se^2 + sigma^2 v_e) (sigma^2 the fit's residual scale,
  v_e the event's forecast-error variance: the WLS model y_e = b s_e + eps_e,
  Var eps_e = sigma^2 v_e);
* K shocks estimated jointly (:func:`wls_origin`): band
  t_{n-K} sqrt(x' Cov(b) x + sigma^2 v_e).

:func:`oos_r2` = 1 - sum (y - yhat)^2 / sum y^2 over the events (the out-of-sample R^2
column of the sensitivity table). Formulas: docs/methods.md, "Backtests".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from stress.distributions import t_ppf

from stress.sensitivity.event_based import wls_through_origin


@dataclass(frozen=True)
class Predictions:
    """Out-of-sample predictions, arrays (E, N): ``pred``, ``lo``, ``hi`` (NaN: none)."""

    pred: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


@dataclass(frozen=True)
class OriginFit:
    """Multi-shock WLS through the origin, per asset: ``b`` (N, K), ``cov`` (N, K, K),
    ``scale`` (N,) sigma^2, ``n`` (N,) events used; NaN below ``min_events``."""

    b: np.ndarray
    cov: np.ndarray
    scale: np.ndarray
    n: np.ndarray


def wls_origin(y, X, var, *, min_events: int = 3) -> OriginFit:
    """WLS of ``y`` (E, N) on ``X`` (E, N, K) without a constant, weights 1/``var``.

    b = (X'WX)^-1 X'Wy; sigma^2 = sum w e^2 / (n - K); Cov(b) = sigma^2 (X'WX)^-1 (the
    K = 1 case is :func:`wls_through_origin`). Events with any NaN are left out per asset.
    """
    y = np.asarray(y, float)
    X = np.asarray(X, float)
    v = np.asarray(var, float)
    k = X.shape[-1]
    ok = np.isfinite(y) & np.isfinite(X).all(-1) & np.isfinite(v) & (v > 0)
    w = np.where(ok, 1.0 / np.where(ok, v, 1.0), 0.0)
    X0 = np.where(ok[..., None], X, 0.0)
    y0 = np.where(ok, y, 0.0)
    A = np.einsum("en,enj,enk->njk", w, X0, X0)
    c = np.einsum("en,enj,en->nj", w, X0, y0)
    n = ok.sum(0)
    good = (n >= max(min_events, k + 1)) & (np.linalg.cond(np.where(
        (n > 0)[:, None, None], A, np.eye(k))) < 1e12)
    A = np.where(good[:, None, None], A, np.eye(k))
    inv = np.linalg.inv(A)
    b = np.einsum("njk,nk->nj", inv, c)
    e = np.where(ok, y0 - np.einsum("enk,nk->en", X0, b), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = (w * e * e).sum(0) / (n - k)
    cov = scale[:, None, None] * inv
    nan = np.nan
    return OriginFit(np.where(good[:, None], b, nan), np.where(good[:, None, None], cov, nan),
                     np.where(good, scale, nan), n)


def leave_one_out(y, shocks, var, *, min_events: int = 3, band: float = 0.90) -> Predictions:
    """Leave-one-event-out predictions of ``y`` (E, N) from ``shocks`` (E, N) or
    (E, N, K), with the prediction band at level ``band`` (see the module docstring).

    One shock goes through :func:`wls_through_origin`, several through :func:`wls_origin`.
    """
    y = np.asarray(y, float)
    s = np.asarray(shocks, float)
    multi = s.ndim == 3
    v = np.asarray(var, float)
    E, N = y.shape
    pred, lo, hi = (np.full((E, N), np.nan) for _ in range(3))
    for e in range(E):
        keep = np.arange(E) != e
        if multi:
            fit = wls_origin(y[keep], s[keep], v[keep], min_events=min_events)
            x = s[e]  # (N, K)
            p = np.einsum("nk,nk->n", fit.b, x)
            pv = np.einsum("nj,njk,nk->n", x, fit.cov, x) + fit.scale * v[e]
            df = fit.n - s.shape[-1]
        else:
            fit1 = wls_through_origin(y[keep], s[keep], v[keep], min_events=min_events)
            p = fit1.b * s[e]
            pv = s[e] ** 2 * fit1.se ** 2 + fit1.scale * v[e]
            df = fit1.n - 1
        q = t_ppf(0.5 + band / 2, np.maximum(df, 1))
        half = q * np.sqrt(pv)
        usable = np.isfinite(y[e]) & np.isfinite(half) & np.isfinite(p)
        pred[e] = np.where(usable, p, np.nan)
        lo[e] = np.where(usable, p - half, np.nan)
        hi[e] = np.where(usable, p + half, np.nan)
    return Predictions(pred, lo, hi)


def oos_r2(y, pred) -> np.ndarray:
    """Per column of ``y`` and ``pred`` (E, N): 1 - sum (y - pred)^2 / sum y^2 over the
    rows where both are finite; NaN without such rows."""
    y = np.asarray(y, float)
    p = np.asarray(pred, float)
    ok = np.isfinite(y) & np.isfinite(p)
    ss = np.where(ok, y * y, 0.0).sum(0)
    sse = np.where(ok, (y - np.where(ok, p, 0.0)) ** 2, 0.0).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ss > 0, 1.0 - sse / ss, np.nan)
