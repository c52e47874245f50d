"""Portfolio files: good CSV/YAML parse to the numbers written; every bad file gives ONE
clear line naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from stress.errors import InputError
from stress.portfolio.files import read_portfolio

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "portfolios"


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def error_of(path: Path, **kw) -> str:
    with pytest.raises(InputError) as exc:
        read_portfolio(path, **kw)
    msg = str(exc.value)
    assert "\n" not in msg
    assert str(path) in msg
    return msg


def test_shares_csv_with_cash_comments_and_short(tmp_path):
    p = write(tmp_path, "b.csv", "# a comment\n\nTicker,Shares,Name\nvst,100,Vistra\nCEG,-20,\nCASH,5000,\n")
    pf = read_portfolio(p)
    assert pf.kind == "shares"
    assert pf.tickers == ("VST", "CEG")
    assert [x.quantity for x in pf.positions] == [100.0, -20.0]
    assert [x.line for x in pf.positions] == [4, 5]
    assert pf.cash == 5000.0 and pf.cash_line == 6
    assert pf.positions[0].name == "Vistra"


def test_weight_csv_percent_and_tolerance(tmp_path):
    p = write(tmp_path, "w.csv", "ticker,weight\nVST,50%\nSPY,0.49995\n")
    pf = read_portfolio(p)
    assert pf.kind == "weight"
    assert pf.positions[0].quantity == pytest.approx(0.5)


def test_yaml_portfolio_with_lines(tmp_path):
    text = "name: Test book\ncash: 1000\npositions:\n  - {ticker: VST, shares: 10}\n  - ticker: CEG\n    shares: 5\n    cost: 100\n"
    pf = read_portfolio(write(tmp_path, "b.yaml", text))
    assert pf.name == "Test book" and pf.kind == "shares"
    assert pf.tickers == ("VST", "CEG")
    assert [x.line for x in pf.positions] == [4, 5]
    assert pf.cash == 1000.0
    assert pf.positions[1].cost == 100.0


def test_sample_portfolios_parse():
    files = sorted(CONFIGS.glob("*.csv")) + sorted(CONFIGS.glob("*.yaml"))
    assert len(files) >= 6
    kinds = {read_portfolio(f).kind for f in files}
    assert kinds == {"shares", "weight", "value"}
    ls = read_portfolio(CONFIGS / "long_short.csv")
    shorts = {x.ticker for x in ls.positions if x.quantity < 0}
    assert {"FSLR", "ENPH", "TAN", "ICLN"} <= shorts


@pytest.mark.parametrize(
    "name, text, expect",
    [
        ("empty.csv", "", "line 1: empty portfolio file"),
        ("only_comments.csv", "# nothing\n\n", "line 1: empty portfolio file"),
        ("header_only.csv", "ticker,shares\n", "line 1: empty portfolio file"),
        ("nonnum.csv", "ticker,shares\nVST,100\nCEG,abc\n", "line 3: CEG: shares 'abc' is not a number"),
        ("nan.csv", "ticker,weight\nVST,nan\n", "line 2: VST: weight"),
        ("blank_qty.csv", "ticker,shares\nVST,\n", "line 2: VST: no shares given"),
        ("mixed.csv", "ticker,shares,weight\nVST,1,0.5\n", "line 1: mixed quantity columns shares, weight"),
        ("noqty.csv", "ticker,price\nVST,10\n", "line 1: no quantity column"),
        ("noticker.csv", "name,shares\nVST,10\n", "line 1: no 'ticker' column"),
        ("dup.csv", "ticker,shares\nVST,1\nCEG,2\nvst,3\n", "line 4: duplicate ticker VST (also on line 2)"),
        ("weights.csv", "ticker,weight\nVST,0.5\nCEG,0.3\n", "lines 2-3: weights (cash included) sum to 0.8, not 1"),
        ("twocash.csv", "ticker,value\nCASH,1\nVST,1\nCASH,2\n", "line 4: a second CASH row (first on line 2)"),
        ("noticker_cell.csv", "ticker,shares\n,10\n", "line 2: empty ticker"),
        ("badprice.csv", "ticker,shares,price\nVST,10,-3\n", "line 2: VST: price -3 is not positive"),
        ("empty.yaml", "", "line 1: empty portfolio file"),
        ("nopos.yaml", "name: x\n", "empty portfolio file"),
        ("mixed.yaml", "positions:\n  - {ticker: VST, shares: 1}\n  - {ticker: CEG, value: 2}\n",
         "line 3: mixed quantities: value here, shares on line 2"),
        ("nonnum.yaml", "positions:\n  - {ticker: VST, shares: 1}\n  - {ticker: CEG, shares: lots}\n",
         "line 3: CEG: shares 'lots' is not a number"),
        ("dup.yaml", "positions:\n  - {ticker: VST, shares: 1}\n  - {ticker: VST, shares: 2}\n",
         "line 3: duplicate ticker VST (also on line 2)"),
        ("badsyntax.yaml", "positions:\n  - {ticker: VST, shares: 1\n", "invalid YAML"),
    ],
)
def test_each_bad_file_gives_its_error(tmp_path, name, text, expect):
    msg = error_of(write(tmp_path, name, text))
    assert expect in msg, msg


def test_merge_duplicates_adds_quantities(tmp_path):
    p = write(tmp_path, "dup.csv", "ticker,shares\nVST,1\nCEG,2\nVST,3\n")
    pf = read_portfolio(p, merge_duplicates=True)
    assert dict((x.ticker, x.quantity) for x in pf.positions) == {"VST": 4.0, "CEG": 2.0}
    assert any("merged duplicate" in w and "lines 2 and 4" in w for w in pf.warnings)


def test_cash_remainder_completes_weights(tmp_path):
    p = write(tmp_path, "w.csv", "ticker,weight\nVST,0.5\nCEG,0.3\nCASH,0.05\n")
    pf = read_portfolio(p, cash_remainder=True)
    assert pf.cash == pytest.approx(0.2)
    assert sum(x.quantity for x in pf.positions) + pf.cash == pytest.approx(1.0)
    assert any("remainder" in w for w in pf.warnings)
