"""Event-based sensitivity: WLS through the origin of abnormal returns on shock sizes.

Pure numeric core. Shapes: ``E`` events, ``N`` assets, ``B`` reference-basket members.
Abnormal returns are fractions from the event-study engine's market model
(:func:`stress.eventstudy.abnormal_returns`), their variances its forecast-error
variances. Formulas and defaults: docs/methods.md, "Sensitivity", event-based.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from stress.distributions import t_ppf


def event_abnormal_returns(
    returns: np.ndarray,
    market: np.ndarray,
    day0_pos: Sequence[int] | np.ndarray,
    *,
    window: tuple[int, int] = (0, 0),
    estimation: tuple[int, int] = (-250, -11),
    min_estimation: int = 60,
) -> tuple[np.ndarray, np.ndarray]:
    """Market-model CAR over ``window`` and its forecast-error variance, per event and
    asset: arrays (E, N), from the event-study engine.

    ``returns`` (T, N) and ``market`` (T,) on the market's trading days; ``day0_pos``
    the E rows of day 0. NaN where the asset has a gap in the window or fewer than
    ``min_estimation`` estimation returns (e.g. before its listing).
    """
    from stress.eventstudy import abnormal_returns

    pos = np.asarray(day0_pos, dtype=int)
    n = np.asarray(returns).shape[1]
    if pos.size == 0:
        return np.empty((0, n)), np.empty((0, n))
    fit = abnormal_returns(
        returns, market, pos, estimation=estimation, window=window,
        model="market", min_estimation=min_estimation,
    )
    return np.asarray(fit.car, dtype=float), np.asarray(fit.var_car, dtype=float)


def basket_shocks(
    basket_ar: np.ndarray, reference: int, exclude: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shock sizes in reference-event units, one column per asset (leave-one-out).

    ``basket_ar`` (E, B) day-0 abnormal returns of the basket members (NaN: member not
    available); ``reference`` the row of the reference event (deepseek-r1); ``exclude``
    (N,) the basket column each asset must be left out of (-1: none).

    Basket AR_e^(-i) = mean of the available members' ARs on event e, without member i;
    s_e^(-i) = AR_e^(-i) / |AR_ref^(-i)|. Returns (s (E, N), basket (E, N), n_members
    (E, N)); NaN where no member is available or the reference AR is 0 or missing.
    """
    A = np.asarray(basket_ar, dtype=float)
    exclude = np.asarray(exclude, dtype=int)
    have = np.isfinite(A)
    A0 = np.where(have, A, 0.0)
    total = A0.sum(axis=1)  # (E,)
    count = have.sum(axis=1)
    own = np.where(exclude >= 0, exclude, 0)
    own_have = have[:, own] & (exclude >= 0)[None, :]  # (E, N): asset i's own AR counted
    own_ar = np.where(own_have, A0[:, own], 0.0)
    own_n = own_have.astype(int)
    n_members = count[:, None] - own_n  # (E, N)
    with np.errstate(invalid="ignore", divide="ignore"):
        basket = (total[:, None] - own_ar) / n_members
    basket = np.where(n_members > 0, basket, np.nan)
    scale = np.abs(basket[reference])  # (N,)
    scale = np.where(scale > 0, scale, np.nan)
    return basket / scale[None, :], basket, n_members


@dataclass(frozen=True)
class OriginWLS:
    """WLS through the origin, per asset; arrays (N,).

    ``b`` slope; ``se`` its standard error with the estimated residual scale; ``ci_lo``,
    ``ci_hi`` the t interval with n - 1 degrees of freedom; ``n`` events used; ``r2``
    uncentred R^2 = 1 - sum w e^2 / sum w y^2; ``scale`` sigma^2 = sum w e^2 / (n - 1).
    NaN where n < ``min_events``.
    """

    b: np.ndarray
    se: np.ndarray
    ci_lo: np.ndarray
    ci_hi: np.ndarray
    n: np.ndarray
    r2: np.ndarray
    scale: np.ndarray
    usable: np.ndarray  # (E, N) bool: the events each asset used


def wls_through_origin(
    y: np.ndarray, s: np.ndarray, var: np.ndarray, *, min_events: int = 3, level: float = 0.95
) -> OriginWLS:
    """Slope of ``y`` (E, N) on ``s`` (E, N) without a constant, weights w = 1/``var``.

    b = sum w s y / sum w s^2; e = y - b s; sigma^2 = sum w e^2 / (n - 1);
    se = sqrt(sigma^2 / sum w s^2); ci = b -/+ t_{n-1, (1+level)/2} se (statsmodels
    ``WLS(y, s, weights=w, hasconst=False)``). An event is usable for an asset when y, s
    and a positive finite var are all there.
    """
    y = np.asarray(y, dtype=float)
    s = np.asarray(s, dtype=float)
    v = np.asarray(var, dtype=float)
    usable = np.isfinite(y) & np.isfinite(s) & np.isfinite(v) & (v > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(usable, 1.0 / np.where(usable, v, 1.0), 0.0)
    y0 = np.where(usable, y, 0.0)
    s0 = np.where(usable, s, 0.0)
    n = usable.sum(axis=0)
    sws = (w * s0 * s0).sum(axis=0)
    ok = (n >= min_events) & (sws > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = (w * s0 * y0).sum(axis=0) / sws
        e = np.where(usable, y0 - b * s0, 0.0)
        ssr = (w * e * e).sum(axis=0)
        scale = ssr / (n - 1)
        se = np.sqrt(scale / sws)
        r2 = 1.0 - ssr / (w * y0 * y0).sum(axis=0)
    q = t_ppf(0.5 + level / 2, np.where(ok, n - 1, 1))
    nan = np.nan
    b, se, r2, scale = (np.where(ok, a, nan) for a in (b, se, r2, scale))
    return OriginWLS(b=b, se=se, ci_lo=b - q * se, ci_hi=b + q * se, n=n, r2=r2,
                     scale=scale, usable=usable)
