"""Tests of a mean standardised CAR that survive shared dates, repeated firms and
event-induced volatility: two-way clustered, date-portfolio, Kolari-Pynnonen (2010)
adjusted Patell and BMP, and the generalised rank test GRANK (Kolari-Pynnonen 2011).

Pure numeric functions on one sample of ``n`` firm-events (arrays in, ``(stat, p)``
out); NaN where a statistic is undefined. Formulas and references: docs/methods.md,
"Pooled event studies".
"""

from __future__ import annotations

import numpy as np
from scipy import special

NAN2 = (float("nan"), float("nan"))


def _p_t(t: float, df: float) -> float:
    """Two-sided Student-t p-value (scipy.special.stdtr: the t CDF without the
    distribution object's per-call overhead)."""
    return float(2.0 * special.stdtr(df, -abs(t))) if np.isfinite(t) and df > 0 else float("nan")


def _p_norm(z: float) -> float:
    return float(2.0 * special.ndtr(-abs(z))) if np.isfinite(z) else float("nan")


def patell(scar: np.ndarray, dof: np.ndarray) -> tuple[float, float]:
    """Patell (1976) Z = sum SCAR_i / sqrt(sum (L1_i - k)/(L1_i - k - 2)), N(0,1)."""
    if scar.size == 0:
        return NAN2
    z = float(scar.sum() / np.sqrt((dof / (dof - 2.0)).sum()))
    return z, _p_norm(z)


def bmp(scar: np.ndarray) -> tuple[float, float]:
    """Boehmer-Musumeci-Poulsen (1991) t = sqrt(n) mean(SCAR) / sd(SCAR), t(n-1)."""
    n = scar.size
    if n < 2:
        return NAN2
    sd = scar.std(ddof=1)
    t = float(np.sqrt(n) * scar.mean() / sd) if sd > 0 else float("nan")
    return t, _p_t(t, n - 1)


def shared_date_pairs(dates: np.ndarray) -> int:
    """P: ordered pairs (i, j), i != j, of firm-events with the same day 0."""
    _, counts = np.unique(dates, return_counts=True)
    return int((counts * (counts - 1)).sum())


def kp_adjusted(scar: np.ndarray, dof: np.ndarray, r: float, pairs: int) -> dict[str, tuple[float, float]]:
    """Kolari-Pynnonen (2010) adjusted Patell and adjusted BMP.

    ``r``: the mean estimation-residual correlation of the firm-event pairs sharing a
    day 0; ``pairs`` = P of :func:`shared_date_pairs`. With c = r P / n,
    Z_adj = Z_Patell / sqrt(1 + c) and t_adj = t_BMP sqrt((1 - r P/(n(n-1))) / (1 + c)).
    One event (P = n(n-1)) gives KP's sqrt(1/(1+(n-1)r)) and sqrt((1-r)/(1+(n-1)r)).
    """
    n = scar.size
    if n < 2 or not np.isfinite(r) or pairs == 0:
        r, pairs = 0.0, 0  # no firm-events share a date: nothing to adjust
    c = r * pairs / n
    z, _ = patell(scar, dof)
    t, _ = bmp(scar)
    out = {}
    z_adj = z / np.sqrt(1.0 + c) if 1.0 + c > 0 else float("nan")
    out["adj_patell"] = (float(z_adj), _p_norm(z_adj))
    bias = 1.0 - r * pairs / (n * (n - 1.0)) if n >= 2 else float("nan")
    t_adj = t * np.sqrt(bias / (1.0 + c)) if bias > 0 and 1.0 + c > 0 else float("nan")
    out["adj_bmp"] = (float(t_adj), _p_t(t_adj, n - 1))
    return out


def grank(sar_est: np.ndarray, scar: np.ndarray) -> tuple[float, float]:
    """GRANK-T of Kolari and Pynnonen (2011) for a cumulated window.

    ``sar_est`` (n, L1): standardised estimation-window abnormal returns AR_it / S_i
    (NaN where missing), rows aligned in event time; ``scar`` (n,): SCAR_i. The event
    window is one time point with GSAR_i0 = SCAR_i / sd(SCAR) (cross-sectional sd, which
    absorbs event-induced volatility). Per firm-event the T_i = L1_i + 1 values are
    ranked: U_it = rank / (T_i + 1) - 1/2. With Ubar_t the mean over the n_t firm-events
    present at t, S^2 = (1/T) sum_t (n_t / n) Ubar_t^2 over the T = L1 + 1 points,
    Z = Ubar_0 / S and t = Z sqrt((T - 2) / (T - 1 - Z^2)), Student t with T - 2 df.
    """
    t, p = grank_many(sar_est[None], scar[None])
    return float(t[0]), float(p[0])


