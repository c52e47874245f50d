"""The full books-by-scenarios P&L grid, streamed to one Parquet file block by block.

Long layout, one row per (book, scenario): ``book`` (dictionary-encoded string),
``scenario`` (dictionary-encoded string: the set's ids), ``pnl`` (float64, currency,
negative = loss). Each (book block x scenario chunk) block of the grid is one row group,
written as soon as it is computed and then dropped, so memory stays at one block
(:mod:`stress.risk.chunked`, ``+ 40 b c`` bytes in its formula) whatever the grid's size.
Rows are ordered by scenario chunk, then book, then scenario.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from stress.errors import InputError
from stress.risk.chunked import Exposure, Plan, Source, loss_block


def write_grid(path: str | Path, source: Source, expo: Exposure, p: Plan,
               books: Sequence[str], scenarios: Sequence[str]) -> int:
    """Stream the grid of ``expo`` over every row of ``source`` to ``path``; return the
    number of rows written (books x scenarios)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    book_dict = pa.array(list(books), type=pa.string())
    scen_dict = pa.array(list(scenarios), type=pa.string())
    schema = pa.schema([("book", pa.dictionary(pa.int32(), pa.string())),
                        ("scenario", pa.dictionary(pa.int32(), pa.string())),
                        ("pnl", pa.float64())])
    try:
        writer = pq.ParquetWriter(path, schema)
    except OSError as exc:
        raise InputError(f"--grid-out {path}: cannot write: {exc}") from None
    written = 0
    with writer:
        for start, stop in p.chunks:
            rows = source.rows(start, stop)
            c = stop - start
            for a, b in p.blocks:
                pnl = loss_block(expo, rows, (a, b))
                np.negative(pnl, out=pnl)
                bi = np.repeat(np.arange(a, b, dtype=np.int32), c)
                si = np.tile(np.arange(start, stop, dtype=np.int32), b - a)
                table = pa.table([pa.DictionaryArray.from_arrays(bi, book_dict),
                                  pa.DictionaryArray.from_arrays(si, scen_dict),
                                  pa.array(pnl.ravel())], schema=schema)
                writer.write_table(table)
                written += table.num_rows
                del pnl, table, bi, si
    return written
