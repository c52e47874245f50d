"""The SQLite price store: round trip, coverage and incremental refresh, crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from stress.data.store import PriceStore, subtract_ranges


def _rows(ticker, dates, closes):
    return pd.DataFrame({"ticker": ticker, "date": dates, "close": closes})


def test_round_trip_keeps_values_gaps_and_order(tmp_path):
    store = PriceStore(tmp_path / "p.sqlite")
    store.write(_rows("AAA", ["2025-01-02", "2025-01-03", "2025-01-07"], [1.5, 2.25, 3.125]), source="t")
    store.write(_rows("BBB", ["2025-01-02", "2025-01-06"], [10.0, 11.0]), source="t")
    closes = store.read_closes(["BBB", "AAA", "ZZZ"])
    assert list(closes.columns) == ["BBB", "AAA", "ZZZ"]
    assert [d.strftime("%Y-%m-%d") for d in closes.index] == [
        "2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07"]
    # gaps stay NaN, unknown ticker is an all-NaN column
    assert np.isnan(closes.loc["2025-01-03", "BBB"]) and np.isnan(closes.loc["2025-01-06", "AAA"])
    assert closes["ZZZ"].isna().all()
    assert closes.loc["2025-01-07", "AAA"] == 3.125
    info = {i.ticker: i for i in store.info()}
    assert (info["AAA"].first, info["AAA"].last, info["AAA"].rows) == ("2025-01-02", "2025-01-07", 3)
    assert info["AAA"].source == "t" and info["AAA"].fetched_at.endswith("Z")


def test_rewrite_replaces_rows_and_rejects_non_positive(tmp_path):
    store = PriceStore(tmp_path / "p.sqlite")
    store.write(_rows("AAA", ["2025-01-02"], [1.0]), source="a")
    store.write(_rows("AAA", ["2025-01-02"], [2.0]), source="b", on_change="replace")
    assert store.read_closes(["AAA"]).iloc[0, 0] == 2.0
    with pytest.raises(Exception):
        store.write(_rows("AAA", ["2025-01-03"], [-1.0]), source="c")
    # the failed transaction left nothing behind
    assert len(store.read_closes(["AAA"])) == 1
    assert store.ticker_info("AAA").source == "b"


def test_info_for_is_info_of_the_named_stored_tickers(tmp_path):
    store = PriceStore(tmp_path / "p.sqlite")
    store.write(_rows("BBB", ["2025-01-02", "2025-01-06"], [10.0, 11.0]), source="t")
    store.write(_rows("AAA", ["2025-01-03"], [1.0]), source="t")
    store.write(_rows("CCC", [], []), source="y", covered={"CCC": ("2025-01-04", "2025-01-05")})
    everything = store.info()
    assert [i.ticker for i in everything] == ["AAA", "BBB", "CCC"]
    assert [(i.rows, i.first, i.last) for i in everything] == [
        (1, "2025-01-03", "2025-01-03"), (2, "2025-01-02", "2025-01-06"), (0, None, None)]
    for names in (["CCC", "AAA", "ZZZ"], ["BBB", "BBB"], [], ["ZZZ"]):
        expected = [i for i in everything if i.ticker in names]
        assert store.info_for(iter(names)) == expected  # any iterable, once
    assert store.ticker_info("BBB") == everything[1] and store.ticker_info("ZZZ") is None


def test_subtract_ranges_independent_of_store():
    cov = [("2025-01-10", "2025-01-20"), ("2025-02-01", "2025-02-05")]
    assert subtract_ranges("2025-01-01", "2025-02-10", cov) == [
        ("2025-01-01", "2025-01-09"), ("2025-01-21", "2025-01-31"), ("2025-02-06", "2025-02-10")]
    assert subtract_ranges("2025-01-12", "2025-01-15", cov) == []
    assert subtract_ranges("2025-01-12", "2025-01-25", cov) == [("2025-01-21", "2025-01-25")]
    assert subtract_ranges("2025-03-01", "2025-03-02", cov) == [("2025-03-01", "2025-03-02")]


def test_coverage_merges_and_missing_ranges_shrink(tmp_path):
    store = PriceStore(tmp_path / "p.sqlite")
    store.write(_rows("AAA", ["2025-01-02"], [1.0]), source="y", covered={"AAA": ("2025-01-01", "2025-01-31")})
    store.write(_rows("AAA", ["2025-02-03"], [1.0]), source="y", covered={"AAA": ("2025-02-01", "2025-02-28")})
    assert store.coverage("AAA") == [("2025-01-01", "2025-02-28")]
    assert store.missing_ranges("AAA", "2024-12-15", "2025-03-10") == [
        ("2024-12-15", "2024-12-31"), ("2025-03-01", "2025-03-10")]
    assert store.missing_ranges("AAA", "2025-01-05", "2025-02-20") == []


WRITER = textwrap.dedent(
    """
    import sys, pandas as pd
    from stress.data.store import PriceStore
    store = PriceStore(sys.argv[1])
    dates = pd.bdate_range("2000-01-03", periods=4000).strftime("%Y-%m-%d")
    batch = 0
    while True:
        batch += 1
        frame = pd.DataFrame({"ticker": f"T{batch:05d}", "date": dates, "close": float(batch)})
        store.write(frame, source="w")
        print(batch, flush=True)
    """
)


def test_kill_9_mid_write_leaves_readable_store_with_complete_batches(tmp_path):
    path = tmp_path / "p.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        done = 0
        deadline = time.time() + 60
        while done < 3 and time.time() < deadline:  # let a few batches commit, then kill mid-stream
            line = proc.stdout.readline()
            if line:
                done = int(line)
        time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert done >= 3
    store = PriceStore(path)  # opens and recovers
    info = store.info()
    assert len(info) >= done
    for i in info:  # every ticker present is complete: no half-written batch
        assert i.rows == 4000, i
    closes = store.read_closes([i.ticker for i in info[:3]])
    assert closes.notna().all().all()


def test_concurrent_readers_while_writer_writes(tmp_path):
    path = tmp_path / "p.sqlite"
    PriceStore(path).close()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        proc.stdout.readline()  # first batch committed
        reader = PriceStore(path)
        seen = 0
        for _ in range(20):  # read while the writer keeps writing
            info = reader.info()
            assert all(i.rows == 4000 for i in info)
            seen = max(seen, len(info))
            time.sleep(0.02)
        assert seen >= 1
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
