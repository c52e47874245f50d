"""Scenario sets: many scenarios as rows of a matrix, read from a file or drawn in blocks.

A scenario set file (CSV or Parquet) has one row per scenario and one column per ticker
or factor, each cell the scenario's return as a fraction (-0.05 = -5%); an optional
``scenario`` column names the rows (default: their 1-based row numbers). Every cell must
be a finite number > -1; problems name the line (CSV) or row (Parquet) and column.

A scenario *source* hands out rows ``[start, stop)`` of a matrix (S, K) on request, so
that the engine never needs all S rows at once:

* :class:`ScenarioMatrix`: the rows of a file, in memory;
* :class:`NormalDraws`: standard normal draws Z (n, K) made in fixed blocks of
  :data:`BLOCK` rows; block ``i`` comes from its own generator,
  ``numpy.random.default_rng(SeedSequence(seed, spawn_key=(i,)))`` (the i-th child of
  ``SeedSequence(seed).spawn``), so row j of the draws is the same whatever chunks the
  rows are asked for in (and whatever the total n).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stress.errors import InputError

#: rows per generator block of Monte Carlo draws (fixed: changing it changes the draws)
BLOCK = 1000
ID_COLUMN = "scenario"


@dataclass(frozen=True)
class ScenarioMatrix:
    """Scenario returns in memory: ``returns`` (S, K) over ``columns``, ``ids`` (S,)."""

    returns: np.ndarray
    columns: tuple[str, ...]
    ids: tuple[str, ...] = ()
    source: str = ""

    @property
    def n(self) -> int:
        return int(self.returns.shape[0])

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Rows ``[start, stop)``, shape (stop - start, K)."""
        return self.returns[start:stop]


@dataclass(frozen=True)
class NormalDraws:
    """``n`` rows of K independent standard normals, made block by block from ``seed``."""

    n: int
    k: int
    seed: int = 0
    block: int = field(default=BLOCK)

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Rows ``[start, stop)`` of the draws, shape (stop - start, K)."""
        stop = min(stop, self.n)
        if stop <= start:
            return np.zeros((0, self.k))
        first, last = start // self.block, (stop - 1) // self.block
        parts = [self.block_rows(i) for i in range(first, last + 1)]
        out = parts[0] if len(parts) == 1 else np.concatenate(parts)
        off = first * self.block
        return out[start - off: stop - off]

    def block_rows(self, i: int) -> np.ndarray:
        """Block ``i``: rows ``[i * block, min((i + 1) * block, n))``."""
        rows = min(self.block, self.n - i * self.block)
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(i,)))
        return rng.standard_normal((rows, self.k))


def chunk_bounds(n: int, size: int, align: int = 1) -> list[tuple[int, int]]:
    """``[start, stop)`` pairs covering ``range(n)`` in chunks of ``size`` rows, ``size``
    rounded up to a multiple of ``align`` (the draw block), the last chunk shorter."""
    if size < 1:
        raise InputError(f"chunk size {size}: must be at least 1 scenario")
    step = -(-int(size) // align) * align
    return [(s, min(s + step, n)) for s in range(0, n, step)]
