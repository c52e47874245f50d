"""Price files: nothing silently dropped or misread (issue 12). Each case is one line
naming the file and line, or a warning naming the ticker."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from stress.cli import cli
from stress.data.csvfiles import read_price_csv
from stress.data.store import PriceStore
from stress.errors import InputError


def _import(*paths):
    return CliRunner().invoke(cli, ["prices", "import", *map(str, paths)])


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_all_empty_ticker_in_long_shape_is_named(tmp_path):
    p = _write(tmp_path, "long.csv", "ticker,date,close\nAAA,2025-01-02,1.5\nBBB,2025-01-02,\nBBB,2025-01-03,\n")
    res = _import(p)
    assert res.exit_code == 0
    assert f"{p}: BBB: every close is empty (2 rows, lines 3, 4); nothing imported for BBB" in res.stderr


def test_all_empty_ticker_in_yfinance_multi_shape_is_named(tmp_path):
    p = _write(tmp_path, "yf.csv", "Price,Close,Close\nTicker,AAA,FAIL\nDate,,\n"
                                   "2025-01-02,1.5,\n2025-01-03,1.6,\n")
    res = _import(p)
    assert res.exit_code == 0
    assert "FAIL: every close is empty" in res.stderr
    assert "AAA" in res.stdout and "FAIL" not in res.stdout


def test_unquoted_thousands_separator_is_one_line_with_file_and_line(tmp_path):
    p = _write(tmp_path, "AAA.csv", "Date,Close\n2025-01-02,1,234.5\n")
    res = _import(p)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{p}, line 2: 3 fields, expected 2" in lines[0]
    assert "thousands separator" in lines[0]
    with PriceStore(tmp_path / "home" / "prices.sqlite") as store:
        assert store.tickers() == []


@pytest.mark.parametrize("header, row", [
    ("ticker,date,close", "AAA,2025-01-02,1.5,9"),
    ("Date,Close", "2025-01-02,1.5,7"),
])
def test_rows_with_more_cells_than_the_header_are_refused(tmp_path, header, row):
    p = _write(tmp_path, "AAA.csv", f"{header}\n{row}\n")
    with pytest.raises(InputError, match=r"line 2: \d fields, expected"):
        read_price_csv(p)


def test_a_trailing_empty_cell_is_not_an_extra_field(tmp_path):
    p = _write(tmp_path, "AAA.csv", "Date,Close\n2025-01-02,1.5,\n")
    assert read_price_csv(p).rows["close"].tolist() == [1.5]


@pytest.mark.parametrize("cell, text", [
    ("2025-01-02garbage", "unparseable date '2025-01-02garbage'"),
    ("2025-01-0", "unparseable date"),
    ("1500-01-04", "date 1500-01-04 outside 1900-2100"),
])
def test_dates_are_strict(tmp_path, cell, text):
    p = _write(tmp_path, "AAA.csv", f"Date,Close\n{cell},1.5\n")
    with pytest.raises(InputError) as err:
        read_price_csv(p)
    assert str(err.value).startswith(f"{p}, line 2: ") and text in str(err.value)


def test_dates_with_a_time_of_day_still_parse(tmp_path):
    p = _write(tmp_path, "AAA.csv", "Date,Close\n2025-01-02 00:00:00-05:00,1.5\n2025-01-03T00:00:00Z,1.6\n")
    assert read_price_csv(p).rows["date"].tolist() == ["2025-01-02", "2025-01-03"]


@pytest.mark.parametrize("close", ["1e308", "1e-308", "2e9"])
def test_absurd_closes_are_refused(tmp_path, close):
    p = _write(tmp_path, "AAA.csv", f"Date,Close\n2025-01-02,{close}\n")
    with pytest.raises(InputError, match=rf"line 2: close {close} outside"):
        read_price_csv(p)


def test_weekend_rows_are_named_with_ticker_and_date(tmp_path):
    p = _write(tmp_path, "AAA.csv", "Date,Close\n2025-01-03,1.5\n2025-01-04,1.6\n2025-01-06,1.7\n")
    res = _import(p)
    assert res.exit_code == 0
    assert f"{p}: AAA: 1 row(s) on a Saturday or Sunday: 2025-01-04 (line 3)" in res.stderr
