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
from pathlib import Path

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


def read_scenario_set(path: str | Path) -> ScenarioMatrix:
    """Read a scenario set file (``.csv``, ``.parquet``/``.pq``); see the module doc."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such scenario file")
    parquet = path.suffix.lower() in (".parquet", ".pq")
    try:
        if parquet:
            frame = pd.read_parquet(path)
        else:  # numbers parsed by pandas' C reader; a column with a bad cell stays text
            head = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
            ids_as_text = {c: str for c in head if str(c).strip().lower() == ID_COLUMN}
            frame = pd.read_csv(path, dtype=ids_as_text, keep_default_na=False, na_values=[""],
                                skip_blank_lines=False, encoding="utf-8-sig")
    except (pd.errors.EmptyDataError, UnicodeDecodeError):
        raise InputError(f"{path}, line 1: empty scenario file or not UTF-8 text: expected a header "
                         "of tickers, then one row of returns per scenario") from None
    except Exception as exc:
        raise InputError(f"{path}: cannot read: {type(exc).__name__}: {exc}") from None
    where, offset = ("row", 1) if parquet else ("line", 2)
    cols = [str(c).strip() for c in (frame.columns if parquet else _csv_header(path))]
    if len(cols) != frame.shape[1]:
        raise InputError(f"{path}, line 1: cannot read the header")
    ids = None
    if ID_COLUMN in (c.lower() for c in cols):
        j = [c.lower() for c in cols].index(ID_COLUMN)
        ids = tuple(str(x) for x in frame.iloc[:, j])
        frame = frame.iloc[:, [i for i in range(frame.shape[1]) if i != j]]
        cols.pop(j)
    tickers = [c.upper() for c in cols]
    dup = sorted({t for t in tickers if tickers.count(t) > 1})
    bad_names = [c for c in cols if not c or c.lower().startswith("unnamed:")]
    if not tickers or dup or bad_names:
        what = ("no ticker columns" if not tickers else f"repeated column {', '.join(dup)}"
                if dup else "an empty column name")
        raise InputError(f"{path}, {where} {offset - 1 or 1}: {what} in the header")
    if frame.empty:
        raise InputError(f"{path}: a header but no scenarios")
    values = np.column_stack([
        c.to_numpy(dtype=float) if pd.api.types.is_float_dtype(c)
        or pd.api.types.is_integer_dtype(c)
        else pd.to_numeric(c, errors="coerce").to_numpy(dtype=float)
        for _, c in frame.items()])
    bad = ~np.isfinite(values) | (values <= -1.0)
    if bad.any():
        raw = frame.to_numpy()
        shown = []
        for i, j in np.argwhere(bad):
            cell = str(raw[i, j]).strip()
            why = ("empty" if cell in ("", "nan", "None") else f"{cell!r} is not a finite number"
                   if not np.isfinite(values[i, j]) else f"{cell} is a loss of 100% or more")
            shown.append(f"{where} {i + offset}, {tickers[j]}: {why}")
        raise InputError(f"{path}: {len(shown)} bad cell(s) (returns are fractions > -1): "
                         + "; ".join(shown))
    if ids is not None:
        seen: dict[str, int] = {}
        for i, s in enumerate(ids):
            if s in seen:
                raise InputError(f"{path}, {where} {i + offset}: scenario {s!r} repeated "
                                 f"({where} {seen[s] + offset})")
            seen[s] = i
    ids = ids or tuple(str(i + 1) for i in range(len(frame)))
    return ScenarioMatrix(np.ascontiguousarray(values), tuple(tickers), ids, str(path))


def _csv_header(path: Path) -> list[str]:
    """The first line's cells as written (pandas renames a repeated name to NAME.1)."""
    import csv

    with open(path, newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh), [])
