"""Reading scenario set files (CSV or Parquet) into a
:class:`~stress.scenarios.sets.ScenarioMatrix`: the data-layer edge of scenario sets
(the numeric part, including seeded Monte Carlo blocks, is :mod:`stress.scenarios.sets`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stress.errors import InputError
from stress.scenarios.sets import ID_COLUMN, ScenarioMatrix


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

