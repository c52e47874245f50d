"""Large imports stream: chunks of rows in one transaction, memory bounded by the chunk,
progress reported; the result is the same as reading the file whole (issue 12)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from stress.data.importer import import_csv
from stress.data.store import PriceStore
from stress.errors import InputError, StoreConflict

ROOT = Path(__file__).resolve().parents[1]


def _long_file(path: Path, tickers: int, days: int, scale: float = 1.0) -> dict:
    dates = pd.bdate_range("2020-01-02", periods=days).strftime("%Y-%m-%d")
    want = {}
    with path.open("w") as fh:
        fh.write("ticker,date,close\n")
        for i in range(tickers):
            closes = [round((10 + i + 0.01 * j) * scale, 4) for j in range(days)]
            want[f"T{i:02d}"] = closes
            fh.writelines(f"T{i:02d},{d},{c!r}\n" for d, c in zip(dates, closes))
    return want


def test_chunked_import_stores_what_the_file_says(tmp_path):
    f = tmp_path / "long.csv"
    want = _long_file(f, 4, 30)
    seen = []
    with PriceStore(tmp_path / "p.sqlite") as store:
        report = import_csv(store, [f], chunk_rows=7, on_progress=lambda p, a, b: seen.append((a, b)))
        closes = store.read_closes(list(want))
        for t, c in want.items():
            assert closes[t].tolist() == c
            assert store.coverage(t) == [("2020-01-02", f"{closes.index[-1]:%Y-%m-%d}")]
    assert [r["rows"] for r in report.rows] == [30] * 4
    size = f.stat().st_size
    assert len(seen) >= 120 // 7 and seen[-1] == (size, size)
    assert all(a <= b for (a, _), (b, _) in zip(seen, seen[1:]))


def test_a_duplicate_date_in_a_later_chunk_is_found_and_nothing_is_written(tmp_path):
    good = tmp_path / "a.csv"
    _long_file(good, 2, 10)
    bad = tmp_path / "b.csv"
    bad.write_text("ticker,date,close\n" + "".join(f"X,2020-01-{d:02d},1.0\n" for d in range(2, 12))
                   + "X,2020-01-03,1.0\n")
    with PriceStore(tmp_path / "p.sqlite") as store:
        with pytest.raises(InputError, match=rf"{bad}, line 12: duplicate date 2020-01-03 for X \(first at line 3\)"):
            import_csv(store, [good, bad], chunk_rows=3)
        assert store.tickers() == []  # the first file, already streamed, was rolled back


def test_changes_are_summed_over_chunks_and_refused_together(tmp_path):
    f = tmp_path / "long.csv"
    _long_file(f, 2, 20)
    with PriceStore(tmp_path / "p.sqlite") as store:
        import_csv(store, [f])
        before = store.read_closes(["T00", "T01"])
        g = tmp_path / "g.csv"
        _long_file(g, 2, 20, scale=1.5)
        with pytest.raises(StoreConflict) as err:
            import_csv(store, [g], chunk_rows=6)
        assert [line.split(",")[0] for line in err.value.lines] == [
            "T00: 20 stored day(s) would change", "T01: 20 stored day(s) would change"]
        assert "+50.00%" in err.value.lines[0]
        pd.testing.assert_frame_equal(store.read_closes(["T00", "T01"]), before)
        import_csv(store, [g], chunk_rows=6, replace=True)
        assert len(store.history("T00")) == 20


MEASURE = textwrap.dedent("""
    import sys
    import pandas, numpy  # the baseline holds the libraries
    from stress.data.importer import import_csv
    from stress.data.store import PriceStore

    def peak_kb():  # VmHWM: this process's peak RSS (ru_maxrss keeps the parent's across exec)
        with open("/proc/self/status") as fh:
            return int(next(line for line in fh if line.startswith("VmHWM")).split()[1])

    base = peak_kb()
    with PriceStore(sys.argv[2]) as store:
        import_csv(store, [sys.argv[1]], chunk_rows=int(sys.argv[3]))
    print(peak_kb() - base)
""")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_memory_is_bounded_by_the_chunk_not_the_file(tmp_path):
    f = tmp_path / "big.csv"
    _long_file(f, 40, 2500)  # 100,000 rows
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def grow(chunk):
        out = subprocess.run([sys.executable, "-c", MEASURE, str(f), str(tmp_path / f"{chunk}.sqlite"),
                              str(chunk)], env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        return int(out.stdout)

    streamed, whole = grow(5_000), grow(10**9)
    assert streamed < whole / 3, (streamed, whole)
