"""Sensitivities on the real prices (daily-close/), checked against an independent
computation from the CSV files with statsmodels (market model per event and asset,
leave-one-out basket, WLS through the origin, HAC factor regression)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import yaml

from conftest import estimate
from stress.sensitivity.spec import SensitivitySpec

pytestmark = pytest.mark.sample_data

POWER = ("VST", "CEG", "TLN", "GEV")
UTILITIES = ("DUK", "SO", "D", "AEP")
BASKET = ("VST", "CEG", "TLN", "NRG")


@pytest.fixture(scope="module")
def store(sample_store_path):
    """The sample store (read only: the estimate writes nothing)."""
    from stress.data.store import PriceStore

    with PriceStore(sample_store_path) as s:
        yield s


@pytest.fixture(scope="module")
def result(store):
    spec = SensitivitySpec(tickers=POWER + ("NRG",) + UTILITIES)
    return estimate(store, spec)


@pytest.fixture(scope="module")
def returns(sample_dir):
    """Simple returns from the CSV files on SPY's calendar (no stress code)."""
    cols = {}
    for t in set(POWER + UTILITIES + BASKET + ("SPY", "SMH")):
        f = pd.read_csv(sample_dir / "daily-close" / f"{t}.csv", parse_dates=["Date"], index_col="Date")
        cols[t] = f["Close"]
    prices = pd.DataFrame(cols)
    prices = prices.loc[prices["SPY"].notna()]
    return prices / prices.shift(1) - 1.0


def _ai_events():
    from stress.paths import config_dir

    data = yaml.safe_load((config_dir() / "events.yaml").read_text())
    return [(e["id"], pd.Timestamp(str(e["date"]))) for e in data["events"] if e["direction"] in ("up", "down")]


def _ar0(returns, ticker, day0):
    """Day-0 market-model AR and its forecast-error variance, statsmodels OLS on
    [-250, -11] (at least 60 returns), else None."""
    p = returns.index.get_loc(day0)
    est = returns.iloc[max(0, p - 250): max(0, p - 10)][[ticker, "SPY"]].dropna()
    r0 = returns[ticker].iloc[p]
    if len(est) < 60 or not np.isfinite(r0):
        return None
    fit = sm.OLS(est[ticker].to_numpy(), sm.add_constant(est["SPY"].to_numpy())).fit()
    x0 = np.array([[1.0, returns["SPY"].iloc[p]]])
    pred = fit.get_prediction(x0)
    return r0 - pred.predicted_mean[0], pred.se_obs[0] ** 2


def _independent_b(returns, ticker, drop=()):
    events = _ai_events()
    basket = [t for t in BASKET if t != ticker]

    def basket_ar(day0):
        vals = [_ar0(returns, t, day0) for t in basket]
        vals = [v[0] for v in vals if v is not None]
        return np.mean(vals) if vals else np.nan

    scale = abs(basket_ar(dict(events)["deepseek-r1"]))
    y, s, v = [], [], []
    for eid, day0 in events:
        if eid in drop:
            continue
        a = _ar0(returns, ticker, day0)
        if a is None:
            continue
        y.append(a[0])
        v.append(a[1])
        s.append(basket_ar(day0) / scale)
    fit = sm.WLS(np.array(y), np.array(s), weights=1.0 / np.array(v), hasconst=False).fit()
    return fit, len(y)


@pytest.mark.parametrize("ticker", ["VST", "TLN", "DUK"])
def test_event_b_matches_independent_computation(result, returns, ticker):
    fit, n = _independent_b(returns, ticker)
    row = result.table.loc[ticker]
    assert row["n_events"] == n
    assert row["b"] == pytest.approx(fit.params[0], rel=1e-6)
    assert row["se"] == pytest.approx(fit.bse[0], rel=1e-6)
    assert (row["ci_lo"], row["ci_hi"]) == pytest.approx(tuple(fit.conf_int(0.05)[0]), rel=1e-6)
    assert row["r2"] == pytest.approx(fit.rsquared, rel=1e-6)
    oos, n_oos = _independent_b(returns, ticker, drop=("deepseek-r1",))
    comp = result.comparison.loc[ticker]
    assert comp["n_events_oos"] == n_oos == n - 1
    assert comp["event_implied"] == pytest.approx(-oos.params[0], rel=1e-6)
    later = [eid for eid, day in _ai_events() if day >= pd.Timestamp("2025-01-27")]
    pre, n_pre = _independent_b(returns, ticker, drop=later)
    assert comp["n_events_pre"] == n_pre
    assert comp["event_implied_pre"] == pytest.approx(-pre.params[0], rel=1e-6)


