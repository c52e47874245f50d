"""4. Loading 100 tickers x 10 years of closes from the store, against reading CSVs."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from benchmarks import slow, synthetic
from benchmarks.harness import Row, interleave


def run(quick: bool, repeats: int) -> Row:
    from stress.data.importer import import_csv
    from stress.data.store import PriceStore

    n_tickers, n_days = (5, 252) if quick else (100, 2520)
    row = Row("store-load", f"{n_tickers} tickers x {n_days} days", max_seconds=0.3,
              slow_label="pandas.read_csv per ticker + concat", judge=not quick)
    with tempfile.TemporaryDirectory(prefix="stress-bench-") as tmp:
        folder = Path(tmp) / "csv"
        names = synthetic.write_price_csvs(folder, n_tickers, n_days, seed=4)
        db = Path(tmp) / "prices.sqlite"
        with PriceStore(db) as store:
            import_csv(store, [folder])

        def ours():
            with PriceStore(db) as store:  # open + read + close, as a command does
                return store.read_closes(names)

        t = interleave({"ours": ours, "slow": lambda: slow.read_csvs(folder, names)}, repeats, ours="ours")
        fast, ref = t["ours"], t["slow"]
    a, b = fast.result, ref.result
    assert list(a.columns) == list(b.columns), "columns differ"
    assert a.index.equals(b.index), "dates differ"
    np.testing.assert_array_equal(a.isna().to_numpy(), b.isna().to_numpy())
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12, equal_nan=True)
    return row.record(fast, ref, f"store-load: ours = open the SQLite store + read_closes (wide frame, "
                      f"NaN gaps, {int(a.isna().to_numpy().sum())} gaps); slow = {row.slow_label}; "
                      "same frame checked (values, dates, gaps).")
