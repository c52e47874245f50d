"""The books-by-scenarios P&L grid and its VaR/ES, chunk by chunk, in bounded memory.

Books are a linear map of scenario rows (an :class:`Exposure`): for a row x_s (K,) of a
scenario source (a scenario set over K tickers, or K standard normals of a Monte Carlo
draw),

    pnl[p, s] = offset[p] + scale * weights[p] . x_s

* scenario set: ``weights`` = position values on the set's columns, offset 0, scale 1;
* Monte Carlo with h-day returns r = h mu + sqrt(h) L z (L L' = cov): ``weights`` = V L,
  ``offset`` = h V mu, ``scale`` = sqrt(h) (the draws are never turned into returns).

The engine walks the scenarios in chunks of ``chunk`` rows and the books in blocks of
``book_block`` rows; a block of the grid (book_block x chunk) is the only piece of size
books x scenarios that exists at any time. VaR/ES need only the largest losses: with
k = ceil(n alpha) (the empirical VaR is the k-th smallest loss L_(k) of n), VaR and ES
(:func:`stress.risk.measures.var_es_historical`) use the m = n - k + 1 largest losses.
The m largest of the whole are inside the union of each chunk's m largest, so every
chunk keeps its m largest per book (``numpy.partition``, values only; the largest loss and
its scenario row are tracked beside), merged chunk after chunk into a running (P, m)
tail: the result is EXACT, not an approximation. ES contributions need the rows of the
tail scenarios and use :func:`chunk_tail` (``argpartition``) instead.

Memory (bytes, 8 per float64 or int64), in process, P books, K columns, S scenario rows
held in memory (a file; 0 for draws), chunk c, book block b, tail m (largest over the
confidences asked):

    8 * (P K + S K + 2 c K + 2 b c + P m + 2 b (m + c))     (+ 40 b c with the grid)

:func:`check_size` compares it with the memory available before any work starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple, Protocol, Sequence

import numpy as np

from stress.errors import InputError

#: default scenarios per chunk and cells per grid block (book_block = BLOCK_CELLS // chunk)
CHUNK = 20_000
BLOCK_CELLS = 4_000_000
ALPHAS = (0.95, 0.99)


class Source(Protocol):
    n: int

    def rows(self, start: int, stop: int) -> np.ndarray: ...


@dataclass(frozen=True)
class Exposure:
    """P books as a linear map of source rows: ``weights`` (P, K), ``offset`` (P,)."""

    weights: np.ndarray
    offset: np.ndarray
    scale: float = 1.0

    @property
    def n_books(self) -> int:
        return int(self.weights.shape[0])


@dataclass(frozen=True)
class Plan:
    """How the work is cut: n scenarios in chunks of ``step`` rows, ``n_books`` books in
    blocks of ``block``, ``m`` largest losses kept per book. The chunk and block bounds
    are made on demand (a plan of 10^12 scenarios costs nothing until it runs)."""

    n: int
    step: int
    n_books: int
    block: int
    m: int

    @property
    def chunks(self) -> tuple[tuple[int, int], ...]:
        """Scenario rows ``[start, stop)`` of each chunk."""
        return tuple((s, min(s + self.step, self.n)) for s in range(0, self.n, self.step))

    @property
    def blocks(self) -> tuple[tuple[int, int], ...]:
        """Books ``[start, stop)`` of each block."""
        return tuple((s, min(s + self.block, self.n_books))
                     for s in range(0, self.n_books, self.block))


@dataclass(frozen=True)
class TailVar:
    """VaR and ES (positive losses, currency) of P books over n scenarios: ``var[alpha]``
    and ``es[alpha]`` are (P,) arrays; ``worst`` (P,) the largest loss, ``worst_index`` (P,)
    its scenario row."""

    n: int
    var: dict
    es: dict
    worst: np.ndarray
    worst_index: np.ndarray

    def to_dict(self) -> dict:
        return {"n": self.n, "var": {a: v.tolist() for a, v in self.var.items()},
                "es": {a: v.tolist() for a, v in self.es.items()},
                "worst": self.worst.tolist(), "worst_index": self.worst_index.tolist()}


# ---- sizes ---------------------------------------------------------------------------
def k_index(n: int, alpha: float) -> int:
    """k = ceil(n alpha) clipped to [1, n]: the empirical VaR is the k-th smallest loss."""
    return min(max(math.ceil(round(n * alpha, 9)), 1), n)


def tail_size(n: int, confidences: Sequence[float]) -> int:
    """m = n - k + 1 for the smallest alpha: the largest losses VaR/ES need (>= 1)."""
    return n - min(k_index(n, a) for a in confidences) + 1 if confidences else 1


def plan(n: int, n_books: int, confidences: Sequence[float] = ALPHAS, chunk: int = CHUNK,
         align: int = 1, book_block: int | None = None) -> Plan:
    """Scenario chunks of ``chunk`` rows (rounded up to a multiple of ``align``, the draw
    block) and book blocks of ``book_block`` books (default BLOCK_CELLS // chunk)."""
    if chunk < 1:
        raise InputError(f"--chunk-size {chunk}: must be at least 1 scenario")
    step = -(-int(chunk) // align) * align
    b = book_block or max(1, BLOCK_CELLS // step)
    return Plan(int(n), step, int(n_books), int(b), tail_size(n, confidences))


def memory_bytes(p: Plan, k: int, held_rows: int = 0, grid: bool = False) -> int:
    """The in-process memory formula of the module doc, in bytes."""
    c, b = min(p.step, p.n), min(p.block, p.n_books)
    cells = (p.n_books * k + held_rows * k + 2 * c * k + 2 * b * c + p.n_books * p.m
             + 2 * b * (p.m + c))
    return 8 * cells + (40 * b * c if grid else 0)


def check_size(p: Plan, k: int, held_rows: int = 0, grid: bool = False, *,
               limit: int) -> int:
    """Raise one :class:`InputError` line when the formula exceeds ``limit`` bytes (the
    commands pass 80% of :func:`stress.scale.available_memory`); return the bytes needed."""
    need = memory_bytes(p, k, held_rows, grid)
    limit = int(limit)
    if need > limit:
        n_books = p.n_books
        raise InputError(
            f"{n_books:,} books x {p.n:,} scenarios x {k} columns needs about {need / 2**30:.1f} GiB "
            f"in process (tails {8 * n_books * p.m / 2**30:.1f} GiB: {p.m:,} largest losses "
            f"per book), more than the {limit / 2**30:.1f} GiB available: use fewer books or "
            "scenarios, a smaller --chunk-size, or --scheduler to spread the books over workers")
    return need


# ---- the pieces (also the Dask tasks) ------------------------------------------------
def loss_block(expo: Exposure, rows: np.ndarray, books: tuple[int, int]) -> np.ndarray:
    """Losses -pnl of books ``[a, b)`` under ``rows`` (c, K): shape (b - a, c)."""
    a, b = books
    out = expo.weights[a:b] @ rows.T
    out *= -expo.scale
    out -= expo.offset[a:b, None]
    return out


class Top(NamedTuple):
    """The ``m`` largest losses of each of b books (b, <= m), in no order, and each
    book's largest loss (b,) with its scenario row (b,) (the smallest row among ties)."""

    vals: np.ndarray
    worst: np.ndarray
    worst_row: np.ndarray


def chunk_top(losses: np.ndarray, start: int, m: int) -> Top:
    """The :class:`Top` of a loss block (b, c) whose columns are scenario rows ``start``..
    Values only (``numpy.partition``, several times faster than ``argpartition``)."""
    c = losses.shape[1]
    j = np.argmax(losses, axis=1)
    worst = losses[np.arange(losses.shape[0]), j]
    vals = losses.copy() if c <= m else np.partition(losses, c - m, axis=1)[:, c - m:].copy()
    return Top(vals, worst, j + start)


def merge_top(tops: Sequence[Top], m: int) -> Top:
    """The :class:`Top` of the union of several tops of the same books."""
    vals = np.concatenate([t.vals for t in tops], axis=1)
    c = vals.shape[1]
    if c > m:
        vals = np.partition(vals, c - m, axis=1)[:, c - m:].copy()
    worst, row = tops[0].worst, tops[0].worst_row
    for t in tops[1:]:
        take = (t.worst > worst) | ((t.worst == worst) & (t.worst_row < row))
        worst, row = np.where(take, t.worst, worst), np.where(take, t.worst_row, row)
    return Top(vals, worst, row)


def block_top(source: Source, expo: Exposure, books: tuple[int, int],
              bounds: tuple[int, int], m: int) -> Top:
    """One task: the :class:`Top` of books ``[a, b)`` over scenario rows ``[start, stop)``."""
    return chunk_top(loss_block(expo, source.rows(*bounds), books), bounds[0], m)


def var_es_from_top(top: Top, n: int, confidences: Sequence[float] = ALPHAS) -> TailVar:
    """VaR/ES from the m largest losses of each book among n scenarios.

    Sorted descending s_0 >= s_1 >= ..., with k = ceil(n alpha) and j = n - k:
    VaR = s_j = L_(k), ES = (sum_{i<j} s_i / n + VaR (k/n - alpha)) / (1 - alpha)
    (:func:`stress.risk.measures.var_es_historical`, the fractional tail atom). The sum
    runs over the sorted values, so it does not depend on the order of the merges."""
    s = np.sort(top.vals, axis=1)[:, ::-1]
    var, es = {}, {}
    for a in confidences:
        k = k_index(n, a)
        j = n - k
        if j >= s.shape[1]:
            raise ValueError(f"tail of {s.shape[1]} losses too short for alpha {a} over {n}")
        var[a] = s[:, j].copy()
        es[a] = (s[:, :j].sum(axis=1) / n + var[a] * (k / n - a)) / (1.0 - a)
    return TailVar(n, var, es, top.worst.copy(), top.worst_row.copy())


# ---- tails with their scenario rows (for contributions) ------------------------------
def chunk_tail(losses: np.ndarray, start: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``m`` largest losses of each row of ``losses`` (b, c) and their scenario rows
    (``start`` + column), shapes (b, min(m, c)), in no particular order."""
    c = losses.shape[1]
    if c <= m:
        idx = np.broadcast_to(np.arange(c), losses.shape)
        return losses.copy(), idx + start
    part = np.argpartition(losses, c - m, axis=1)[:, c - m:]
    return np.take_along_axis(losses, part, axis=1), part + start


def merge_tails(tails: Sequence[tuple[np.ndarray, np.ndarray]], m: int):
    """The ``m`` largest of the union of several (losses, rows) tails of the same books."""
    vals = np.concatenate([t[0] for t in tails], axis=1)
    rows = np.concatenate([t[1] for t in tails], axis=1)
    return chunk_tail_rows(vals, rows, m)


def chunk_tail_rows(vals: np.ndarray, rows: np.ndarray, m: int):
    c = vals.shape[1]
    if c <= m:
        return vals, rows
    part = np.argpartition(vals, c - m, axis=1)[:, c - m:]
    return np.take_along_axis(vals, part, axis=1), np.take_along_axis(rows, part, axis=1)


def block_tail(source: Source, expo: Exposure, books: tuple[int, int],
               bounds: tuple[int, int], m: int) -> tuple[np.ndarray, np.ndarray]:
    """One task: the tails of books ``[a, b)`` over scenario rows ``[start, stop)``."""
    rows = source.rows(*bounds)
    return chunk_tail(loss_block(expo, rows, books), bounds[0], m)


def concat_var(parts: Sequence[TailVar], confidences: Sequence[float]) -> TailVar:
    """Book blocks' results, in block order, as one result over all books."""
    return TailVar(parts[0].n, {a: np.concatenate([t.var[a] for t in parts]) for a in confidences},
                   {a: np.concatenate([t.es[a] for t in parts]) for a in confidences},
                   np.concatenate([t.worst for t in parts]),
                   np.concatenate([t.worst_index for t in parts]))


# ---- the in-process engine -----------------------------------------------------------
def tail_var(source: Source, expo: Exposure, p: Plan, confidences: Sequence[float] = ALPHAS) -> TailVar:
    """VaR/ES of every book over every scenario row of ``source``, chunk by chunk; nothing
    of size books x scenarios is kept (the grid streams with
    :func:`stress.scale.grid_parquet.write_grid`)."""
    blocks = p.blocks
    tops: list = [None] * len(blocks)
    for bounds in p.chunks:
        rows = source.rows(*bounds)
        for j, books in enumerate(blocks):
            t = chunk_top(loss_block(expo, rows, books), bounds[0], p.m)
            tops[j] = t if tops[j] is None else merge_top([tops[j], t], p.m)
    return concat_var([var_es_from_top(t, p.n, confidences) for t in tops], confidences)


# ---- per-position contributions to ES ------------------------------------------------
def tail_weights(vals: np.ndarray, rows: np.ndarray, n: int, alpha: float):
    """Scenario rows and weights w of each book's ES: ES = sum_i w_i L_i with
    w = 1 / (n (1 - alpha)) on the n - k largest losses and (k/n - alpha) / (1 - alpha)
    on the VaR scenario. Returns (rows (b, j + 1), weights (j + 1,))."""
    order = np.argsort(-vals, axis=1, kind="stable")
    k = k_index(n, alpha)
    j = n - k
    sel = np.take_along_axis(rows, order[:, : j + 1], axis=1)
    w = np.full(j + 1, 1.0 / (n * (1.0 - alpha)))
    w[j] = (k / n - alpha) / (1.0 - alpha)
    return sel, w


def es_contributions(source: Source, values: np.ndarray, asset_map: np.ndarray,
                     asset_offset: np.ndarray, sel: np.ndarray, w: np.ndarray,
                     p: Plan) -> np.ndarray:
    """Per-position ES contributions (P, N), positive = adds to the loss; rows sum to ES.

    Asset returns of a source row x are r = asset_offset + asset_map x (N,): the set's
    columns mapped to the held assets, or h mu + sqrt(h) L z for draws. With the tail
    rows ``sel`` and weights ``w`` of :func:`tail_weights`, position n of book p
    contributes -v_pn sum_i w_i r_{sel[p, i], n} (sum_i w_i = 1), whose sum over the
    positions is the book's ES exactly (Euler allocation of the empirical ES)."""
    mean_rows = tail_mean_rows(source, sel, w, p)  # (P, K)
    tail_returns = asset_offset[None, :] * w.sum() + mean_rows @ asset_map.T  # (P, N)
    return -values * tail_returns


def tail_mean_rows(source: Source, sel: np.ndarray, w: np.ndarray, p: Plan) -> np.ndarray:
    """sum_i w_i x_{sel[p, i]} per book, shape (P, K), chunk by chunk over the source."""
    n_books = sel.shape[0]
    out = None
    for start, stop in p.chunks:
        x = source.rows(start, stop)
        if out is None:
            out = np.zeros((n_books, x.shape[1]))
        inside = (sel >= start) & (sel < stop)
        books, cols = np.nonzero(inside)
        if books.size:
            np.add.at(out, books, w[cols, None] * x[sel[books, cols] - start])
    return out

