"""Replays: P&L equals a hand computation from the stored prices (read straight from the
CSV files), one-day and multi-day windows; holdings without history are propagated by
E[r_u | r_o] = S_uo S_oo^-1 r_o (checked with an independent numpy solve)."""

from __future__ import annotations


import numpy as np
import pytest

from stress.portfolio.files import read_portfolio
from stress.config import load_scenarios
from stress.scenarios.catalogue import replay_spec
from stress.scenarios.replay import window_returns
from stress.scenarios.runner import run
from conftest import close_on, market_of, sensitivity_input


@pytest.fixture(scope="module")
def catalogue():
    return load_scenarios()


def book(tmp_path, text, name="b.csv"):
    p = tmp_path / name
    p.write_text(text)
    return read_portfolio(p)


SHARES = {"VST": 100, "SPY": 10, "DUK": -50}


def hand_pnl(sample_dir, t0: str, t1: str, as_of: str = "2026-08-03") -> float:
    total = 0.0
    for t, n in SHARES.items():
        value = n * close_on(sample_dir, t, as_of)
        total += value * (close_on(sample_dir, t, t1) / close_on(sample_dir, t, t0) - 1.0)
    return total


def test_one_day_replay_matches_hand_computation(tmp_path, sample_store, sample_dir, catalogue):
    pf = book(tmp_path, "ticker,shares\n" + "".join(f"{t},{n}\n" for t, n in SHARES.items()) + "CASH,1000\n")
    res = run(market_of(sample_store), [pf], [catalogue.get("deepseek-r1")], catalogue).books[0]
    expected = hand_pnl(sample_dir, "2025-01-24", "2025-01-27")
    assert res.grid.pnl[0, 0] == pytest.approx(expected, rel=1e-10)
    info = res.scenarios[0]
    assert (info.day0, info.t0, info.t1, info.sessions) == ("2025-01-27", "2025-01-24", "2025-01-27", 1)
    # the published facts: VST -28.3%, SPY -1.4%
    j = res.tickers.index("VST")
    assert res.returns[j, 0] == pytest.approx(-0.283, abs=0.001)
    assert res.grid.pnl_pct[0, 0] == pytest.approx(expected / res.book.nav)
    assert res.grid.pnl_sd[0, 0] == 0.0  # every return observed: no band


def test_multi_day_replay_buy_and_hold(tmp_path, sample_store, sample_dir, catalogue):
    pf = book(tmp_path, "ticker,shares\n" + "".join(f"{t},{n}\n" for t, n in SHARES.items()))
    spec = replay_spec(catalogue.get("deepseek-r1"), (-1, 2))
    res = run(market_of(sample_store), [pf], [spec], catalogue).books[0]
    # day -1 = Fri 2025-01-24, so t0 = the close before it, Thu 2025-01-23; day +2 = Wed 01-29
    expected = hand_pnl(sample_dir, "2025-01-23", "2025-01-29")
    assert res.grid.pnl[0, 0] == pytest.approx(expected, rel=1e-10)
    assert res.scenarios[0].spec.id == "deepseek-r1[-1,2]"
    assert res.scenarios[0].sessions == 4
    # buy and hold, not a sum of daily returns
    daily = [close_on(sample_dir, "VST", d) for d in ("2025-01-23", "2025-01-24", "2025-01-27", "2025-01-28", "2025-01-29")]
    j = res.tickers.index("VST")
    assert res.returns[j, 0] == pytest.approx(daily[-1] / daily[0] - 1)
    assert res.returns[j, 0] != pytest.approx(sum(b / a - 1 for a, b in zip(daily, daily[1:])))


def test_window_returns_unit():
    closes = np.array([[10.0, np.nan], [11.0, 5.0], [12.1, 5.5], [9.0, 6.0]])
    wr = window_returns(closes, day0=2, window=(0, 1))
    assert (wr.t0, wr.t1) == (1, 3)
    assert wr.returns == pytest.approx([9.0 / 11.0 - 1, 6.0 / 5.0 - 1])
    wr = window_returns(closes, day0=1, window=(0, 0))
    assert np.isnan(wr.returns[1]) and wr.missing.tolist() == [False, True]


