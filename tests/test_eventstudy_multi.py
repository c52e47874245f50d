"""run_event_studies (M events in one batch) against run_event_study per event, and one
asset's numbers against an independent statsmodels fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from stress.config import load_events
from stress.data.provider import load_closes
from stress.errors import InputError
from stress.eventstudy import EventStudySpec, run_event_studies, run_event_study

TICKERS = ["AAA", "BBB", "CCC", "DDD", "EEE"]
DAYS = ["2023-06-05", "2024-01-16", "2025-01-27"]


def _closes(seed: int = 5) -> pd.DataFrame:
    """Business-day closes of SPY and five assets with planted day-0 moves and gaps that
    differ per event: EEE has no prices for most of event 2's estimation window
    (excluded there only) and CCC misses a day in event 3's [-1, 1] window."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2022-06-01", "2025-06-30")
    n = len(dates)
    mkt = rng.normal(0.0003, 0.01, n)
    common = rng.normal(0, 0.008, n)
    r = {"SPY": mkt}
    for i, t in enumerate(TICKERS):
        r[t] = 0.0002 + (0.6 + 0.3 * i) * mkt + 0.6 * common + rng.normal(0, 0.012, n)
    ret = pd.DataFrame(r, index=dates)
    for k, d in enumerate(DAYS):
        ret.loc[pd.Timestamp(d), TICKERS] += -0.05 * (k + 1)
    ret.iloc[0] = 0.0
    closes = 100 * (1 + ret).cumprod()
    closes.loc["2023-07-03":"2023-11-30", "EEE"] = np.nan
    closes.loc["2025-01-28", "CCC"] = np.nan
    return closes


def _same(a, b, path=""):
    """Recursive equality of to_dict() trees, floats to 1e-12 relative, NaN == NaN."""
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for k in a:
            if k != "seconds":  # the placebo's wall-clock time
                _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b, rel=1e-12, abs=1e-15), path
    else:
        assert a == b, path


def test_many_events_equal_one_call_per_event():
    closes = _closes()
    spec = EventStudySpec(placebo=30, windows=((0, 0), (-1, 1), (0, 5)), min_estimation=200)
    groups = {"early": ["AAA", "BBB"], "late": ["DDD", "EEE"]}
    many = run_event_studies(closes, DAYS, ["AAA", "CCC"], spec, groups, placebo_exclude=())
    assert [r.event.day0 for r in many] == DAYS
    for day, res in zip(DAYS, many):
        one = run_event_study(closes, day, ["AAA", "CCC"], spec, groups, placebo_exclude=())
        _same(res.to_dict(), one.to_dict(), day)
    # the planted per-event gaps are reported on their own event only
    assert [t for t, _ in many[1].excluded] == ["EEE"] and not many[0].excluded and not many[2].excluded
    assert any(w.startswith("CCC: 1 missing return(s) in window [-1,1]") for w in many[2].warnings)
    assert not any(w.startswith("CCC:") for w in many[0].warnings + many[1].warnings)


def test_one_asset_against_statsmodels():
    closes = _closes()
    spec = EventStudySpec(placebo=0, windows=((0, 0), (0, 5)))
    res = run_event_studies(closes, DAYS, ["BBB"], spec)[2]  # the last event of the batch
    r = closes[["BBB", "SPY"]].pct_change()
    k = int(r.index.get_loc(pd.Timestamp(DAYS[2])))
    est = r.iloc[k - 250 : k - 10]
    ols = sm.OLS(est["BBB"], sm.add_constant(est["SPY"])).fit()
    w = r.iloc[k : k + 6]
    car = float((w["BBB"] - ols.params["const"] - ols.params["SPY"] * w["SPY"]).sum())
    a = res.asset("BBB")
    assert a.intercept == pytest.approx(ols.params["const"], rel=1e-9)
    assert a.beta == pytest.approx(ols.params["SPY"], rel=1e-9)
    assert a.windows[1].car == pytest.approx(car, rel=1e-9)


def test_real_data_three_catalogue_events(sample_store):
    tickers = ["VST", "CEG", "NRG", "DUK"]
    closes = load_closes(sample_store, tickers + ["SPY"])
    events = ["deepseek-r1", "yen-carry-unwind", "talen-amazon-cumulus"]
    spec = EventStudySpec(placebo=0)
    cat = load_events()
    many = run_event_studies(closes, events, tickers, spec, catalogue=cat)
    for ev, res in zip(events, many):
        _same(res.to_dict(), run_event_study(closes, ev, tickers, spec, catalogue=cat).to_dict(), ev)
    assert many[0].asset("VST").ar_day0 < -0.15  # the DeepSeek sell-off


def test_bad_inputs_say_which():
    closes = _closes()
    with pytest.raises(InputError, match="no events"):
        run_event_studies(closes, [], TICKERS)
    with pytest.raises(InputError, match="first session"):
        run_event_studies(closes, [DAYS[0], "2022-06-01"], TICKERS, EventStudySpec(placebo=0))