def grank_many(sar_est: np.ndarray, scar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`grank` of B samples of the same size n at once: ``sar_est`` (B, n, L1),
    ``scar`` (B, n) -> t, p (B,), NaN where undefined (n < 2, no spread of SCAR, or
    T - 1 - Z^2 <= 0). Each sample's numbers are those of :func:`grank` on it alone."""
    b, n = scar.shape
    nan = np.full(b, np.nan)
    if n < 2:
        return nan, nan.copy()
    sd = scar.std(axis=1, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.concatenate([sar_est, (scar / sd[:, None])[:, :, None]], axis=2)  # (B, n, L1 + 1)
    fin = np.isfinite(g)
    m = fin.sum(axis=2, keepdims=True)
    from stress.eventstudy.significance import ranks

    rk = np.swapaxes(ranks(np.swapaxes(np.where(fin, g, np.nan), 1, 2)), 1, 2)  # ties averaged, missing kept
    u = np.where(fin, rk / (m + 1.0) - 0.5, np.nan)
    n_t = fin.sum(axis=1)  # (B, T)
    with np.errstate(invalid="ignore", divide="ignore"):
        ubar = np.where(n_t > 0, np.nansum(u, axis=1) / np.maximum(n_t, 1), np.nan)
        t_points = (n_t > 0).sum(axis=1)
        s2 = np.nansum((n_t / n) * ubar**2, axis=1) / t_points
        z = np.where(s2 > 0, ubar[:, -1] / np.sqrt(s2), np.nan)
        denom = t_points - 1.0 - z * z
        ok = (sd > 0) & np.isfinite(z) & (denom > 0)
        t = np.where(ok, z * np.sqrt((t_points - 2.0) / np.where(ok, denom, 1.0)), np.nan)
    p = np.array([_p_t(x, d - 2.0) if k else np.nan for x, d, k in zip(t, t_points, ok)])
    return t, p


def clustered(scar: np.ndarray, firms: np.ndarray, dates: np.ndarray) -> tuple[float, float]:
    """t of mean(SCAR) with two-way cluster-robust standard errors by firm and date.

    The OLS of SCAR on a constant with statsmodels' two-group ``cov_type='cluster'``
    (Cameron-Gelbach-Miller 2011: V = V_firm + V_date - V_firm&date), computed here in
    closed form: with e_i = SCAR_i - mean and E_g the sum of e over cluster g, each
    V = G/(G-1) sum_g E_g^2 / n^2 (CRV1; (n-1)/(n-k) = 1 with k = 1); t with
    min(G_firm, G_date) - 1 df (a test checks statsmodels gives the same). NaN with fewer
    than 2 firms or 2 dates, or when the two-way variance is not positive."""
    n = scar.size
    fi = np.unique(firms, return_inverse=True)[1]
    di = np.unique(dates, return_inverse=True)[1]
    g_f, g_d = int(fi.max(initial=-1)) + 1, int(di.max(initial=-1)) + 1
    if n < 3 or g_f < 2 or g_d < 2:
        return NAN2
    e = scar - scar.mean()

    def crv1(codes: np.ndarray) -> float:
        sums = np.bincount(codes, weights=e)
        g = sums.size
        return g / (g - 1.0) * float(sums @ sums) / n**2 if g > 1 else 0.0

    both = np.unique(fi * g_d + di, return_inverse=True)[1]
    var = crv1(fi) + crv1(di) - crv1(both)
    if not var > 0:
        return NAN2
    t = float(scar.mean() / np.sqrt(var))
    return t, _p_t(t, min(g_f, g_d) - 1)


def date_portfolio(scar: np.ndarray, dates: np.ndarray) -> tuple[float, float]:
    """Date-portfolio (calendar-clustering) test: the SCARs of the firm-events sharing a
    day 0 are averaged first, then t = sqrt(D) mean / sd over the D date means, t(D-1)."""
    uniq, inv = np.unique(dates, return_inverse=True)
    d = uniq.size
    if d < 2:
        return NAN2
    means = np.bincount(inv, weights=scar) / np.bincount(inv)
    sd = means.std(ddof=1)
    t = float(np.sqrt(d) * means.mean() / sd) if sd > 0 else float("nan")
    return t, _p_t(t, d - 1)
