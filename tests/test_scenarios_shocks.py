"""Hypothetical AI shocks (a sensitivity table built in the test) and custom shocks,
checked against independent computations of their formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import chi2, norm

from stress.portfolio.files import read_portfolio
from stress.returns import to_returns
from stress.risk import ledoit_wolf
from conftest import market_of, sensitivity_input
from stress.config import load_scenarios
from stress.scenarios.catalogue import custom_spec, parse_custom, shock_spec
from stress.scenarios.custom import fill_missing, propagate
from stress.scenarios.runner import RunOptions, run
from stress.errors import InputError

B = {"VST": 0.25, "CEG": 0.2, "DUK": -0.01, "SPY": 0.0, "NVDA": 0.1}
SE = {"VST": 0.02, "CEG": 0.03, "DUK": 0.01, "SPY": 0.0, "NVDA": 0.05}
BETA = {"VST": 1.9, "CEG": 1.7, "DUK": 0.3, "SPY": 1.0, "NVDA": 2.0}


@pytest.fixture(scope="module")
def catalogue():
    return load_scenarios()


def stub(nan_for=()):
    return sensitivity_input({t: np.nan if t in nan_for else v for t, v in B.items()},
                             se={t: np.nan if t in nan_for else v for t, v in SE.items()},
                             beta=BETA, reason={t: "too few events" for t in nan_for})


@pytest.fixture
def pf(tmp_path):
    p = tmp_path / "b.csv"
    p.write_text("ticker,value\nVST,400\nCEG,300\nDUK,200\nNVDA,-100\nCASH,200\n")
    return read_portfolio(p)


def window(store, tickers, as_of="2026-08-03", n=504):
    rets = to_returns(store.read_closes(tickers)).loc[:as_of].tail(n).dropna()
    return rets


def test_shock_returns_and_linearity_in_k(pf, sample_store, catalogue):
    specs = [shock_spec(k) for k in (-1.0, -2.0, 0.5, 1.5)] + [shock_spec(-1.0, -0.02)]
    res = run(market_of(sample_store), [pf], specs, catalogue, sensitivity=stub()).books[0]
    t = list(res.tickers)
    b = np.array([B[x] for x in t])
    beta = np.array([BETA[x] for x in t])
    for s, k in enumerate((-1.0, -2.0, 0.5, 1.5)):
        assert res.returns[:, s] == pytest.approx(b * k)
    assert res.returns[:, 4] == pytest.approx(-b - 0.02 * beta)
    pnl = res.grid.pnl[0]
    assert pnl[1] == pytest.approx(2 * pnl[0])
    assert pnl[2] == pytest.approx(-0.5 * pnl[0])
    assert pnl[0] + pnl[2] == pytest.approx(0.5 * pnl[0])
    v = {"VST": 400, "CEG": 300, "DUK": 200, "NVDA": -100}
    assert pnl[0] == pytest.approx(-sum(v[x] * B[x] for x in v))
    assert set(res.source[[t.index(x) for x in v], 0]) == {"estimate"}


def test_shock_band_from_estimates_and_residuals(pf, sample_store, catalogue):
    k = -1.5
    res = run(market_of(sample_store), [pf], [shock_spec(k)], catalogue, sensitivity=stub(),
              options=RunOptions(band=0.95)).books[0]
    t = list(res.tickers)
    rets = window(sample_store, t)
    # residuals of each asset's OLS on the market, independently with statsmodels
    x = sm.add_constant(rets["SPY"].to_numpy())
    resid = np.column_stack([sm.OLS(rets[c].to_numpy(), x).fit().resid for c in t])
    s_e = resid.T @ resid / (len(rets) - 2)
    sd = np.sqrt(np.diag(s_e))
    corr = np.divide(s_e, np.outer(sd, sd), out=np.zeros_like(s_e), where=np.outer(sd, sd) > 0)
    np.fill_diagonal(corr, 1.0)
    vals = np.array([{"VST": 400, "CEG": 300, "DUK": 200, "NVDA": -100}.get(x, 0.0) for x in t])
    vse = vals * np.array([SE[x] for x in t])
    var = k * k * vse @ corr @ vse + vals @ s_e @ vals
    assert res.grid.pnl_sd[0, 0] == pytest.approx(np.sqrt(var), rel=1e-6)
    z = norm.ppf(0.975)
    assert res.grid.upper[0, 0] - res.grid.lower[0, 0] == pytest.approx(2 * z * np.sqrt(var), rel=1e-6)


def test_missing_estimate_is_propagated(pf, sample_store, catalogue):
    res = run(market_of(sample_store), [pf], [shock_spec(-1.0)], catalogue,
              sensitivity=stub(nan_for=("CEG",))).books[0]
    t = list(res.tickers)
    j = t.index("CEG")
    assert res.source[j, 0] == "propagated"
    cov, _ = ledoit_wolf(window(sample_store, t).to_numpy())
    known = np.array([x != "CEG" for x in t])
    s = -np.array([B[x] for x in t])[known]
    expected = cov[j, known] @ np.linalg.solve(cov[np.ix_(known, known)], s)
    assert res.returns[j, 0] == pytest.approx(expected, rel=1e-8)
    assert any("CEG: no sensitivity estimate (too few events)" in w for w in res.warnings)
    # still linear in k
    res2 = run(market_of(sample_store), [pf], [shock_spec(-2.0)], catalogue,
               sensitivity=stub(nan_for=("CEG",))).books[0]
    assert res2.grid.pnl[0, 0] == pytest.approx(2 * res.grid.pnl[0, 0])


def test_custom_shock_matches_the_conditioning_formula(pf, sample_store, catalogue):
    spec = custom_spec("VST=-0.30,SPY=-2%")
    res = run(market_of(sample_store), [pf], [spec], catalogue).books[0]
    t = list(res.tickers)
    cov, _ = ledoit_wolf(window(sample_store, t).to_numpy())
    s_idx = [t.index("VST"), t.index("SPY")]
    u_idx = [i for i in range(len(t)) if i not in s_idx]
    s = np.array([-0.30, -0.02])
    sss = cov[np.ix_(s_idx, s_idx)]
    expected = cov[np.ix_(u_idx, s_idx)] @ np.linalg.solve(sss, s)
    assert res.returns[u_idx, 0] == pytest.approx(expected, rel=1e-8)
    assert res.returns[s_idx, 0] == pytest.approx(s)
    d2 = s @ np.linalg.solve(sss, s)
    info = res.scenarios[0]
    assert info.mahalanobis == pytest.approx(np.sqrt(d2))
    assert info.percentile == pytest.approx(chi2.cdf(d2, 2))
    cond = cov[np.ix_(u_idx, u_idx)] - cov[np.ix_(u_idx, s_idx)] @ np.linalg.solve(sss, cov[np.ix_(s_idx, u_idx)])
    v = res.values[0, u_idx]
    assert res.grid.pnl_sd[0, 0] == pytest.approx(np.sqrt(v @ cond @ v), rel=1e-8)


def test_propagate_unit_against_numpy():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(200, 5))
    cov = np.cov(a.T)
    given = np.array([True, False, True, False, False])
    shock = np.array([0.1, -0.05])
    out = propagate(cov, given, shock, horizon=3.0)
    h = 3.0 * cov
    exp = h[np.ix_(~given, given)] @ np.linalg.solve(h[np.ix_(given, given)], shock)
    assert out.returns[~given] == pytest.approx(exp)
    assert out.returns[given] == pytest.approx(shock)
    r = np.array([0.1, np.nan, -0.05, np.nan, 0.02])
    f = fill_missing(r, cov, condition_on=np.array([True, True, True, True, False]))
    g = np.array([True, False, True, False, False])
    exp = cov[np.ix_(~np.isfinite(r), g)] @ np.linalg.solve(cov[np.ix_(g, g)], r[g])
    assert f.returns[~np.isfinite(r)] == pytest.approx(exp)
    assert f.returns[4] == 0.02 and np.all(f.cond_cov[4] == 0)


def test_parse_custom():
    assert parse_custom("vst=-0.3, SPY=-2%") == (("VST", -0.3), ("SPY", -0.02))
    for bad in ("VST", "VST=abc", "VST=-0.1,VST=-0.2", "", "VST=-1.5"):
        with pytest.raises(InputError):
            parse_custom(bad)
