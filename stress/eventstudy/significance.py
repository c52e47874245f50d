"""Cross-sectional tests of the CAAR, batched over event dates.

Shapes: ``B`` event dates (1 for a study, M for placebo dates), ``N`` assets, ``L1``
estimation days, ``L2`` window days. ``include`` (B, N) marks the assets that enter
an aggregate (fitted, complete window, in the group). Each test returns its statistic
and two-sided p-value, shape (B,), NaN where it is undefined (e.g. fewer than two
assets for BMP). Formulas and references: docs/methods.md, "Event studies".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stress.distributions import norm_sf, t_sf
from stress.eventstudy.correlation import mean_residual_correlation
from stress.eventstudy.ranking import centred_ranks, decode_centred, rank_codes, rank_dtype, ranks

#: The tests, in the order they are reported.
TESTS = ("patell", "bmp", "kp", "crude", "rank", "gsign")

__all__ = ["TESTS", "Baseline", "aggregate_tests", "baseline", "usable", "ranks", "centred_ranks",
           "rank_codes", "rank_dtype", "decode_centred"]


def _p_normal(z: np.ndarray) -> np.ndarray:
    return 2.0 * norm_sf(np.abs(z))


def _p_t(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    return 2.0 * t_sf(np.abs(t), df)


def usable(include: np.ndarray, car: np.ndarray, var_car: np.ndarray) -> np.ndarray:
    """The assets that enter an aggregate: included, with a CAR and a positive Var(CAR)."""
    with np.errstate(invalid="ignore"):
        return include & np.isfinite(car) & np.isfinite(var_car) & (var_car > 0)


@dataclass(frozen=True)
class Baseline:
    """The window-independent pieces of the tests for one set of included assets.

    ``r`` (B,) the KP mean residual correlation; ``sd_aar``, ``m_days`` (B,) the
    crude-dependence sd of the estimation-window AAR and its number of days; ``zt``
    (B, L) the rank test's daily Z_t over estimation plus event-period days and
    ``s_rank`` (B,) their sd; ``pos_share`` (B, N) each asset's share of positive
    estimation residuals (the generalised sign test's p)."""

    r: np.ndarray
    sd_aar: np.ndarray
    m_days: np.ndarray
    zt: np.ndarray
    s_rank: np.ndarray
    pos_share: np.ndarray


def baseline(resid: np.ndarray, u: np.ndarray, n_est: np.ndarray, include: np.ndarray,
             r: np.ndarray | None = None) -> Baseline:
    """:class:`Baseline` of the assets in ``include`` (B, N), from estimation residuals
    ``resid`` (B, L1, N), :func:`centred_ranks` ``u`` (B, L, N) and ``n_est`` (B, N).
    Computed once per batch and asset set, shared by every window. ``r`` (B,): the KP r
    of these assets if already computed (:func:`mean_residual_correlation`)."""
    inc = np.asarray(include, dtype=bool)
    cnt, total = _daily_sums(resid, inc)  # (B, L1)
    n_t, usum = _daily_sums(u, inc)  # (B, L)
    if r is None:
        r = mean_residual_correlation(resid, inc)
    return _from_daily_sums(r, total, cnt, usum, n_t, _positive_share(resid, n_est))


def _positive_share(resid: np.ndarray, n_est: np.ndarray) -> np.ndarray:
    """Share of each asset's estimation residuals above zero (the generalised sign test's p-hat)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (resid > 0).sum(axis=1) / n_est  # NaN > 0 is False


def _from_daily_sums(r, total, cnt, usum, n_t, pos_share) -> Baseline:
    """:class:`Baseline` from the per-day sums of one asset set: ``total``/``cnt`` the
    sum and count of the residuals (B, L1), ``usum``/``n_t`` those of the centred ranks
    (B, L)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        # Brown-Warner crude dependence: AAR_t over the included assets with a residual
        aar = np.where(cnt > 0, total / np.maximum(cnt, 1), np.nan)
        m_days = np.isfinite(aar).sum(axis=1)
        aar_mean = np.nansum(aar, axis=1) / m_days
        sd_aar = np.sqrt(np.nansum((aar - aar_mean[:, None]) ** 2, axis=1) / (m_days - 1))
        # rank test: Z_t = sum_i (U_it - 1/2) / sqrt(N_t), S = sqrt(mean Z_t^2)
        zt = np.where(n_t > 0, usum / np.sqrt(np.maximum(n_t, 1)), np.nan)
        s_rank = np.sqrt(np.nansum(zt**2, axis=1) / np.isfinite(zt).sum(axis=1))
    return Baseline(r, sd_aar, m_days, zt, s_rank, pos_share)


def _daily_sums(values: np.ndarray, inc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per event and day, the count and the sum of the finite ``values`` (B, L, N) of the
    assets in ``inc`` (B, N): (B, L) each. When every included value is finite (the sum
    says so: a NaN or inf would make it non-finite) the count is the number of included
    assets and no finiteness mask is built; the sums are the same either way."""
    sel = inc[:, None, :]
    total = np.sum(values, axis=2, where=sel)
    if np.isfinite(total).all():
        return np.broadcast_to(inc.sum(axis=1)[:, None], total.shape), total
    on = np.isfinite(values) & sel
    return on.sum(axis=2), np.sum(values, axis=2, where=on)


def baselines(resid: np.ndarray, u: np.ndarray, n_est: np.ndarray, sets: np.ndarray,
              r: np.ndarray) -> list[Baseline]:
    """:func:`baseline` of S asset sets (S, B, N) at once (the windows' usable assets
    differ when returns are missing inside a window), with their KP r (S, B). The sums
    over each set's assets (the AAR, the rank test's Z_t and their counts) are one
    (L x N) @ (N x S) product per date instead of S passes over the (B, L, N) arrays;
    the numbers equal :func:`baseline` per set up to the order of summation."""
    sets = np.asarray(sets, dtype=bool)
    n_sets, b, _ = sets.shape
    w = np.ascontiguousarray(np.moveaxis(sets, 0, -1), dtype=float)  # (B, N, S)
    sums = [np.empty((b, x.shape[1], n_sets)) for x in (resid, resid, u, u)]  # AAR sums, counts, Z_t sums, counts
    for e in range(b):
        for k, x in enumerate((resid, u)):
            fin = np.isfinite(x[e])
            np.matmul(np.where(fin, x[e], 0.0), w[e], out=sums[2 * k][e])
            np.matmul(fin.astype(float), w[e], out=sums[2 * k + 1][e])
    pos_share = _positive_share(resid, n_est)
    return [_from_daily_sums(r[s], *(x[..., s] for x in sums), pos_share) for s in range(n_sets)]


def aggregate_tests(
    car: np.ndarray,
    var_car: np.ndarray,
    dof: np.ndarray,
    window_rows: slice,
    include: np.ndarray,
    base: Baseline,
) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """N, CAAR and every test for one window.

    ``car``, ``var_car``, ``dof`` (= L1_i - k) (B, N); ``window_rows`` the window's rows
    in the rank test's days (estimation plus event period); ``include`` (B, N) the
    usable assets (:func:`usable`) and ``base`` their :func:`baseline`.
    Returns ``(n, caar, {test: (stat, p)})``, each (B,).
    """
    inc = usable(include, car, var_car)
    w = inc.astype(float)
    n = w.sum(axis=1)
    l2 = window_rows.stop - window_rows.start
    with np.errstate(invalid="ignore", divide="ignore"):
        caar = np.where(inc, car, 0.0).sum(axis=1) / n
        scar = np.where(inc, car / np.sqrt(np.where(inc, var_car, 1.0)), 0.0)
        out: dict[str, tuple[np.ndarray, np.ndarray]] = {}

        # Patell (1976), cumulated: Z = sum SCAR / sqrt(sum (L1-k)/(L1-k-2))
        d = np.where(inc, dof, 3.0).astype(float)
        z = scar.sum(axis=1) / np.sqrt(np.where(inc, d / (d - 2.0), 0.0).sum(axis=1))
        z = np.where(n > 0, z, np.nan)
        out["patell"] = (z, _p_normal(z))

        # BMP (1991): t = sqrt(N) mean(SCAR) / sd(SCAR), t(N-1)
        mean = scar.sum(axis=1) / n
        sd = np.sqrt(np.where(inc, (scar - mean[:, None]) ** 2, 0.0).sum(axis=1) / (n - 1))
        bmp = np.where(n >= 2, np.sqrt(n) * mean / sd, np.nan)
        out["bmp"] = (bmp, _p_t(bmp, n - 1))

        # Kolari-Pynnonen (2010): BMP * sqrt((1-r)/(1+(N-1)r)), r mean off-diagonal corr
        r = base.r
        factor = (1.0 - r) / (1.0 + (n - 1.0) * r)
        kp = np.where(factor > 0, bmp * np.sqrt(np.where(factor > 0, factor, 0.0)), np.nan)
        out["kp"] = (kp, _p_t(kp, n - 1))

        # Brown-Warner (1985) crude dependence: CAAR / (sqrt(L2) sd(AAR_est)), t(L1-1)
        crude = caar / (np.sqrt(l2) * base.sd_aar)
        out["crude"] = (crude, _p_t(crude, base.m_days - 1))

        # Corrado (1989) rank, Cowan (1992) / Campbell-Wasley (1993) for multi-day windows:
        # T = sum_{t in window} Z_t / (sqrt(L2) S), N(0,1)
        zw = base.zt[:, window_rows]
        full = np.isfinite(zw).all(axis=1)
        tr = np.where(full, np.nansum(zw, axis=1) / (np.sqrt(l2) * base.s_rank), np.nan)
        out["rank"] = (tr, _p_normal(tr))

        # Cowan (1992) generalised sign: Z = (w - N p) / sqrt(N p (1 - p))
        p_hat = np.where(inc, base.pos_share, 0.0).sum(axis=1) / n
        wins = (inc & (car > 0)).sum(axis=1)
        gs = (wins - n * p_hat) / np.sqrt(n * p_hat * (1.0 - p_hat))
        gs = np.where((n > 0) & (p_hat > 0) & (p_hat < 1), gs, np.nan)
        out["gsign"] = (gs, _p_normal(gs))
    return n, np.where(n > 0, caar, np.nan), out
