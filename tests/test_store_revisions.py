"""The store keeps its history: a write that changes stored closes is refused unless told
to replace, the replaced closes are kept as revisions, provenance counts rows per source."""

from __future__ import annotations

import csv
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from stress.cli import cli
from stress.data.store import PriceStore
from stress.errors import StoreConflict

DAYS = ["2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07"]


def _rows(ticker, dates, closes):
    return pd.DataFrame({"ticker": ticker, "date": dates, "close": closes})


def _snapshot(store):
    con = sqlite3.connect(store.path)
    out = [con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
           for t in ("prices", "tickers", "coverage", "revisions")]
    con.close()
    return out


def test_changing_write_is_refused_with_per_ticker_summary_and_changes_nothing(tmp_path):
    store = PriceStore(tmp_path / "p.sqlite")
    old = [10.0, 20.0, 40.0, 80.0]
    store.write(_rows("AAA", DAYS, old), source="a")
    store.write(_rows("BBB", DAYS, old), source="a")
    before = _snapshot(store)
    # AAA: two days change (x1.1 and x0.5), one unchanged, one new day; BBB: one day x3
    new_a = [10.0, 22.0, 20.0, 80.0]
    new_rows = pd.concat([_rows("AAA", DAYS, new_a), _rows("AAA", ["2025-01-08"], [81.0]),
                          _rows("BBB", DAYS[:1], [30.0])])
    with pytest.raises(StoreConflict) as err:
        store.write(new_rows, source="b")
    assert _snapshot(store) == before  # nothing written: not the new day, not the source
    want_a = [(d, o, n) for d, o, n in zip(DAYS, old, new_a) if n != o]
    largest = max(want_a, key=lambda x: abs(x[2] / x[1] - 1))
    assert len(want_a) == 2 and largest[0] == "2025-01-06"
    assert err.value.lines[0].startswith(f"AAA: {len(want_a)} stored day(s) would change")
    assert f"largest change {largest[2] / largest[1] - 1:+.2%} on {largest[0]}" in err.value.lines[0]
    assert err.value.lines[1].startswith("BBB: 1 stored day(s)") and "+200.00%" in err.value.lines[1]
    assert "nothing was written" in str(err.value) and "--replace" in str(err.value)
    assert err.value.exit_code == 2


def test_replacing_write_keeps_old_closes_as_revisions_and_counts_sources(tmp_path):
    store = PriceStore(tmp_path / "p.sqlite")
    store.write(_rows("AAA", DAYS, [10.0, 20.0, 40.0, 80.0]), source="a")
    store.write(_rows("AAA", DAYS[1:3], [22.0, 40.0]), source="b", on_change="replace")
    closes = store.read_closes(["AAA"])["AAA"].tolist()
    assert closes == [10.0, 22.0, 40.0, 80.0]
    hist = store.history("AAA")
    assert hist[["date", "old_close", "new_close", "old_source", "new_source"]].values.tolist() == [
        ["2025-01-03", 20.0, 22.0, "a", "b"]]  # the unchanged 40.0 is no revision
    assert hist["replaced_at"].str.endswith("Z").all()
    info = store.ticker_info("AAA")
    # the unchanged day keeps source "a": 3 rows from a, 1 from b
    assert info.sources == (("a", 3), ("b", 1)) and info.source == "a" and info.rows == 4


def test_replaced_range_records_deleted_days(tmp_path):
    """The re-fetch path (Yahoo re-adjusted) deletes a range and writes it again: a day the
    source no longer has is a revision to none, changed days are revisions too."""
    store = PriceStore(tmp_path / "p.sqlite")
    store.write(_rows("AAA", [*DAYS, "2025-01-04"], [10.0, 20.0, 40.0, 80.0, 1.0]), source="csv")
    with pytest.raises(StoreConflict):
        store.write(_rows("AAA", DAYS, [10.0, 20.0, 40.0, 80.0]), source="y", replace={"AAA": (DAYS[0], DAYS[-1])})
    store.write(_rows("AAA", DAYS, [9.8, 19.6, 40.0, 80.0]), source="y",
                replace={"AAA": (DAYS[0], DAYS[-1])}, on_change="replace")
    hist = store.history("AAA")
    got = [(d, o, None if np.isnan(n) else n) for d, o, n in hist[["date", "old_close", "new_close"]].values]
    assert got == [("2025-01-02", 10.0, 9.8), ("2025-01-03", 20.0, 19.6), ("2025-01-04", 1.0, None)]
    assert "2025-01-04" not in store.read_closes(["AAA"]).index.strftime("%Y-%m-%d")


