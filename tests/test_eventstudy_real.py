"""The DeepSeek R1 sell-off (2025-01-27) on the real data, against published moves and an
independent statsmodels fit."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from stress.config import load_events
from stress.data.provider import load_closes
from stress.errors import InputError
from stress.eventstudy import EventStudySpec, run_event_study

AI_POWER = ["VST", "CEG", "TLN", "NRG"]
UTILS = ["DUK", "SO", "D", "AEP"]


@pytest.fixture
def closes(sample_store):
    return load_closes(sample_store, AI_POWER + UTILS + ["SPY", "XLU"])


@pytest.fixture
def study(closes):
    return run_event_study(closes, "deepseek-r1", AI_POWER, EventStudySpec(placebo=200),
                           groups={"ai": AI_POWER, "utilities4": UTILS}, catalogue=load_events())


def test_vst_day0_raw_and_abnormal(study, closes):
    vst = study.asset("VST")
    raw = closes["VST"].loc["2025-01-27"] / closes["VST"].loc["2025-01-24"] - 1
    assert round(raw, 3) == -0.283 and vst.return_day0 == pytest.approx(raw)
    assert vst.ar_day0 < -0.20
    assert study.event.day0 == "2025-01-27" and study.event.market_return_day0 == pytest.approx(-0.0141, abs=5e-4)


def test_market_model_matches_statsmodels_on_real_data(study, closes):
    r = closes[["VST", "SPY"]].pct_change()
    k = r.index.get_loc(r.loc["2025-01-27"].name)
    est = r.iloc[k - 250 : k - 10]  # days -250..-11
    X = sm.add_constant(est["SPY"])
    res = sm.OLS(est["VST"], X).fit()
    vst = study.asset("VST")
    assert vst.n_estimation == 240
    assert vst.intercept == pytest.approx(res.params["const"], rel=1e-8)
    assert vst.beta == pytest.approx(res.params["SPY"], rel=1e-8)
    assert vst.sigma == pytest.approx(np.sqrt(res.scale), rel=1e-8)
    win = r.iloc[k : k + 21]  # [0, 20]
    Xw = sm.add_constant(win["SPY"], has_constant="add")
    var = 21 * res.scale + res.get_prediction(Xw.sum(axis=0).to_numpy()[None, :]).var_pred_mean[0]
    w20 = {w.window: w for w in vst.windows}[(0, 20)]
    assert w20.car == pytest.approx(float((win["VST"] - Xw @ res.params).sum()), rel=1e-8)
    assert w20.var_car == pytest.approx(var, rel=1e-8)
    t = w20.car / np.sqrt(var)
    assert w20.t == pytest.approx(t, rel=1e-8)
    assert w20.p == pytest.approx(2 * stats.t.sf(abs(t), 240 - 2), rel=1e-8)


def test_ai_power_down_utilities_up(study):
    assert study.window((0, 0)).n == 8  # every ticker, groups included
    ai = study.window((0, 0), "ai")
    assert ai.n == 4 and ai.caar < -0.15
    assert all(study.asset(t).ar_day0 < -0.10 for t in AI_POWER)
    ut = study.window((0, 0), "utilities4")
    assert ut.n == 4 and ut.caar > 0
    assert all(study.asset(t).ar_day0 > 0 for t in UTILS)
    # clustering: the four AI-power names' residuals are strongly correlated, KP < BMP
    assert 0.4 < ai.mean_corr < 0.8
    assert abs(ai.tests["kp"][0]) < abs(ai.tests["bmp"][0])


def test_placebo_and_rebound_exist(study):
    p = study.placebo
    assert p is not None and p.used > 50 and len(p.windows) == 4
    assert study.window((0, 0)).placebo_p == pytest.approx(1 / (p.used + 1))  # beyond every placebo
    rb = study.rebound_groups
    assert "all" in rb.names and rb.path.shape[0] == 61 and np.isfinite(rb.recovered).all()


def test_listing_date_excludes_tln_before_2023_06(sample_store):
    closes = load_closes(sample_store, ["TLN", "VST", "SPY"])
    res = run_event_study(closes, "2023-07-03", ["TLN", "VST"], EventStudySpec(placebo=0))
    (t, why), = res.excluded
    assert t == "TLN" and "fewer than the minimum 60" in why
    with pytest.raises(InputError, match="no asset left"):
        run_event_study(closes, "2023-07-03", ["TLN"], EventStudySpec(placebo=0))
