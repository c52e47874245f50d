"""The grid as one matrix product, VaR/ES per regime (closed forms, Monte Carlo
convergence, the empirical estimator) and reverse stress applied forward."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from stress.portfolio.files import read_portfolio
from stress.returns import to_returns
from stress.risk import ledoit_wolf
from conftest import market_of, sensitivity_input
from stress.config import load_scenarios
from stress.scenarios.catalogue import shock_spec
from stress.scenarios.engine import scenario_grid
from stress.scenarios.runner import RunOptions, run
from stress.scenarios.stressvar import regime_var


@pytest.fixture(scope="module")
def catalogue():
    return load_scenarios()


def test_grid_equals_loops():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(3, 4)) * 1000
    r = rng.normal(size=(4, 5)) * 0.05
    unc = np.stack([np.diag(rng.uniform(0, 0.01, 4)) for _ in range(5)])
    nav = np.array([1000.0, 2000.0, 3000.0])
    g = scenario_grid(v, r, nav, unc, level=0.9)
    for p in range(3):
        for s in range(5):
            assert g.pnl[p, s] == pytest.approx(sum(v[p, i] * r[i, s] for i in range(4)))
            assert g.pnl_sd[p, s] == pytest.approx(math.sqrt(sum(v[p, i] ** 2 * unc[s, i, i] for i in range(4))))
    for p in range(g.pnl.shape[0]):
        assert g.contribution(p).sum(axis=0) == pytest.approx(g.pnl[p])
    assert g.pnl_pct == pytest.approx(g.pnl / nav[:, None])
    assert g.upper - g.pnl == pytest.approx(norm.ppf(0.95) * g.pnl_sd)


def simulated(t=750, n=4, seed=1):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) * 0.01
    cov = a @ a.T + np.eye(n) * 1e-4
    mean = np.full(n, 2e-4)
    return rng.multivariate_normal(mean, cov, size=t), mean, cov


def test_normal_var_es_closed_form():
    x, mean, cov = simulated()
    v = np.array([[1000.0, -500.0, 300.0, 200.0], [0.0, 100.0, 0.0, 0.0]])
    rv = regime_var(v, x, mean=mean, cov=cov, horizon=10, n_sims=1000)
    for p in range(2):
        mu = 10 * v[p] @ mean
        sigma = math.sqrt(10 * v[p] @ cov @ v[p])
        for a in (0.95, 0.99):
            z = norm.ppf(a)
            assert rv.var["normal"][a][p] == pytest.approx(-mu + sigma * z)
            assert rv.es["normal"][a][p] == pytest.approx(-mu + sigma * norm.pdf(z) / (1 - a))


def test_montecarlo_converges_to_normal():
    x, mean, cov = simulated()
    v = np.array([[1000.0, -500.0, 300.0, 200.0]])
    rv = regime_var(v, x, mean=mean, cov=cov, n_sims=400_000, seed=7)
    for a in (0.95, 0.99):
        assert rv.var["montecarlo"][a][0] == pytest.approx(rv.var["normal"][a][0], rel=0.01)
        assert rv.es["montecarlo"][a][0] == pytest.approx(rv.es["normal"][a][0], rel=0.015)


def test_historical_is_the_empirical_estimator_with_tail_atom():
    x, _, _ = simulated(t=250)
    v = np.array([[1000.0, -500.0, 300.0, 200.0]])
    rv = regime_var(v, x, n_sims=1000)
    losses = sorted(-(x @ v[0]))
    for a in (0.95, 0.99):
        k = math.ceil(250 * a)
        var = losses[k - 1]
        es = (sum(losses[k:]) / 250 + var * (k / 250 - a)) / (1 - a)
        assert rv.var["historical"][a][0] == pytest.approx(var)
        assert rv.es["historical"][a][0] == pytest.approx(es)


def test_incomplete_asset_makes_its_books_nan():
    x, _, _ = simulated(t=100)
    x[:10, 2] = np.nan
    v = np.array([[1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0]])
    rv = regime_var(v, x, tickers=["A", "B", "C", "D"], n_sims=1000)
    assert np.isnan(rv.var["normal"][0.99][0]) and "C" in rv.reasons[0]
    assert np.isfinite(rv.var["normal"][0.99][1]) and rv.reasons[1] == ""


def test_var_through_the_run_uses_the_window(tmp_path, sample_store, catalogue):
    p = tmp_path / "b.csv"
    p.write_text("ticker,value\nVST,600\nDUK,400\n")
    res = run(market_of(sample_store), [read_portfolio(p)], [catalogue.get("deepseek-r1")], catalogue,
              RunOptions(var=True, n_sims=2000)).books[0]
    regimes = [rv.regime for rv in res.var]
    assert regimes == ["current", "before:deepseek-r1", "stressed:deepseek-r1"]
    t = list(res.tickers)
    rets = to_returns(sample_store.read_closes(t))
    # stressed: the 60 sessions from day 0 (2025-01-27), sample mean and Ledoit-Wolf covariance
    x = rets.loc["2025-01-27":].head(60)[["VST", "DUK"]].to_numpy()
    cov, _ = ledoit_wolf(x)
    v = np.array([600.0, 400.0])
    mu, sigma = v @ x.mean(axis=0), math.sqrt(v @ cov @ v)
    st = res.var[2]
    assert (st.start, st.n_obs) == ("2025-01-27", 60)
    assert st.var["normal"][0.99][0] == pytest.approx(-mu + sigma * norm.ppf(0.99), rel=1e-9)
    losses = np.sort(-(x @ v))
    assert st.var["historical"][0.95][0] == pytest.approx(losses[math.ceil(60 * 0.95) - 1])
    frame = pd.DataFrame(res.var_rows())
    assert set(frame["method"]) == {"historical", "normal", "montecarlo"}
    # 60 days at 99%: the tail holds 0.6 of an observation, ES = VaR = the worst day, said
    worst = frame[(frame.regime == "stressed:deepseek-r1") & (frame.method == "historical")
                  & (frame.confidence == 0.99)].iloc[0]
    assert worst["es"] == worst["var"] == pytest.approx(losses[-1])
    assert "ES equals VaR" in worst["note"]
    assert not frame[(frame.method == "historical") & (frame.confidence == 0.95)]["note"].any()
    # before: the 504 sessions ending the session before day 0, none of the event inside
    bf = res.var[1]
    xb = rets.loc[:"2025-01-24"].tail(504)[["VST", "DUK"]].dropna().to_numpy()
    assert (bf.end, bf.n_obs) == ("2025-01-24", len(xb))
    cb, _ = ledoit_wolf(xb)
    mub, sb = v @ xb.mean(axis=0), math.sqrt(v @ cb @ v)
    assert bf.var["normal"][0.99][0] == pytest.approx(-mub + sb * norm.ppf(0.99), rel=1e-9)


sens = sensitivity_input({"VST": 0.25, "DUK": -0.01, "SPY": 0.0, "CEG": 0.2})


@pytest.mark.parametrize("market_move", [0.0, -0.02])
def test_reverse_stress_applied_forward_gives_the_loss(tmp_path, sample_store, catalogue, market_move):
    p = tmp_path / "b.csv"
    p.write_text("ticker,value\nVST,600\nCEG,300\nDUK,400\nCASH,100\n")
    opts = RunOptions(reverse=0.10, market_move=market_move, horizon=5)
    res = run(market_of(sample_store), [read_portfolio(p)], [], catalogue, opts, sensitivity=sens).books[0]
    rv = res.reverse
    nav = res.book.nav
    assert rv.target[0] == pytest.approx(0.10 * nav)
    k = float(rv.k[0])
    fwd = run(market_of(sample_store), [read_portfolio(p)], [shock_spec(k, market_move)], catalogue,
              sensitivity=sens).books[0]
    assert fwd.grid.pnl[0, 0] == pytest.approx(-0.10 * nav, rel=1e-9)
    # most plausible joint shock: V'r* = -L, r* proportional to (h S) V, d = L / sqrt(V' h S V)
    t = list(res.tickers)
    held = [t.index(x) for x in ("VST", "CEG", "DUK")]
    v = res.values[0, held]
    r = rv.returns[0, held]
    assert v @ r == pytest.approx(-0.10 * nav)
    x = to_returns(sample_store.read_closes(t)).loc[:"2026-08-03"].tail(504).dropna().to_numpy()
    cov, _ = ledoit_wolf(x)
    hs = 5 * cov[np.ix_(held, held)]
    assert r == pytest.approx(-(0.10 * nav) / (v @ hs @ v) * hs @ v)
    assert rv.mahalanobis[0] == pytest.approx(0.10 * nav / math.sqrt(v @ hs @ v))
    row = res.to_dict()["reverse"]
    assert row["plausible"]["top"][0]["ticker"] == "VST"
