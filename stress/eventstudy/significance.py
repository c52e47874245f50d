"""Cross-sectional tests of the CAAR, batched over event dates.

Shapes: ``B`` event dates (1 for a study, M for placebo dates), ``N`` assets, ``L1``
estimation days, ``L2`` window days. ``include`` (B, N) marks the assets that enter
an aggregate (fitted, complete window, in the group). Each test returns its statistic
and two-sided p-value, shape (B,), NaN where it is undefined (e.g. fewer than two
assets for BMP). Formulas and references: docs/methods.md, "Event studies".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from stress.distributions import norm_sf, t_sf
from stress.eventstudy.correlation import mean_residual_correlation

#: The tests, in the order they are reported.
TESTS = ("patell", "bmp", "kp", "crude", "rank", "gsign")


def _p_normal(z: np.ndarray) -> np.ndarray:
    return 2.0 * norm_sf(np.abs(z))


def _p_t(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    return 2.0 * t_sf(np.abs(t), df)


def _days_last(values: np.ndarray | Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """A new contiguous (B, N, L) array of (B, L, N) ``values`` or of blocks (B, Lj, N)
    joined along the days axis, every non-finite value set to NaN; and the number of
    finite values per row, (B, N, 1)."""
    blocks = [values] if isinstance(values, np.ndarray) else list(values)
    b, _, n = blocks[0].shape
    v = np.empty((b, n, sum(x.shape[1] for x in blocks)))
    start = 0
    for x in blocks:
        v[:, :, start:start + x.shape[1]] = np.swapaxes(x, 1, 2)
        start += x.shape[1]
    fin = np.isfinite(v)
    m = fin.sum(axis=-1, keepdims=True)
    if (m < v.shape[-1]).any():
        v[~fin] = np.nan
    return v, m


def _sorted_ranks(srt: np.ndarray) -> np.ndarray | None:
    """Ranks (1 = smallest, ties averaged) of the values of rows sorted along the last
    axis, position by position: None if no row has ties (the rank is then k + 1), else
    (first + last) / 2 + 1 over the positions k of each run of equal values (NaN never
    equals, so NaNs never tie)."""
    tie = srt[..., 1:] == srt[..., :-1]  # position k + 1 equals position k
    if not tie.any():
        return None
    n_pos = srt.shape[-1]
    pos = np.arange(n_pos)
    no = np.zeros(srt.shape[:-1] + (1,), dtype=bool)
    first = np.maximum.accumulate(np.where(np.concatenate([no, tie], axis=-1), 0, pos), axis=-1)
    last = np.flip(np.minimum.accumulate(
        np.flip(np.where(np.concatenate([tie, no], axis=-1), n_pos, pos), axis=-1), axis=-1), axis=-1)
    return (first + last) / 2.0 + 1.0


def _ranks_days_last(v: np.ndarray, m: np.ndarray, centred: bool) -> np.ndarray:
    """Ranks along the last axis of (B, N, L) ``v`` with ``m`` (B, N, 1) finite values
    each (from :func:`_days_last`), or U - 1/2 with U = K / (M + 1) if ``centred``;
    NaN where missing. Overwrites and returns ``v``.

    One argsort; the ranks are formed in sorted order (where ties are runs of equal
    neighbours and the M non-missing values come first) and scattered back."""
    order = np.argsort(v, axis=-1)  # NaN sort last
    val = np.take_along_axis(v, order, axis=-1)  # sorted values, then overwritten by ranks
    tied = _sorted_ranks(val)
    val[...] = np.arange(1.0, v.shape[-1] + 1.0) if tied is None else tied
    if centred:
        val /= m + 1.0
        val -= 0.5
    if (m < v.shape[-1]).any():
        val[np.arange(v.shape[-1]) >= m] = np.nan  # the missing values, sorted last
    np.put_along_axis(v, order, val, axis=-1)
    return v


def ranks(values: np.ndarray) -> np.ndarray:
    """Ranks along axis 1 (1 = smallest), ties averaged, NaN kept as NaN: (B, L, N).
    Non-finite values count as missing. The result is a (B, L, N) view of (B, N, L)."""
    return np.swapaxes(_ranks_days_last(*_days_last(values), centred=False), 1, 2)


def centred_ranks(values: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
    """Standardised ranks minus one half, U_it - 1/2 with U_it = K_it / (M_i + 1), K_it
    the rank of day t (ties averaged) among asset i's M_i non-missing values:
    (B, L, N) -> (B, L, N), NaN where missing.

    ``values`` may be a sequence of (B, Lj, N) blocks, ranked as their concatenation
    along the days axis (without a concatenated copy)."""
    return np.swapaxes(_ranks_days_last(*_days_last(values), centred=True), 1, 2)


def rank_codes(values: np.ndarray | Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Compact ranks of (B, L, N) ``values`` (or (B, Lj, N) blocks joined along days):
    twice the rank (ties averaged, so a whole number) as small integers, -1 where
    missing, (B, L, N) (a view of a (B, N, L) array); and ``m`` (B, N) the non-missing
    values per asset. :func:`decode_centred` turns them into :func:`centred_ranks`
    exactly, at a quarter (int16) of the memory of the float ranks."""
    v, m = _days_last(values)
    gaps = bool((m < v.shape[-1]).any())
    if gaps:  # missing as +inf (no other non-finite value is left): sorted last as NaN would be,
        np.nan_to_num(v, copy=False, nan=np.inf)  # but the SIMD sort skips arrays holding NaN (4x slower)
    order = np.argsort(v, axis=-1)
    val = np.take_along_axis(v, order, axis=-1)
    del v
    if gaps:
        np.copyto(val, np.nan, where=np.arange(val.shape[-1]) >= m)  # missing: NaN again, never tie
    tied = _sorted_ranks(val)
    n_pos = val.shape[-1]
    dtype = rank_dtype(n_pos)
    twice = (2 * np.arange(1, n_pos + 1)).astype(dtype) if tied is None else (2.0 * tied).astype(dtype)
    codes = np.empty(val.shape, dtype=dtype)
    del val, tied
    if twice.ndim == 1:
        twice = np.broadcast_to(twice, codes.shape).copy()
    if (m < n_pos).any():
        twice[np.broadcast_to(np.arange(n_pos) >= m, twice.shape)] = -1  # the missing, sorted last
    np.put_along_axis(codes, order, twice, axis=-1)
    return np.swapaxes(codes, 1, 2), m[..., 0]


