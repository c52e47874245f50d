"""Book batches and scenario set files: good files parse to the numbers written; a bad
file gives ONE line naming every bad row (book, line or row, column)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stress.errors import InputError
from stress.portfolio.batch import read_books
from stress.data.scenario_files import read_scenario_set


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def error_of(fn, path: Path, **kw) -> str:
    with pytest.raises(InputError) as exc:
        fn(path, **kw)
    msg = str(exc.value)
    assert "\n" not in msg and str(path) in msg
    return msg


def test_long_csv_groups_books_in_order(tmp_path):
    p = write(tmp_path, "books.csv", "book,ticker,shares\n# a comment\nB,VST,10\nA,nvda,5\n"
              "B,CASH,100\n\nA,SPY,2\n")
    batch = read_books(p)
    assert batch.names == ("B", "A")
    b, a = batch.books
    assert b.tickers == ("VST",) and b.cash == 100.0 and b.positions[0].line == 3
    assert a.tickers == ("NVDA", "SPY") and [q.quantity for q in a.positions] == [5.0, 2.0]
    assert [q.line for q in a.positions] == [4, 7]
    assert batch.tickers == ("VST", "NVDA", "SPY")
    assert str(a.path) == f"{p} [book A]"


def test_parquet_equals_csv(tmp_path):
    frame = pd.DataFrame({"book": ["x", "x", "y"], "ticker": ["VST", "CEG", "VST"],
                          "weight": [0.6, 0.4, 1.0]})
    frame.to_parquet(tmp_path / "b.parquet", index=False)
    frame.to_csv(tmp_path / "b.csv", index=False)
    pq, csv = read_books(tmp_path / "b.parquet"), read_books(tmp_path / "b.csv")
    assert pq.names == csv.names == ("x", "y")
    for b1, b2 in zip(pq.books, csv.books):
        assert b1.kind == b2.kind == "weight"
        assert [(q.ticker, q.quantity) for q in b1.positions] == \
            [(q.ticker, q.quantity) for q in b2.positions]


def test_every_bad_row_is_named_in_one_line(tmp_path):
    p = write(tmp_path, "books.csv", "book,ticker,weight\nA,VST,0.5\nA,CEG,abc\nB,,0.3\n"
              "B,NVDA,1\nC,VST,0.5\nC,VST,0.5\n,SPY,1\nD,SPY,0.4\n")
    msg = error_of(read_books, p)
    assert "book A, line 3: CEG: weight 'abc' is not a number" in msg
    assert "book B, line 4: empty ticker" in msg
    assert "book C, line 7: duplicate ticker VST (also on line 6)" in msg
    assert "line 8: empty book" in msg
    assert "book D" in msg and "sum to 0.4" in msg
    assert msg.count(";") >= 4


def test_parquet_problems_name_rows(tmp_path):
    pd.DataFrame({"book": ["a", "a"], "ticker": ["VST", "CEG"],
                  "shares": [1.0, float("inf")]}).to_parquet(tmp_path / "b.parquet", index=False)
    msg = error_of(read_books, tmp_path / "b.parquet")
    assert "book a, row 2: CEG: shares" in msg and "finite" in msg


@pytest.mark.parametrize("text, expect", [
    ("ticker,shares\nVST,1\n", "no 'book' column"),
    ("book,ticker\nA,VST\n", "no quantity column"),
    ("book,ticker,shares,weight\nA,VST,1,1\n", "mixed quantity columns shares, weight"),
    ("book,ticker,shares\n", "a header but no positions"),
])
def test_bad_headers(tmp_path, text, expect):
    assert expect in error_of(read_books, write(tmp_path, "b.csv", text))


def test_folder_of_books_collects_every_bad_file(tmp_path):
    d = tmp_path / "books"
    d.mkdir()
    write(d, "good.csv", "ticker,shares\nVST,10\n")
    write(d, "bad1.csv", "ticker,shares\nVST,x\n")
    write(d, "bad2.yaml", "positions:\n  - {ticker: CEG}\n")
    msg = error_of(read_books, d)
    assert "bad1.csv, line 2" in msg and "bad2.yaml, line 2" in msg
    (d / "bad1.csv").unlink()
    (d / "bad2.yaml").unlink()
    assert read_books(d).names == ("good",)


def test_scenario_set_csv_and_parquet(tmp_path):
    p = write(tmp_path, "s.csv", "scenario,vst,SPY\ncrash,-0.3,-0.05\nrally,0.1,0.02\n")
    s = read_scenario_set(p)
    assert s.columns == ("VST", "SPY") and s.ids == ("crash", "rally")
    np.testing.assert_array_equal(s.returns, [[-0.3, -0.05], [0.1, 0.02]])
    pd.DataFrame({"VST": [-0.3, 0.1], "SPY": [-0.05, 0.02]}).to_parquet(tmp_path / "s.parquet")
    q = read_scenario_set(tmp_path / "s.parquet")
    assert q.ids == ("1", "2")
    np.testing.assert_array_equal(q.returns, s.returns)


def test_scenario_set_bad_cells_all_named(tmp_path):
    p = write(tmp_path, "s.csv", "VST,SPY\n-0.3,x\n\n-1.2,0.1\n0.1,\n")
    msg = error_of(read_scenario_set, p)
    assert "line 2, SPY: 'x' is not a finite number" in msg
    assert "line 3, VST: empty" in msg and "line 3, SPY: empty" in msg
    assert "line 4, VST: -1.2 is a loss of 100% or more" in msg
    assert "line 5, SPY: empty" in msg
    for text, expect in [("VST,vst\n0.1,0.2\n", "repeated column VST"),
                         ("VST,SPY,VST\n0.1,0.2,0.3\n", "repeated column VST"),
                         ("scenario,VST\na,0.1\na,0.2\n", "scenario 'a' repeated"),
                         ("VST,SPY\n", "a header but no scenarios")]:
        assert expect in error_of(read_scenario_set, write(tmp_path, "t.csv", text))
