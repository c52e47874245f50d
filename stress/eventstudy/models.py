"""Models of normal returns, fitted for many assets and many event dates at once.

Shapes: ``B`` event dates (a batch), ``L1`` estimation days, ``L2`` event-window days,
``N`` assets, ``q`` regressor series, ``p`` columns of the design matrix. Returns are
fractions. Every asset has its own missing-data mask: the fit solves the masked normal
equations (X' M_i X) b_i = X' M_i y_i for all assets in one batched solve, so an asset
with gaps gets exactly the OLS fit on its non-missing days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from stress.eventstudy.spec import MODELS, Window

__all__ = [
    "MODELS", "ARFit", "Fit", "abnormal_returns", "fit_normal", "evaluate_window",
    "expected_returns", "window_stats", "gather", "drop_short",
]


@dataclass(frozen=True)
class Fit:
    """A batched fit on the estimation window.

    ``params`` (B, N, p); ``ainv`` (B, N, p, p) = (X' M_i X)^-1; ``sigma`` (B, N) =
    sqrt(SSR / (n_est - k)); ``n_est`` (B, N); ``dof`` (B, N) = n_est - k;
    ``resid`` (B, L1, N), NaN where the asset or a regressor has no return.
    Assets that could not be fitted (n_est <= k) have NaN params and sigma.
    """

    model: str
    k: int
    params: np.ndarray
    ainv: np.ndarray
    sigma: np.ndarray
    n_est: np.ndarray
    dof: np.ndarray
    resid: np.ndarray


def gather(values: np.ndarray, day0: np.ndarray, window: Window, out: np.ndarray | None = None) -> np.ndarray:
    """Rows ``day0 + a .. day0 + b`` of ``values`` (T, ...) for each day 0: (B, L, ...),
    written into ``out`` if given. Rows before the first or after the last row are NaN."""
    t = values.shape[0]
    idx = day0[:, None] + np.arange(window[0], window[1] + 1)[None, :]
    inside = (idx >= 0) & (idx < t)
    if inside.all():
        return np.take(values, idx, axis=0, out=out, mode="clip")  # in range: clip changes nothing
    padded = np.concatenate([values, np.full((1,) + values.shape[1:], np.nan)])
    return np.take(padded, np.where(inside, idx, t), axis=0, out=out, mode="clip")


def _design(model: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix (B, L, p) and offset (B, L) from regressors x (B, L, q).
    The expected return is X b + offset."""
    ones = np.ones(x.shape[:2] + (1,))
    zero = np.zeros(x.shape[:2])
    if model == "market":
        return np.concatenate([ones, x[..., :1]], axis=-1), zero
    if model == "factor":
        return np.concatenate([ones, x], axis=-1), zero
    if model == "constant-mean":
        return ones, zero
    if model == "market-adjusted":
        return np.zeros(x.shape[:2] + (0,)), x[..., 0]
    raise ValueError(f"unknown model {model!r}")


def fit_normal(y: np.ndarray, x: np.ndarray, model: str, out: np.ndarray | None = None) -> Fit:
    """Fit the model of normal returns on the estimation window.

    ``y`` (B, L1, N) asset returns; ``x`` (B, L1, q) regressor returns (q may be 0 for
    ``constant-mean``). A day with any regressor missing is dropped for all assets.
    ``out``: a (B, L1, N) array the residuals are written into (else a new one).
    """
    design, offset = _design(model, x)
    b, l1, n = y.shape
    p = design.shape[-1]
    k = p
    row_ok = np.isfinite(design).all(axis=-1) & np.isfinite(offset)
    mask = np.isfinite(y)
    complete = bool(row_ok.all()) and bool(mask.all())  # no gap: the masked steps change nothing
    if complete and not offset.any():
        target = y  # read only: y - 0 is y
    else:
        mask &= row_ok[..., None]
        design = np.where(row_ok[..., None], design, 0.0)
        target = y - np.where(row_ok, offset, 0.0)[..., None]  # (B, L1, N), zero off the mask:
        if not complete:
            np.copyto(target, 0.0, where=~mask)  # full-size arrays are few and reused in place
    n_est = np.full((b, n), l1) if complete else mask.sum(axis=1)
    if p:
        outer = (design[..., :, None] * design[..., None, :]).reshape(b, l1, p * p)
        a = np.matmul(np.swapaxes(mask.astype(float), 1, 2), outer).reshape(b, n, p, p)
        xty = np.matmul(np.swapaxes(target, 1, 2), design)  # (B, N, p)
        ok = n_est > p
        a = np.where(ok[..., None, None], a, np.eye(p))
        try:
            ainv = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            ainv = np.linalg.pinv(a)
        params = np.matmul(ainv, xty[..., None])[..., 0]
        resid = np.matmul(design, np.swapaxes(params, 1, 2), out=out)  # fitted, then target - fitted
        np.subtract(target, resid, out=resid)
        params = np.where(ok[..., None], params, np.nan)
        ainv = np.where(ok[..., None, None], ainv, np.nan)
    else:
        ainv = np.zeros((b, n, 0, 0))
        params = np.zeros((b, n, 0))
        if out is not None:
            np.copyto(out, target)
            resid = out
        else:
            resid = y.copy() if target is y else target  # never the caller's array
        ok = n_est > 0
    if not complete:
        off = ~mask
        np.copyto(resid, 0.0, where=off)
    ssr = np.einsum("bln,bln->bn", resid, resid)
    if not complete:
        np.copyto(resid, np.nan, where=off)
    dof = n_est - k
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(ssr / dof)
    sigma = np.where(ok, sigma, np.nan)
    return Fit(model, k, params, ainv, sigma, n_est, dof, resid)


def expected_returns(fit: Fit, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Normal (expected) returns (B, L, N) over rows with regressors x (B, L, q), and the
    design matrix (B, L, p) of those rows."""
    design, offset = _design(fit.model, x)
    expected = np.matmul(design, np.swapaxes(fit.params, 1, 2)) + offset[..., None]
    return expected, design


def window_stats(
    fit: Fit, y: np.ndarray, expected: np.ndarray, design: np.ndarray, kind: str = "simple"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CAR (NaN if any day is missing), Var(CAR) = sigma^2 (L2 + 1'X_w (X'M_iX)^-1 X_w'1)
    and BHAR = prod(1 + r) - prod(1 + E[r]) (simple) or exp(sum r) - exp(sum E[r]) (log),
    each (B, N), from window returns ``y``, ``expected`` (B, L2, N) and ``design`` (B, L2, p)."""
    l2 = y.shape[1]
    car = (y - expected).sum(axis=1)
    s = design.sum(axis=1)  # (B, p) = X_w' 1
    if design.shape[-1]:
        quad = np.matmul(np.matmul(s[:, None, None, :], fit.ainv), s[:, None, :, None])[..., 0, 0]
    else:
        quad = 0.0
    var_car = fit.sigma**2 * (l2 + quad)
    if kind == "log":
        bhar = np.exp(y.sum(axis=1)) - np.exp(expected.sum(axis=1))
    else:
        bhar = np.prod(1.0 + y, axis=1) - np.prod(1.0 + expected, axis=1)
    return car, var_car, bhar


def evaluate_window(
    fit: Fit, y: np.ndarray, x: np.ndarray, kind: str = "simple"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Abnormal returns over one event window: ``y`` (B, L2, N), ``x`` (B, L2, q) ->
    ``ar`` (B, L2, N) (NaN on a gap), ``car``, ``var_car``, ``bhar`` (B, N)."""
    expected, design = expected_returns(fit, x)
    car, var_car, bhar = window_stats(fit, y, expected, design, kind)
    return y - expected, car, var_car, bhar


@dataclass(frozen=True)
class ARFit:
    """Abnormal returns of N assets over one event window, for one event (2-D/1-D
    arrays below) or M events (a leading axis M on every array).

    ``ar`` (L2, N) daily abnormal returns (NaN on a gap); ``car`` (N,); ``var_car`` (N,)
    forecast-error variance of the CAR; ``bhar`` (N,); ``sigma`` (N,); ``params``
    (p, N) named by ``param_names``; ``n_est`` (N,) non-missing estimation returns;
    ``dof`` (N,) = n_est - k; ``resid`` (L1, N) estimation-window residuals.
    """

    model: str
    estimation: Window
    window: Window
    param_names: tuple[str, ...]
    ar: np.ndarray
    car: np.ndarray
    var_car: np.ndarray
    bhar: np.ndarray
    sigma: np.ndarray
    params: np.ndarray
    n_est: np.ndarray
    dof: np.ndarray
    resid: np.ndarray

    @property
    def scar(self) -> np.ndarray:
        """Standardised CAR = CAR / sqrt(Var(CAR)), the per-asset t statistic."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.car / np.sqrt(self.var_car)

    @property
    def p(self) -> np.ndarray:
        """Two-sided p-value of ``scar`` against Student t with ``dof`` degrees of freedom."""
        from stress.eventstudy.significance import _p_t

        return _p_t(self.scar, self.dof)


def abnormal_returns(
    returns: np.ndarray,
    factors: np.ndarray | None,
    day0_pos: int | Sequence[int] | np.ndarray,
    estimation: Window = (-250, -11),
    window: Window = (0, 0),
    model: str = "market",
    min_estimation: int = 0,
    kind: str = "simple",
) -> ARFit:
    """Fit ``model`` on ``estimation`` and compute abnormal returns over ``window``.

    ``returns`` (T, N) asset returns and ``factors`` (T, q) or (T,) regressor returns on
    the same rows (the market for ``market``/``market-adjusted``; the factors for
    ``factor``; ignored for ``constant-mean``); ``day0_pos`` the row of day 0 (an int)
    or of several events (M ints, giving a leading axis M). Estimation and window rows
    outside 0..T-1 count as missing. Assets with fewer than ``min_estimation``
    non-missing estimation returns get NaN results. ``kind`` (``simple``/``log``) only
    sets the BHAR formula.
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; expected one of {MODELS}")
    y = np.asarray(returns, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    if factors is None or model == "constant-mean":
        x = np.zeros((y.shape[0], 0))
    else:
        x = np.asarray(factors, dtype=float)
        x = x[:, None] if x.ndim == 1 else x
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"returns have {y.shape[0]} rows but factors {x.shape[0]}")
    if model in ("market", "market-adjusted", "factor") and x.shape[1] == 0:
        raise ValueError(f"model {model!r} needs regressor returns")
    single = np.ndim(day0_pos) == 0
    day0 = np.atleast_1d(np.asarray(day0_pos, dtype=int))
    fit = fit_normal(gather(y, day0, estimation), gather(x, day0, estimation), model)
    if min_estimation:
        fit = drop_short(fit, min_estimation)
    ar, car, var_car, bhar = evaluate_window(fit, gather(y, day0, window), gather(x, day0, window), kind)
    names = {"market": ("intercept", "beta"), "constant-mean": ("intercept",), "market-adjusted": ()}.get(
        model, ("intercept",) + tuple(f"beta{j + 1}" for j in range(x.shape[1]))
    )
    out = dict(
        ar=ar, car=car, var_car=var_car, bhar=bhar, sigma=fit.sigma,
        params=np.swapaxes(fit.params, 1, 2), n_est=fit.n_est, dof=fit.dof, resid=fit.resid,
    )
    if single:
        out = {key: v[0] for key, v in out.items()}
    return ARFit(model, tuple(estimation), tuple(window), names, **out)


def drop_short(fit: Fit, min_estimation: int, in_place: bool = False) -> Fit:
    """The fit with assets of fewer than ``min_estimation`` estimation returns (or zero
    residual variance) set to NaN; ``in_place``: their residuals set to NaN in
    ``fit.resid`` itself (a fit nothing else holds) instead of a copy."""
    short = (fit.n_est < min_estimation) | ~(fit.sigma > 0)
    if not short.any():
        return fit
    nan = np.nan
    if in_place:
        np.copyto(fit.resid, nan, where=short[:, None, :])
        resid = fit.resid
    else:
        resid = np.where(short[:, None, :], nan, fit.resid)
    return Fit(
        fit.model,
        fit.k,
        np.where(short[..., None], nan, fit.params),
        np.where(short[..., None, None], nan, fit.ainv),
        np.where(short, nan, fit.sigma),
        fit.n_est,
        fit.dof,
        resid,
    )