def rank_dtype(n_days: int) -> type:
    """The integer type of :func:`rank_codes` over ``n_days`` days: int16 up to 16,383."""
    return np.int16 if 2 * n_days < np.iinfo(np.int16).max else np.int32


def decode_centred(codes: np.ndarray, m: np.ndarray) -> np.ndarray:
    """U - 1/2 with U = K / (M + 1) from :func:`rank_codes` (B, L, N), (B, N): (B, L, N)
    float, NaN where missing; equal to :func:`centred_ranks` bit for bit."""
    u = codes / 2.0
    u /= m[:, None, :] + 1.0
    u -= 0.5
    u[codes < 0] = np.nan
    return u


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
    with np.errstate(invalid="ignore", divide="ignore"):
        # Brown-Warner crude dependence: AAR_t over the included assets with a residual
        on = np.isfinite(resid) & inc[:, None, :]
        cnt = on.sum(axis=2)  # (B, L1)
        aar = np.where(cnt > 0, np.sum(resid, axis=2, where=on) / np.maximum(cnt, 1), np.nan)
        m_days = np.isfinite(aar).sum(axis=1)
        aar_mean = np.nansum(aar, axis=1) / m_days
        sd_aar = np.sqrt(np.nansum((aar - aar_mean[:, None]) ** 2, axis=1) / (m_days - 1))

        # rank test: Z_t = sum_i (U_it - 1/2) / sqrt(N_t), S = sqrt(mean Z_t^2)
        ok = np.isfinite(u) & inc[:, None, :]
        n_t = ok.sum(axis=2)  # (B, L)
        zt = np.where(n_t > 0, np.sum(u, axis=2, where=ok) / np.sqrt(np.maximum(n_t, 1)), np.nan)
        s_rank = np.sqrt(np.nansum(zt**2, axis=1) / np.isfinite(zt).sum(axis=1))

        pos_share = (resid > 0).sum(axis=1) / n_est  # NaN > 0 is False
    if r is None:
        r = mean_residual_correlation(resid, inc)
    return Baseline(r, sd_aar, m_days, zt, s_rank, pos_share)


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
    with np.errstate(invalid="ignore", divide="ignore"):
        pos_share = (resid > 0).sum(axis=1) / n_est  # NaN > 0 is False
        out = []
        for s in range(n_sets):
            total, cnt, usum, n_t = (x[..., s] for x in sums)
            aar = np.where(cnt > 0, total / np.maximum(cnt, 1), np.nan)
            m_days = np.isfinite(aar).sum(axis=1)
            aar_mean = np.nansum(aar, axis=1) / m_days
            sd_aar = np.sqrt(np.nansum((aar - aar_mean[:, None]) ** 2, axis=1) / (m_days - 1))
            zt = np.where(n_t > 0, usum / np.sqrt(np.maximum(n_t, 1)), np.nan)
            s_rank = np.sqrt(np.nansum(zt**2, axis=1) / np.isfinite(zt).sum(axis=1))
            out.append(Baseline(r[s], sd_aar, m_days, zt, s_rank, pos_share))
    return out


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
