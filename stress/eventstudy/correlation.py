"""The Kolari-Pynnonen r: mean pairwise correlation of estimation-window residuals.

Shapes: ``B`` event dates, ``L1`` estimation days, ``N`` assets. Each pair (i, j) of
included assets is correlated over the days both have a residual (pairwise-complete
Pearson correlation, NaN with fewer than 3 common days, left out of the mean), and r is
the mean over the pairs with a correlation. Formula and reference: docs/methods.md,
"Event studies" (Kolari-Pynnonen).

Cost. The formula never changes; how the sums are formed depends on the masks.
When the included assets of an event have their residuals on the same days (no gaps,
or gaps on common days) the sum of the pairwise correlations is ||sum_i z_i||^2 / (L - 1)
with z_i the standardised residuals: O(L N) time and memory. Otherwise the assets are
grouped by identical mask (:func:`_patterns`: late listings, delistings, closures):
two groups' pairs all share the groups' common days, so each group pair costs O(L N)
the same way (:func:`_group_sums`). Assets with a mask of their own (random gaps) have
no shortcut: each pair has its own means and variances and the sum of such ratios does
not factor, so every pair with such an asset is formed (:func:`_pair_sums`, O(L N) per
asset, O(L N^2) when all masks differ) in matrix products (a dense Gram block; the
masked sums as totals less sparse products over the missing cells) and O(L N +
block N) memory, one block of rows at a time, never an N x N array. Up to ``SMALL_N``
assets (placebo batches of many dates) each date is one pass over N x N arrays that
stay in cache.

A placebo batch's estimation windows overlap and slide one session at a time, so the
pair sums could be carried from date to date (add the entering day, drop the leaving
one, from sums of raw returns and regressors expanded with each date's own
coefficients). It was not adopted: at 200 assets the Gram product of one date takes
~0.3 ms on one BLAS thread, while the expansion needs ~25 more N x N elementwise
operations per date (~0.03 ms each, measured on this machine), so it would save at
most the masked sums (~1 ms per date) for a second, cancellation-prone formula (the
expanded sums subtract the market component from raw return products). What did
matter was BLAS threads spinning on these small products
(:func:`stress.eventstudy.batch.one_blas_thread`), sorting with NaN (ranks) and one
baseline pass per window set.
"""

from __future__ import annotations

import numpy as np

#: Bytes of one (block x N) work array of the pairwise path (about 12 of them live).
BLOCK_BYTES = 2**20
#: Share of missing (day, asset) cells up to which the masked sums of the pairwise path
#: are formed as full sums less sparse products over the missing cells (cost: missing
#: cells x N) instead of dense masked matrix products (cost: L x N^2).
SPARSE_GAPS = 0.1
#: Up to this many assets the pairwise path forms each event's N x N arrays whole (they
#: stay in cache), above it one block of rows at a time.
SMALL_N = 400
#: Bytes of one (events x L1 x N) work array of the common-days path.
CHUNK_BYTES = 64 * 2**20