def test_a_store_from_before_row_sources_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE prices (ticker TEXT NOT NULL, date TEXT NOT NULL, close REAL NOT NULL,
            open REAL, high REAL, low REAL, volume REAL, PRIMARY KEY (ticker, date)) WITHOUT ROWID;
        CREATE TABLE tickers (ticker TEXT PRIMARY KEY, source TEXT NOT NULL, fetched_at TEXT NOT NULL);
        INSERT INTO prices (ticker, date, close) VALUES ('AAA', '2025-01-02', 1.0), ('AAA', '2025-01-03', 2.0);
        INSERT INTO tickers VALUES ('AAA', 'csv:/x/AAA.csv', '2025-01-05T00:00:00Z');
    """)
    con.commit()
    con.close()
    store = PriceStore(path)
    assert store.ticker_info("AAA").sources == (("csv:/x/AAA.csv", 2),)
    with pytest.raises(StoreConflict):
        store.write(_rows("AAA", ["2025-01-02"], [1.5]), source="b")


def _cli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_reimport_of_a_changed_file_is_refused_then_replaced_on_the_real_data(sample_dir, tmp_path):
    """The issue's reproduction: VST with January 2025 closes doubled."""
    src = sample_dir / "daily-close" / "VST.csv"
    lines = list(csv.reader(src.open()))
    jan = [(d, float(c)) for d, c in lines[1:] if d.startswith("2025-01")]
    changed = tmp_path / "VST.csv"
    with changed.open("w", newline="") as fh:
        csv.writer(fh).writerows([lines[0], *[(d, repr(2 * c)) for d, c in jan]])
    assert _cli("prices", "import", str(src)).exit_code == 0
    show = ["--offline", "prices", "show", "VST", "--start", "2025-01-01", "--end", "2025-01-31", "--json"]
    before = json.loads(_cli(*show).stdout)
    res = _cli("prices", "import", str(changed))
    assert res.exit_code == 2
    lines_err = res.stderr.strip().splitlines()
    assert lines_err[0].startswith(f"VST: {len(jan)} stored day(s) would change, largest change +100.00%")
    assert lines_err[-1].startswith("error: ") and "--replace" in lines_err[-1]
    assert json.loads(_cli(*show).stdout) == before
    assert "no stored close has been replaced" in _cli("prices", "history", "VST").stderr

    res = _cli("prices", "import", str(changed), "--replace")
    assert res.exit_code == 0, res.output
    assert (f"warning: VST: {len(jan)} stored day(s) were replaced, largest change +100.00%" in res.stderr
            and "`stress prices history VST`" in res.stderr)
    after = json.loads(_cli(*show).stdout)["prices"]
    assert [p["close"] for p in after] == [2 * c for _, c in jan]
    hist = json.loads(_cli("prices", "history", "VST", "--json").stdout)["revisions"]
    assert [(h["date"], h["old_close"], h["new_close"]) for h in hist] == [(d, c, 2 * c) for d, c in jan]
    listed = {t["ticker"]: t for t in json.loads(_cli("prices", "list", "--json").stdout)["tickers"]}
    n_all = len(lines) - 1
    assert listed["VST"]["sources"] == [
        {"source": f"csv:{src.resolve()}", "rows": n_all - len(jan)},
        {"source": f"csv:{changed.resolve()}", "rows": len(jan)}]