def test_holding_without_history_is_propagated(tmp_path, sample_store, catalogue):
    from stress.returns import to_returns
    from stress.risk import ledoit_wolf

    pf = book(tmp_path, "ticker,value\nGEV,1000\nNRG,500\nXLU,300\n")
    res = run(market_of(sample_store), [pf], [catalogue.get("brexit-vote")], catalogue).books[0]
    tickers = list(res.tickers)
    src = dict(zip(tickers, res.source[:, 0]))
    assert src["GEV"] == "propagated" and src["NRG"] == "observed" and src["XLU"] == "observed"
    # independent: LW covariance of the last 504 daily returns to the valuation date
    closes = sample_store.read_closes(tickers)
    rets = to_returns(closes).loc[:"2026-08-03"].tail(504).dropna()
    cov, _ = ledoit_wolf(rets.to_numpy())
    c = sample_store.read_closes(tickers, "2016-06-23", "2016-06-24")
    r = (c.iloc[1] / c.iloc[0] - 1).to_numpy()
    o = np.isfinite(r)
    u = ~o
    expected_u = cov[np.ix_(u, o)] @ np.linalg.solve(cov[np.ix_(o, o)], r[o])
    assert res.returns[u, 0] == pytest.approx(expected_u, rel=1e-8)
    assert res.returns[o, 0] == pytest.approx(r[o])
    # band: the conditional variance of the propagated holding
    cond = cov[np.ix_(u, u)] - cov[np.ix_(u, o)] @ np.linalg.solve(cov[np.ix_(o, o)], cov[np.ix_(o, u)])
    gu = [tickers[i] for i in np.flatnonzero(u)].index("GEV")
    assert res.grid.pnl_sd[0, 0] == pytest.approx(1000 * np.sqrt(cond[gu, gu]), rel=1e-8)
    d = res.to_dict()["scenarios"][0]
    assert d["propagated"] == ["GEV"]


def test_reference_set_makes_books_independent(tmp_path, sample_store, catalogue):
    a = book(tmp_path, "ticker,value\nGEV,1000\nNRG,500\n", "a.csv")
    b = book(tmp_path, "ticker,value\nAMD,1000\nEQT,100\n", "b.csv")
    ref = ["SPY", "QQQ", "XLU", "NRG", "NVDA", "TLT"]
    alone = run(market_of(sample_store), [a], [catalogue.get("brexit-vote")], catalogue, reference=ref).books[0]
    both = run(market_of(sample_store), [a, b], [catalogue.get("brexit-vote")], catalogue, reference=ref)
    # each book runs on its own: not even Ledoit-Wolf's shrinkage intensity is shared
    assert both.books[0].grid.pnl[0, 0] == alone.grid.pnl[0, 0]
    assert both.books[0].grid.pnl_sd[0, 0] == alone.grid.pnl_sd[0, 0]


def test_positions_losers_and_propagated_columns(tmp_path, sample_store, catalogue):
    """Per (book, scenario): position P&L = value x that scenario's return, top losers the
    negative ones sorted, the grid frame's 'propagated' the held assets without history."""
    a = book(tmp_path, "ticker,value\nGEV,1000\nNRG,500\nDUK,-300\n", "a.csv")
    b = book(tmp_path, "ticker,value\nVST,800\nXLU,400\n", "b.csv")
    specs = [catalogue.get("brexit-vote"), catalogue.get("deepseek-r1"),
             replay_spec(catalogue.get("deepseek-r1"), (0, 4))]
    result = run(market_of(sample_store), [a, b], specs, catalogue)
    d = result.to_dict()
    frame = result.to_frame("grid")
    for p, (pf, held) in enumerate([(a, {"GEV": 1000, "NRG": 500, "DUK": -300}),
                                    (b, {"VST": 800, "XLU": 400})]):
        res = result.books[p]
        for s in range(len(specs)):
            ret = {t: res.returns[res.tickers.index(t), s] for t in held}
            pnl = {t: v * ret[t] for t, v in held.items()}
            got = d["portfolios"][p]["scenarios"][s]
            assert {r["ticker"]: r["pnl"] for r in got["positions"]} == pytest.approx(pnl)
            losers = sorted((t for t in pnl if pnl[t] < 0), key=pnl.get)[:res.top]
            assert got["top_losers"] == losers
            assert [r["ticker"] for r in res.top_losers(s)] == losers
            prop = [t for t in held if res.source[res.tickers.index(t), s] == "propagated"]
            assert got["propagated"] == prop
            assert frame["propagated"].iloc[p * len(specs) + s] == " ".join(prop)
    # GEV (listed 2024) and VST have no 2016 prices: propagated at Brexit only
    assert d["portfolios"][0]["scenarios"][0]["propagated"] == ["GEV"]
    assert d["portfolios"][1]["scenarios"][0]["propagated"] == ["VST"]
    assert d["portfolios"][1]["scenarios"][1]["propagated"] == []
