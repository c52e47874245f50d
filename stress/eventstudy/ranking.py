"""Ranks for the rank test: per asset along the days axis, ties averaged, gaps kept.

Shapes: ``B`` event dates, ``L`` days, ``N`` assets; values (B, L, N), NaN (or any
non-finite value) where missing. :func:`rank_codes` is the batch's form (twice the rank
as small integers); :func:`ranks` and :func:`centred_ranks` the float forms. Formulas:
docs/methods.md, "Event studies" (Corrado rank test).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


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


def rank_codes(values: np.ndarray | Sequence[np.ndarray],
               out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Compact ranks of (B, L, N) ``values`` (or (B, Lj, N) blocks joined along days):
    twice the rank (ties averaged, so a whole number) as small integers, -1 where
    missing, (B, L, N) (a view of a (B, N, L) array); and ``m`` (B, N) the non-missing
    values per asset. :func:`decode_centred` turns them into :func:`centred_ranks`
    exactly, at a quarter (int16) of the memory of the float ranks. ``out``: a
    C-contiguous (B, N, L) array of :func:`rank_dtype` the codes are written into.

    One value sort instead of an argsort: each value's day is written into the lowest
    ``s`` bits of its mantissa (s = bits of L - 1), the rows are sorted as floats and the
    days read back from the sorted bits. Changing bits below 2^s units in the last place
    never reorders two values that differ above them, so the sorted order is the exact
    order except within runs of values equal in every bit above those s (ties, or values
    within ~L x 1e-16 relative of each other); the rows holding such a run (rare in
    continuous returns) are ranked again by :func:`_exact_codes`. Missing values sort
    last as +inf without day bits; the codes of their days stay -1."""
    blocks = [values] if isinstance(values, np.ndarray) else list(values)
    b, _, n = blocks[0].shape
    n_pos = sum(x.shape[1] for x in blocks)
    v = np.empty((b, n, n_pos))
    start = 0
    for x in blocks:  # days last; + 0.0 turns -0.0 into 0.0 (equal values, different bits)
        np.add(np.swapaxes(x, 1, 2), 0.0, out=v[:, :, start:start + x.shape[1]])
        start += x.shape[1]
    fin = np.isfinite(v)
    m = np.count_nonzero(fin, axis=-1)
    gaps = bool((m < n_pos).any())
    shift = max(1, (n_pos - 1).bit_length())
    bits = v.view(np.int64)
    bits &= ~((1 << shift) - 1)
    bits |= np.arange(n_pos)
    if gaps:  # missing (NaN, +-inf) as +inf, whose bits the sort keeps (not a NaN's): last
        v[~fin] = np.inf
    del fin
    v.sort(axis=-1)
    # rows where two neighbours agree above the day bits (a tie or a near-tie) need the exact ranks
    near = np.bitwise_xor(bits[..., 1:], bits[..., :-1]).view(np.uint64) < (1 << shift)
    if gaps:
        near &= np.arange(1, n_pos) < m[..., None]  # both neighbours non-missing
    redo = np.nonzero(near.any(axis=-1))
    del near
    bits &= (1 << shift) - 1  # the day of each sorted position
    bits += (np.arange(b * n) * n_pos).reshape(b, n, 1)  # flat index of (event, asset, day)
    dtype = rank_dtype(n_pos)
    twice = (2 * np.arange(1, n_pos + 1)).astype(dtype)  # sorted position k has rank k + 1
    codes = _codes_array(out, (b, n, n_pos), dtype)
    if gaps:  # the first m sorted positions are the non-missing values; the rest stay -1
        codes.fill(-1)
        known = np.arange(n_pos) < m[..., None]
        codes.reshape(-1)[bits[known]] = np.broadcast_to(twice, known.shape)[known]
        del known
    else:
        codes.reshape(-1)[bits] = twice
    del v, bits
    if redo[0].size:
        rows = np.concatenate([x[redo[0], :, redo[1]] for x in blocks], axis=1)  # (k, L)
        codes[redo] = _exact_codes(rows, dtype)
    return np.swapaxes(codes, 1, 2), m


def _codes_array(out: np.ndarray | None, shape: tuple, dtype: type) -> np.ndarray:
    if out is None:
        return np.empty(shape, dtype=dtype)
    if out.shape != shape or out.dtype != dtype or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous {shape} {np.dtype(dtype)} array")
    return out


def _exact_codes(rows: np.ndarray, dtype: type) -> np.ndarray:
    """Twice the ranks (ties averaged) of (k, L) ``rows`` along the days, -1 where not
    finite, by an argsort: the exact path of :func:`rank_codes`."""
    fin = np.isfinite(rows)
    r = _ranks_days_last(np.where(fin, rows, np.nan)[None], fin.sum(axis=-1, keepdims=True)[None],
                         centred=False)[0]  # whole or half ranks: twice them is exact
    return np.where(np.isnan(r), -1.0, 2.0 * r).astype(dtype)


def rank_dtype(n_days: int) -> type:
    """The integer type of :func:`rank_codes` over ``n_days`` days: int16 up to 16,383."""
    return np.int16 if 2 * n_days < np.iinfo(np.int16).max else np.int32


def decode_centred(codes: np.ndarray, m: np.ndarray) -> np.ndarray:
    """U - 1/2 with U = K / (M + 1) from :func:`rank_codes` (B, L, N), (B, N): (B, L, N)
    float, NaN where missing; equal to :func:`centred_ranks` bit for bit."""
    u = codes / 2.0
    u /= m[:, None, :] + 1.0
    u -= 0.5
    if (m < codes.shape[1]).any():  # some values missing (codes -1)
        u[codes < 0] = np.nan
    return u