def test_leave_one_out_matters_for_basket_members(result, returns):
    """VST measured against a basket that includes VST would be mechanically steeper."""
    import stress.sensitivity.event_based as eb

    shocks = result.shocks
    assert (shocks["s_without_VST"] != shocks["s"]).any()
    assert shocks.loc["deepseek-r1", ["s", "s_without_VST", "s_without_CEG"]].tolist() == [-1.0] * 3
    # with VST inside its own basket the slope changes (the rule is applied)
    used = shocks["used"].to_numpy()
    y = []
    for eid in shocks.index[used]:
        y.append(_ar0(returns, "VST", pd.Timestamp(shocks.loc[eid, "day0"])))
    yv = np.array([a[0] for a in y])[:, None]
    vv = np.array([a[1] for a in y])[:, None]
    inside = eb.wls_through_origin(yv, shocks["s"].to_numpy()[used][:, None], vv)
    assert inside.b[0] != pytest.approx(result.table.loc["VST", "b"], rel=1e-3)


def test_power_producers_positive_utilities_not(result):
    tab = result.table
    for t in POWER:
        assert tab.loc[t, "ci_lo"] > 0, t
        assert tab.loc[t, "n_events"] >= 10
    for t in UTILITIES:
        assert not tab.loc[t, "ci_lo"] > 0, t
    assert (tab.loc[list(POWER), "beta_ai"] > 0).all()


def test_factor_loadings_match_statsmodels(result, returns):
    R = returns.loc[: result.settings["as_of"]].iloc[-504:]
    f = R["SMH"]
    c = sm.OLS(f, sm.add_constant(R["SPY"])).fit().params
    ai = f - c.iloc[0] - c.iloc[1] * R["SPY"]
    for t in ("VST", "DUK"):
        X = sm.add_constant(np.column_stack([R["SPY"], ai]))
        L = int(np.floor(4 * (504 / 100) ** (2 / 9)))
        ref = sm.OLS(R[t].to_numpy(), X).fit(cov_type="HAC", cov_kwds={"maxlags": L})
        row = result.table.loc[t]
        assert row["beta_ai"] == pytest.approx(ref.params[2], rel=1e-8)
        assert row["se_ai"] == pytest.approx(ref.bse[2], rel=1e-8)
        assert row["beta_mkt"] == pytest.approx(ref.params[1], rel=1e-8)
        mm = sm.OLS(R[t].to_numpy(), sm.add_constant(R["SPY"].to_numpy())).fit()
        assert row["sigma"] == pytest.approx(np.sqrt(mm.scale), rel=1e-8)


def test_deepseek_comparison(result, returns):
    comp = result.comparison
    day0 = pd.Timestamp("2025-01-27")
    p = returns.index.get_loc(day0)
    pre = returns.iloc[p - 504: p]
    c = sm.OLS(pre["SMH"], sm.add_constant(pre["SPY"])).fit().params
    ai = pre["SMH"] - c.iloc[0] - c.iloc[1] * pre["SPY"]
    ai_move = returns["SMH"].iloc[p] - c.iloc[0] - c.iloc[1] * returns["SPY"].iloc[p]
    for t in ("VST", "DUK"):
        beta = sm.OLS(pre[t].to_numpy(), sm.add_constant(np.column_stack([pre["SPY"], ai]))).fit().params
        assert comp.loc[t, "factor_implied"] == pytest.approx(beta[2] * ai_move, rel=1e-8)
        assert comp.loc[t, "factor_market_part"] == pytest.approx(beta[1] * returns["SPY"].iloc[p], rel=1e-8)
        assert comp.loc[t, "actual_ar"] == pytest.approx(_ar0(returns, t, day0)[0], rel=1e-8)
    assert comp.loc["VST", "actual_return"] == pytest.approx(-0.283, abs=0.001)
    assert comp.loc["VST", "actual_ar"] < -0.2
    assert (comp.loc[list(UTILITIES), "actual_ar"] > 0).all()
    assert set(comp["closer"]) <= {"event", "factor"}
