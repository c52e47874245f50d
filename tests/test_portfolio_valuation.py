"""Valuation: values, NAV and weights from the stored closes, checked against the CSV
files read directly; unknown and unpriced tickers listed at once with their lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stress.errors import InputError
from stress.portfolio.files import read_portfolio
from stress.portfolio.valuation import DEFAULT_NAV, value_portfolios
from conftest import close_on

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "portfolios"


def closes_for(store, files):
    tickers = sorted({t for f in files for t in f.tickers} | {"SPY"})
    return store.read_closes(tickers).reindex(store.read_closes(["SPY"]).dropna().index)


def test_shares_book_values_at_the_stored_close(tmp_path, sample_store, sample_dir):
    p = tmp_path / "b.csv"
    p.write_text("ticker,shares\nVST,100\nCEG,-10\nCASH,500\n")
    files = [read_portfolio(p)]
    (book,) = value_portfolios(files, closes_for(sample_store, files), as_of="2025-01-26")
    assert book.as_of == "2025-01-24"  # Sunday -> the last session before
    vst, ceg = close_on(sample_dir, "VST", "2025-01-24"), close_on(sample_dir, "CEG", "2025-01-24")
    assert book.values == pytest.approx([100 * vst, -10 * ceg])
    assert book.nav == pytest.approx(100 * vst - 10 * ceg + 500)
    assert book.weights.sum() + book.cash / book.nav == pytest.approx(1.0)


def test_weight_and_value_books(tmp_path, sample_store):
    w = tmp_path / "w.csv"
    w.write_text("ticker,weight\nVST,0.6\nSPY,0.3\nCASH,0.1\n")
    v = tmp_path / "v.csv"
    v.write_text("ticker,value\nVST,1000\nSPY,-400\n")
    files = [read_portfolio(w), read_portfolio(v)]
    bw, bv = value_portfolios(files, closes_for(sample_store, files))
    assert bw.nav == pytest.approx(DEFAULT_NAV)
    assert bw.values == pytest.approx([0.6 * DEFAULT_NAV, 0.3 * DEFAULT_NAV])
    assert bw.cash == pytest.approx(0.1 * DEFAULT_NAV)
    assert bv.nav == pytest.approx(600.0) and bv.weights == pytest.approx([1000 / 600, -400 / 600])
    (bw2,) = value_portfolios(files[:1], closes_for(sample_store, files), nav=250_000)
    assert bw2.nav == pytest.approx(250_000)


def test_default_date_is_last_date_all_holdings_have_a_price():
    idx = pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-06"])
    closes = pd.DataFrame({"A": [1.0, 2.0, np.nan], "B": [1.0, 2.0, 3.0]}, index=idx)
    from stress.portfolio.files import PortfolioFile, Position

    pf = PortfolioFile(Path("x.csv"), "x", "shares", (Position("A", 1, 2), Position("B", 1, 3)))
    (book,) = value_portfolios([pf], closes)
    assert book.as_of == "2025-01-03"
    assert book.values == pytest.approx([2.0, 2.0])


def test_unknown_tickers_all_listed_with_lines(tmp_path, sample_store):
    p = tmp_path / "bad.csv"
    p.write_text("ticker,shares\nVST,1\nNOPE,2\nZZZZ,3\n")
    files = [read_portfolio(p)]
    tickers = ["VST", "NOPE", "ZZZZ", "SPY"]
    with pytest.raises(InputError) as exc:
        value_portfolios(files, sample_store.read_closes(tickers))
    msg = str(exc.value)
    assert str(p) in msg and "NOPE (line 3)" in msg and "ZZZZ (line 4)" in msg and "\n" not in msg


def test_unpriced_tickers_at_the_valuation_date(tmp_path, sample_store):
    p = tmp_path / "new.csv"
    p.write_text("ticker,shares\nVST,1\nGEV,2\nNNE,3\n")
    files = [read_portfolio(p)]
    with pytest.raises(InputError) as exc:
        value_portfolios(files, closes_for(sample_store, files), as_of="2023-06-01")
    msg = str(exc.value)
    assert "no price on 2023-06-01" in msg
    assert "GEV (line 3, prices 2024-03-27" in msg and "NNE (line 4, prices 2024-05-08" in msg


def test_every_sample_book_is_priced_on_the_real_data(sample_store):
    files = [read_portfolio(f) for f in sorted(CONFIGS.glob("*.csv")) + sorted(CONFIGS.glob("*.yaml"))]
    books = value_portfolios(files, closes_for(sample_store, files))
    assert {b.as_of for b in books} == {"2026-08-03"}
    for b in books:
        assert b.nav > 0 and np.all(np.isfinite(b.values))


def test_price_column_mismatch_is_reported(tmp_path, sample_store, sample_dir):
    px = close_on(sample_dir, "VST", "2025-01-24")
    p = tmp_path / "p.csv"
    p.write_text(f"ticker,shares,price\nVST,10,{px * 1.2:.4f}\n")
    files = [read_portfolio(p)]
    (book,) = value_portfolios(files, closes_for(sample_store, files), as_of="2025-01-24")
    assert book.values[0] == pytest.approx(10 * px)
    assert any("line 2: VST: file price" in w for w in book.warnings)


def test_a_holding_whose_prices_stop_early_is_named_when_it_pulls_the_date_back(tmp_path):
    """Issue 12: one holding ending in 2023 silently moved the valuation to 2023-12-29."""
    days = pd.bdate_range("2023-12-27", "2024-01-05")
    closes = pd.DataFrame({"AAA": np.arange(len(days)) + 10.0, "OLD": 5.0}, index=days)
    closes.loc[closes.index > "2023-12-29", "OLD"] = np.nan
    p = tmp_path / "b.csv"
    p.write_text("ticker,shares\nAAA,1\nOLD,2\n")
    (book,) = value_portfolios([read_portfolio(p)], closes)
    assert book.as_of == "2023-12-29"
    assert (f"{p}: valued as of 2023-12-29, not the last stored session 2024-01-05: OLD (line 3) "
            "prices stop on 2023-12-29") in " ".join(book.warnings)
    (fresh,) = value_portfolios([read_portfolio(p)], closes, as_of="2023-12-29")
    assert not any("not the last stored session" in w for w in fresh.warnings)
