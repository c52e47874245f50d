"""Make a book batch and a scenario set from real tickers, for `stress run --books`.

    python benchmarks/make_batch.py --books 1000 --scenarios 100000 --out /tmp/batch
    stress --offline run --books /tmp/batch/books.csv --scenarios /tmp/batch/scenarios.parquet --var

Books: ``--books`` books of 5 to 30 tickers drawn from the tickers of
``configs/universe.yaml`` that have prices in ``--data`` (daily-close/TICKER.csv, default
$STRESS_SAMPLE_DATA), 10 to 2,000 shares each, one long table ``book,ticker,shares``.
Scenarios: ``--scenarios`` rows, each the sum of the real daily returns of every ticker
over a random stretch of 1 to 5 consecutive sessions (dates drawn with replacement from
the last ``--years`` years), so that co-movements are the real ones; one column per
ticker, returns as fractions. Everything is seeded (``--seed``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def _universe() -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from stress.config import load_universe

    return list(load_universe().tickers())


def closes(data: Path, tickers: list[str]) -> pd.DataFrame:
    frames = {}
    for t in tickers:
        f = data / "daily-close" / f"{t}.csv"
        if f.is_file():
            s = pd.read_csv(f, index_col="Date", parse_dates=True)["Close"]
            frames[t] = s
    return pd.DataFrame(frames).sort_index()


def make(n_books: int, n_scen: int, out: Path, data: Path, seed: int = 7, years: int = 5,
         books_name: str = "books.csv", scen_name: str = "scenarios.parquet") -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    px = closes(data, _universe())
    tickers = list(px.columns)
    rows = []
    for b in range(n_books):
        k = int(rng.integers(5, 31))
        for t in rng.choice(tickers, size=k, replace=False):
            rows.append((f"book{b + 1:05d}", t, int(rng.integers(10, 2001))))
    books = pd.DataFrame(rows, columns=["book", "ticker", "shares"])
    rets = px.pct_change().iloc[1:]
    rets = rets[rets.index >= rets.index[-1] - pd.DateOffset(years=years)].fillna(0.0)
    x = rets.to_numpy()
    length = rng.integers(1, 6, size=n_scen)
    start = rng.integers(0, len(x) - 5, size=n_scen)
    c = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(np.log1p(x), axis=0)])
    scen = np.expm1(c[start + length] - c[start])  # compounded return over the stretch
    frame = pd.DataFrame(scen, columns=tickers)
    frame.insert(0, "scenario", [f"s{i + 1:06d}" for i in range(n_scen)])
    out.mkdir(parents=True, exist_ok=True)
    bp, sp = out / books_name, out / scen_name
    for frame_, path in ((books, bp), (frame, sp)):
        if path.suffix == ".parquet":
            frame_.to_parquet(path, index=False)
        else:
            frame_.to_csv(path, index=False)
    return bp, sp


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--books", type=int, default=1000)
    ap.add_argument("--scenarios", type=int, default=100_000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("STRESS_SAMPLE_DATA", "")))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--books-name", default="books.csv")
    ap.add_argument("--scenarios-name", default="scenarios.parquet")
    a = ap.parse_args(argv)
    if not (a.data / "daily-close").is_dir():
        ap.error(f"--data {a.data}: no daily-close/ folder (set STRESS_SAMPLE_DATA)")
    bp, sp = make(a.books, a.scenarios, a.out, a.data, a.seed, a.years, a.books_name,
                  a.scenarios_name)
    print(f"wrote {bp} and {sp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
