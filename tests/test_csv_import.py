"""CSV import: the shapes users have, each bad input's one clear error, real files exactly."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from stress.cli import cli
from stress.data.csvfiles import read_price_csv
from stress.data.importer import import_csv
from stress.data.store import PriceStore
from stress.errors import InputError


def write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "body, message",
    [
        ("Date,Close\n2025-01-02,1.0\n2025-13-40,2.0\n", "line 3: unparseable date '2025-13-40'"),
        ("Date,Close\n2025-01-02,1.0\n2025-01-03,abc\n", "line 3: non-numeric close 'abc'"),
        ("Date,Close\n2025-01-02,1.0\n2025-01-03,0\n", "line 3: non-positive close 0"),
        ("Date,Close\n2025-01-02,1.0\n2025-01-03,-2.5\n", "line 3: non-positive close -2.5"),
        ("Date,Close\n2025-01-02,1.0\n2025-01-03,2\n2025-01-02,3\n",
         "line 4: duplicate date 2025-01-02 for VST (first at line 2)"),
        ("", "empty file"),
        ("Date,Open\n2025-01-02,1.0\n", "no Close or Adj Close column"),
        ("Close,Date\n1.0,2025-01-02\n", "expected a 'Date' column first"),
        ("Date,Close\n2025-01-02\n", "line 2: 1 fields, expected 2"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path, body, message):
    path = write(tmp_path / "VST.csv", body)
    with pytest.raises(InputError) as exc:
        read_price_csv(path)
    text = str(exc.value)
    assert str(path) in text and message in text
    assert "\n" not in text


def test_long_table_errors_name_the_line(tmp_path):
    path = write(tmp_path / "long.csv", "ticker,date,close\nVST,2025-01-02,1\nCEG,2025-01-02,x\n")
    with pytest.raises(InputError, match=r"long.csv, line 3: non-numeric close 'x'"):
        read_price_csv(path)


def test_shapes_yfinance_multiheader_long_and_adj_close(tmp_path):
    yf = write(tmp_path / "yf.csv",
               "Price,Close,High,Low,Open,Volume\nTicker,VST,VST,VST,VST,VST\nDate,,,,,\n"
               "2025-01-02,10,11,9,9.5,100\n2025-01-03,10.5,11,9,10,200\n")
    parsed = read_price_csv(yf)
    assert parsed.tickers == ["VST"]
    assert parsed.rows[["close", "high", "low", "open", "volume"]].iloc[1].tolist() == [10.5, 11, 9, 10, 200]
    multi = write(tmp_path / "multi.csv",
                  "Price,Close,Close\nTicker,VST,CEG\nDate,,\n2025-01-02,10,20\n2025-01-03,,21\n")
    parsed = read_price_csv(multi)
    assert parsed.tickers == ["CEG", "VST"]
    assert parsed.gaps == {"VST": [5]}  # an empty cell is a gap, reported with its line
    long = write(tmp_path / "long.csv", "Ticker,Date,Close\nvst,2025-01-02,1\nCEG,2025-01-02,2\n")
    assert read_price_csv(long).tickers == ["CEG", "VST"]
    adj = write(tmp_path / "NRG.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n2025-01-02,1,2,0.5,1.5,1.4,10\n")
    row = read_price_csv(adj).rows.iloc[0]
    assert row["ticker"] == "NRG" and row["close"] == 1.4  # the adjusted close is the close


def test_adj_close_file_adjusts_open_high_low_by_the_same_ratio(tmp_path):
    """A half-adjusted bar (adjusted close, raw O/H/L) would put the close outside its own
    high-low range after a big dividend or split: scale O/H/L by adj/close, as yfinance's
    auto_adjust does. Volume is not a price and stays as written."""
    f = write(tmp_path / "XYZ.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n"
              "2025-01-02,20,22,18,21,10.5,300\n2025-01-03,21,21.5,20,21,21,400\n")
    rows = read_price_csv(f).rows
    first = rows.iloc[0]
    ratio = 10.5 / 21
    assert first["close"] == 10.5
    assert [first["open"], first["high"], first["low"]] == pytest.approx([20 * ratio, 22 * ratio, 18 * ratio])
    assert first["low"] <= first["close"] <= first["high"] and first["volume"] == 300
    assert rows.iloc[1][["open", "high", "low"]].tolist() == [21, 21.5, 20]  # ratio 1: unchanged
    plain = write(tmp_path / "ABC.csv", "Date,Open,High,Low,Close\n2025-01-02,20,22,18,21\n")
    assert read_price_csv(plain).rows.iloc[0][["open", "high", "low", "close"]].tolist() == [20, 22, 18, 21]


def test_gaps_stay_gaps_in_the_store(tmp_path):
    f = write(tmp_path / "multi.csv", "Price,Close,Close\nTicker,VST,CEG\nDate,,\n2025-01-02,10,20\n2025-01-03,,21\n")
    store = PriceStore(tmp_path / "p.sqlite")
    report = import_csv(store, [f])
    assert any("VST: 1 empty close(s) left as gaps (lines 5)" in w for w in report.warnings)
    closes = store.read_closes(["VST", "CEG"])
    assert closes["VST"].isna().sum() == 1 and closes["CEG"].notna().all()


def test_one_bad_file_writes_nothing(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    write(d / "AAA.csv", "Date,Close\n2025-01-02,1\n")
    write(d / "BBB.csv", "Date,Close\n2025-01-02,oops\n")
    store = PriceStore(tmp_path / "p.sqlite")
    with pytest.raises(InputError, match="BBB.csv, line 2"):
        import_csv(store, [d])
    assert store.tickers() == []


def test_real_files_import_exactly(sample_dir, tmp_path):
    store = PriceStore(tmp_path / "p.sqlite")
    files = sorted((sample_dir / "daily-close").glob("*.csv"))
    import_csv(store, [sample_dir / "daily-close"])
    assert len(store.tickers()) == len(files) == 82
    for f in files:
        with f.open() as fh:
            want = [(r["Date"], float(r["Close"])) for r in csv.DictReader(fh)]
        got = store.read_closes([f.stem]).dropna()
        assert len(got) == len(want), f.stem
        assert list(zip(got.index.strftime("%Y-%m-%d"), got[f.stem].tolist())) == want, f.stem


def test_cli_bad_import_is_one_line_exit_2(tmp_path):
    bad = write(tmp_path / "VST.csv", "Date,Close\n2025-01-02,1\n2025-01-02,2\n")
    res = CliRunner().invoke(cli, ["prices", "import", str(bad)])
    assert res.exit_code == 2
    assert res.stderr.strip() == f"error: {bad}, line 3: duplicate date 2025-01-02 for VST (first at line 2)"
    res = CliRunner().invoke(cli, ["prices", "import", str(tmp_path / "missing")])
    assert res.exit_code == 2 and "no such file or folder" in res.stderr


def test_debug_shows_the_traceback(tmp_path):
    bad = write(tmp_path / "VST.csv", "Date,Close\n2025-01-02,x\n")
    res = CliRunner().invoke(cli, ["--debug", "prices", "import", str(bad)])
    assert res.exit_code != 0 and isinstance(res.exception, InputError)