def mean_residual_correlation(resid: np.ndarray, include: np.ndarray) -> np.ndarray:
    """The KP r per event: (B, L1, N) residuals (NaN where missing), (B, N) included
    assets -> (B,), NaN below 2 included assets or without any pair of 3 common days.

    ``include`` may also be (S, B, N), S sets of assets (e.g. one per window), giving
    (S, B): each event's pairs are then formed once, for all S sets."""
    inc = np.asarray(include, dtype=bool)
    single = inc.ndim == 2
    sets = inc[None] if single else inc  # (S, B, N)
    out = np.full(sets.shape[:2], np.nan)
    fin = np.isfinite(resid)
    todo = np.zeros(sets.shape[:2], dtype=bool)  # (S, B): needs the pairwise path
    per_chunk = max(1, int(CHUNK_BYTES // (8 * resid[0].size or 1)))
    for s in range(sets.shape[0]):  # the events whose included assets share their days
        on = fin & sets[s][:, None, :]
        any_t = on.any(axis=2)
        same = (any_t == (on | ~sets[s][:, None, :]).all(axis=2)).all(axis=1)
        del on
        idx = np.flatnonzero(same)
        for lo in range(0, idx.size, per_chunk):
            ev = idx[lo:lo + per_chunk]
            out[s, ev] = _common_days(resid[ev], sets[s, ev], any_t[ev])
        todo[s] = ~same
    pending = np.flatnonzero(todo.any(axis=0))
    n_all = resid.shape[2]
    if n_all <= SMALL_N:  # few assets: chunks of events, each event one pass over N x N arrays
        per_chunk = max(1, int(CHUNK_BYTES // (8 * 8 * n_all * n_all)))
        for lo in range(0, pending.size, per_chunk):
            ev = pending[lo:lo + per_chunk]
            out[:, ev] = np.where(todo[:, ev], _pairwise_small(resid[ev], sets[:, ev]), out[:, ev])
        pending = pending[:0]
    for e in pending:  # the others: every pair over its common days, one event at a time
        which = np.flatnonzero(todo[:, e])
        member = sets[which, e]  # (s, N)
        cols = np.flatnonzero(member.any(axis=0))
        rows = np.flatnonzero(np.isfinite(resid[e][:, cols]).any(axis=1))
        z = resid[e][np.ix_(rows, cols)]  # one copy: the days with a residual, the assets of a set
        on_e = np.isfinite(z)
        z[~on_e] = 0.0
        out[which, e] = _pairwise(z, on_e, member[:, cols])
    return out[0] if single else out


def _common_days(resid: np.ndarray, inc: np.ndarray, on_day: np.ndarray) -> np.ndarray:
    """The KP r of events whose included assets have residuals on the same days
    ``on_day`` (b, L1): the sum of the pairwise correlations is ||sum_i z_i||^2 / (L - 1)
    with z_i the standardised residuals over those L days, O(L N) per event."""
    with np.errstate(invalid="ignore", divide="ignore"):
        on = on_day[:, :, None] & inc[:, None, :]
        dev = np.where(on, resid, 0.0)  # (b, L1, N)
        days = on_day.sum(axis=1).astype(float)  # (b,)
        dev -= dev.sum(axis=1, keepdims=True) / days[:, None, None]
        dev *= on  # deviations from each asset's mean, zero off its days
        sd = np.sqrt(np.einsum("bln,bln->bn", dev, dev) / (days[:, None] - 1.0))
        scale = np.where(inc, 1.0 / np.where(sd > 0, sd, np.nan), 0.0)  # (b, N)
        zsum = np.matmul(dev, scale[:, :, None])[..., 0]  # (b, L1): sum_i z_it
        total = (zsum**2).sum(axis=1) / (days - 1.0)
        k = inc.sum(axis=1).astype(float)
        return np.where((k >= 2) & (days >= 3), (total - k) / (k * (k - 1.0)), np.nan)


def _pairwise_small(resid: np.ndarray, sets: np.ndarray) -> np.ndarray:
    """:func:`_pairwise` of b events: (b, L, N) residuals (NaN where missing), ``sets``
    (S, b, N) -> (S, b). One event at a time with N x N arrays that stay in cache: the
    masked sums from :func:`_masked_sums`, the Gram matrix (BLAS), then the correlation
    formula in place and the mean per set as two small matrix products."""
    b, _, k = resid.shape
    out = np.empty(sets.shape[:2])
    tmp = np.empty((k, k))
    for e in range(b):
        on = np.isfinite(resid[e])
        z = np.where(on, resid[e], 0.0)
        sums = _masked_sums(z, on)  # (3k, k): S_i|j, S_ii|j, n_ij
        sx, sxx, n = sums[:k], sums[k:2 * k], sums[2 * k:]
        corr = z.T @ z  # S_ij, then the correlation in place
        with np.errstate(invalid="ignore", divide="ignore"):
            corr *= n
            np.multiply(sx, sx.T, out=tmp)
            corr -= tmp
            sxx *= n
            np.multiply(sx, sx, out=tmp)
            sxx -= tmp  # n S_ii|j - S_i|j^2
            np.multiply(sxx, sxx.T, out=tmp)
            np.sqrt(tmp, out=tmp)
            corr /= tmp
        keep = n >= 3
        keep &= np.isfinite(corr)
        np.fill_diagonal(keep, False)
        np.copyto(corr, 0.0, where=~keep)
        u = sets[:, e].astype(float)  # (S, k)
        total = ((u @ corr) * u).sum(axis=1)
        count = ((u @ keep.astype(float)) * u).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, e] = np.where(count > 0, total / count, np.nan)
    return out


def _masked_sums(z: np.ndarray, on: np.ndarray) -> np.ndarray:
    """(3k, k) sums over the days column j is on of z_i, z_i^2 and 1 (rows i of the
    three blocks; ``z`` (L, k) zero where not ``on``). With few missing cells: the
    column totals less, per j, the sums over j's missing days (a sparse product), else
    dense products."""
    k = z.shape[1]
    x = np.empty((z.shape[0], 3 * k))
    x[:, :k] = z
    np.multiply(z, z, out=x[:, k:2 * k])
    x[:, 2 * k:] = on
    if (~on).mean() > SPARSE_GAPS:
        return x.T @ x[:, 2 * k:]
    part = _Gaps(on).times(slice(None), x)  # (k, 3k): row j the sums over j's missing days
    np.subtract(x.sum(axis=0), part, out=part)
    return part.T


def _pairwise(z: np.ndarray, on: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Per set of columns (``member`` (S, k) bool), the mean over its pairs i < j of the
    Pearson correlation of columns i and j of ``z`` (L, k) over the days both are ``on``
    (zeros elsewhere); pairs with fewer than 3 common days or an undefined correlation
    are left out. (S,), NaN where no pair is left.

    Columns that share their mask with others (:func:`_patterns`: listings, closures)
    are paired group by group over the groups' common days (:func:`_group_sums`,
    O(L k) per pair of groups); the pairs of a column with a mask of its own are formed
    one by one (:func:`_pair_sums`, O(L k) per such column)."""
    k = z.shape[1]
    if k < 2:
        return np.full(len(member), np.nan)
    u = member.astype(float)  # (S, k)
    gaps = _Gaps(on) if (~on).mean() <= SPARSE_GAPS else None
    grouped = _patterns(on)
    if grouped is None:
        total, count = _pair_sums(z, on, u, gaps, None)
    else:
        alone, groups = grouped
        total, count = _pair_sums(z, on, u, gaps, alone)
        more = _group_sums(z, on, u, groups)
        total += more[0]
        count += more[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


#: Columns with a shared mask are paired group by group when the groups' cost (the
#: single-mask columns against all, plus every group against every group) is below this
#: share of the pairwise cost.
GROUP_GAIN = 0.5


def _patterns(on: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]] | None:
    """The columns of ``on`` (L, k) grouped by identical mask: (the columns whose mask
    no other column has, [the columns of each mask shared by 2 or more]); None when
    grouping does not pay (most masks unique: random gaps)."""
    k = on.shape[1]
    packed = np.packbits(on, axis=0)  # (L / 8, k)
    key = np.ascontiguousarray(packed.T).view(np.dtype((np.void, packed.shape[0])))[:, 0]
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    shared = counts[inverse] >= 2
    n_groups = int((counts >= 2).sum())
    alone = np.flatnonzero(~shared)
    if not n_groups or alone.size * k + 2.0 * (k - alone.size) * n_groups > GROUP_GAIN * k * k / 2:
        return None
    order = np.argsort(inverse[shared], kind="stable")
    cols = np.flatnonzero(shared)[order]
    cuts = np.flatnonzero(np.diff(inverse[cols])) + 1
    return alone, np.split(cols, cuts)


def _group_sums(z: np.ndarray, on: np.ndarray, u: np.ndarray,
                groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(total, count) per set over the pairs of columns within and between ``groups``
    (columns with one mask per group): over the n common days of two groups each
    column is standardised once (z_i, sd with n - 1; a column without variance leaves
    its pairs out), the sum of the pairs' correlations is sum_t (sum_i z_it)(sum_j z_jt)
    / (n - 1) (within a group: (||sum_i z_i||^2 - sum_i ||z_i||^2) / 2 / (n - 1))."""
    total, count = np.zeros(len(u)), np.zeros(len(u))
    masks = [on[:, g[0]] for g in groups]
    for a, ga in enumerate(groups):
        for b in range(a, len(groups)):
            days = np.flatnonzero(masks[a] & masks[b])
            n = days.size
            if n < 3:
                continue
            sums = []
            for g in ((ga,) if a == b else (ga, groups[b])):
                x = z[np.ix_(days, g)]
                x -= x.mean(axis=0)
                ss = np.einsum("ti,ti->i", x, x)
                ok = ss > 0
                x /= np.sqrt(np.where(ok, ss, 1.0) / (n - 1.0))
                w = u[:, g] * ok  # (S, |g|): the set's columns with a correlation
                sums.append((x @ w.T, w, n - 1.0 if a == b else 0.0))  # (n, S) sum_i z_it
            if a == b:
                zs, w, norm = sums[0]  # ||z_i||^2 = n - 1 for every standardised column
                total += ((zs * zs).sum(axis=0) - w.sum(axis=1) * norm) / (2.0 * (n - 1.0))
                v = w.sum(axis=1)
                count += v * (v - 1.0) / 2.0
            else:
                total += (sums[0][0] * sums[1][0]).sum(axis=0) / (n - 1.0)
                count += sums[0][1].sum(axis=1) * sums[1][1].sum(axis=1)
    return total, count


def _pair_sums(z: np.ndarray, on: np.ndarray, u: np.ndarray, gaps: "_Gaps | None",
               alone: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(total, count) per set of the pairwise-complete correlations of the pairs i < j
    (``alone`` None), or of every pair with a column of ``alone`` (index array).

    With sums over the common days n, S_i, S_j, S_ii, S_jj, S_ij (masked matrix
    products), r_ij = (n S_ij - S_i S_j) / sqrt((n S_ii - S_i^2)(n S_jj - S_j^2)).
    Rows are taken in blocks, each paired with the later columns (or with all)."""
    k = z.shape[1]
    total, count = np.zeros(len(u)), np.zeros(len(u))
    rows_all = np.arange(k) if alone is None else alone
    if rows_all.size == 0:
        return total, count
    in_alone = None
    if alone is not None:
        in_alone = np.zeros(k, dtype=bool)
        in_alone[alone] = True
    if gaps is None:
        z2, m = z * z, on.astype(float)
    else:  # the sparse path squares and forms 0/1 blocks only (no full copies)
        z2 = m = None
    sum_z, sum_z2 = z.sum(axis=0), np.einsum("ti,ti->i", z, z)
    block = max(16, min(int(BLOCK_BYTES // (8 * k)), -(-rows_all.size // 4)))
    for a in range(0, rows_all.size, block):
        ri = rows_all[a:a + block]
        c = ri.size
        if alone is None:  # a slice of rows against the columns from its first on
            rows, cols = slice(int(ri[0]), int(ri[-1]) + 1), slice(int(ri[0]), k)
        else:
            rows, cols = ri, slice(0, k)
        zr = z[:, rows]
        left = np.concatenate([zr, zr * zr, on[:, rows]], axis=1)  # (L, 3c)
        if gaps is None:
            own = left.T @ m[:, cols]  # rows: S_i, S_ii, n over the days j is on
            other = [m[:, rows].T @ x[:, cols] for x in (z, z2)]  # S_j, S_jj over the days i is on
        else:  # the same sums: totals less the other asset's (few) missing days
            own = left.sum(axis=0)[:, None] - gaps.times(cols, left).T
            miss_z, miss_z2 = gaps.missing_sums(rows, z, cols)
            other = [sum_z[cols][None, :] - miss_z, sum_z2[cols][None, :] - miss_z2]
        corr = z[:, rows].T @ z[:, cols]  # S_ij, then the correlation in place
        sx_i, sxx_i, n = own[:c], own[c:2 * c], own[2 * c:]
        sx_j, sxx_j = other
        with np.errstate(invalid="ignore", divide="ignore"):
            buf = np.multiply(sx_i, sx_j)  # the one temporary: products go through it
            corr *= n
            corr -= buf
            sxx_i *= n
            sxx_i -= np.multiply(sx_i, sx_i, out=buf)
            sxx_j *= n
            sxx_j -= np.multiply(sx_j, sx_j, out=buf)
            sxx_i *= sxx_j
            np.sqrt(sxx_i, out=sxx_i)
            corr /= sxx_i
        keep = np.greater_equal(n, 3, out=np.empty(n.shape, dtype=bool))
        keep &= np.isfinite(corr)
        j = np.arange(k)[cols]
        if alone is None:
            keep &= j[None, :] > ri[:, None]  # pairs i < j
        else:  # every pair with a column alone once: j not alone, or alone and after i
            keep &= ~in_alone[j][None, :] | (j[None, :] > ri[:, None])
        np.copyto(corr, 0.0, where=~keep)
        total += ((u[:, rows] @ corr) * u[:, cols]).sum(axis=1)
        count += ((u[:, rows] @ keep.astype(float)) * u[:, cols]).sum(axis=1)
    return total, count


class _Gaps:
    """The missing cells of an (L, k) mask: ``times(cols, x)`` = D[:, cols]' x with D
    the 0/1 missing indicator, in time proportional to the missing cells of ``cols``
    times the columns of x (scipy.sparse, imported only on this path)."""

    def __init__(self, on: np.ndarray) -> None:
        from scipy import sparse

        asset, day = np.nonzero(~on.T)  # the missing cells, by asset
        ptr = np.zeros(on.shape[1] + 1, dtype=np.intp)
        np.cumsum(np.bincount(asset, minlength=on.shape[1]), out=ptr[1:])
        self._dt = sparse.csr_matrix((np.ones(day.size), day, ptr), shape=on.shape[::-1])  # (k, L)

    def times(self, cols: slice | np.ndarray, x: np.ndarray) -> np.ndarray:
        dt = self._dt if isinstance(cols, slice) and cols == slice(None) else self._dt[cols]
        return np.asarray(dt @ x)

    def missing_sums(self, rows: slice | np.ndarray, z: np.ndarray, cols: slice) -> tuple[np.ndarray, np.ndarray]:
        """``times(rows, z[:, cols])`` and the same of the squares, from the days that
        ``rows`` miss only (no copy of the full columns)."""
        dt = self._dt[rows]
        days = np.unique(dt.indices)
        if not days.size:
            zero = np.zeros((dt.shape[0], z[:, cols].shape[1]))
            return zero, zero.copy()
        dt = dt[:, days]
        x = z[days, cols]  # (missed days, columns)
        return np.asarray(dt @ x), np.asarray(dt @ (x * x))


def residual_correlation(resid: np.ndarray) -> np.ndarray:
    """All pairwise correlations of estimation-window residuals, (B, L1, N) -> (B, N, N),
    each pair over the days both have a residual (NaN with fewer than 3 common days).
    For pooled studies, whose firm-events sharing a date are few columns of a chunk; the
    event study's own KP r uses :func:`mean_residual_correlation`, which never forms the
    B x N x N array."""
    m = np.isfinite(resid).astype(float)
    z = np.where(m > 0, resid, 0.0)
    zt = np.swapaxes(z, 1, 2)
    mt = np.swapaxes(m, 1, 2)
    n = mt @ m  # common days
    sx = zt @ m  # sum of x_i over days where j is present
    sxx = (zt**2) @ m
    sxy = zt @ z
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = n * sxy - sx * np.swapaxes(sx, 1, 2)
        var_i = n * sxx - sx**2
        corr = cov / np.sqrt(var_i * np.swapaxes(var_i, 1, 2))
    return np.where(n >= 3, corr, np.nan)
