"""Placebo inference: per-group placebo CAARs, the default count (every qualifying
session, up to 1,000) and the one-line size-check warning. Simulated closes with a
planted day-0 move; group CAARs re-computed here by plain least squares."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from stress.errors import InputError
from stress.eventstudy import EventStudySpec, run_event_study

DAY0 = "2025-01-27"
TICKERS = ("AAA", "BBB", "CCC", "DDD")
GROUPS = {"g1": ["AAA", "BBB"], "g2": ["CCC", "DDD"]}


def _closes(n_days=900, seed=3, common=0.7):
    """Business-day closes of SPY and four assets sharing a common shock; -20% on day 0."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(end="2025-06-30", periods=n_days)
    mkt = rng.normal(0.0003, 0.01, n_days)
    shock = rng.normal(0, 0.01, n_days)
    k = int(dates.get_loc(pd.Timestamp(DAY0)))
    r = {"SPY": mkt}
    for i, t in enumerate(TICKERS):
        x = 0.0004 + (0.8 + 0.4 * i) * mkt + common * shock + rng.normal(0, 0.01, n_days)
        x[k] -= 0.20
        r[t] = x
    ret = pd.DataFrame(r, index=dates)
    ret.iloc[0] = 0.0
    return 100 * (1 + ret).cumprod()


def _group_caar_by_hand(closes: pd.DataFrame, day: str, members, window, est=(-250, -11)) -> float:
    """Market-model CAR of each member over ``window`` around ``day`` (OLS by lstsq on
    the estimation window), averaged over the members."""
    r = closes.pct_change()
    i = r.index.get_loc(pd.Timestamp(day))
    e = r.iloc[i + est[0] : i + est[1] + 1]
    w = r.iloc[i + window[0] : i + window[1] + 1]
    cars = []
    for t in members:
        x = np.column_stack([np.ones(len(e)), e["SPY"].to_numpy()])
        (alpha, beta), *_ = np.linalg.lstsq(x, e[t].to_numpy(), rcond=None)
        cars.append(float((w[t] - alpha - beta * w["SPY"]).sum()))
    return float(np.mean(cars))


@pytest.fixture(scope="module")
def grouped():
    closes = _closes()
    spec = EventStudySpec(placebo=12, placebo_pool=400, seed=7)
    return closes, run_event_study(closes, DAY0, [], spec, GROUPS, placebo_exclude=[])


# ---- 1. per-group placebo CAARs ------------------------------------------------------
def test_group_caar_kept_and_equal_to_an_independent_fit(grouped):
    closes, res = grouped
    p = res.placebo
    assert set(p.group_caar) == set(GROUPS)
    for g, members in GROUPS.items():
        gc = p.group_caar[g]
        assert gc.shape == (12, len(res.spec.windows))
        for i, day in enumerate(res.placebo_dates):
            for j, w in enumerate(res.spec.windows):
                assert gc[i, j] == pytest.approx(_group_caar_by_hand(closes, day, members, w), abs=1e-12)


def test_group_placebo_p_uses_the_group_distribution(grouped):
    _, res = grouped
    p = res.placebo
    for g in GROUPS:
        for j, w in enumerate(res.spec.windows):
            actual = res.window(w, g).caar
            c = p.group_caar[g][:, j]
            want = (1 + np.sum(np.abs(c) >= abs(actual))) / (len(c) + 1)
            assert p.windows[j].group_p[g] == pytest.approx(want)
            assert res.window(w, g).placebo_p == pytest.approx(want)
    # the -20% day-0 move of each group beats every one of its 12 placebo CAARs
    assert res.window((0, 0), "g1").placebo_p == pytest.approx(1 / 13)


def test_group_caar_in_frame_and_json(grouped):
    _, res = grouped
    p = res.placebo
    f = res.to_frame("placebo")
    assert {"group", "date", "window_start", "window_end", "caar"} <= set(f.columns)
    assert len(f) == 12 * 4 * 3  # dates x windows x (all, g1, g2)
    for g, arr in [("all", p.caar), *p.group_caar.items()]:
        for j, (a, b) in enumerate(res.spec.windows):
            sub = f[(f["group"] == g) & (f["window_start"] == a) & (f["window_end"] == b)]
            assert list(sub["date"]) == list(res.placebo_dates)
            np.testing.assert_allclose(sub["caar"].to_numpy(), arr[:, j])
    d = res.to_dict()["placebo"]
    json.dumps(d)
    assert d["dates"] == list(res.placebo_dates)
    series = {(s["group"], tuple(s["window"])): s["caar"] for s in d["caar"]}
    assert set(series) == {(g, w) for g in ("all", "g1", "g2") for w in res.spec.windows}
    np.testing.assert_allclose(series[("g2", (0, 5))], p.group_caar["g2"][:, 2])
    np.testing.assert_allclose(series[("all", (0, 0))], p.caar[:, 0])


# ---- 2. the default count ------------------------------------------------------------
def _placebo_warnings(res):
    return [w for w in res.warnings if w.startswith("placebo:")]


def test_default_uses_every_qualifying_session_without_warning():
    assert EventStudySpec().placebo is None  # the default: all that qualify, up to 1,000
    res = run_event_study(_closes(), DAY0, list(TICKERS), EventStudySpec(), placebo_exclude=[])
    p = res.placebo
    # pool: the 250 sessions before day 0; windows [-1, 20] must end before day -1, so
    # day -s qualifies when -s + 20 < -1, i.e. s = 22..250: 229 sessions
    assert p.candidates == 229 and p.used == 229 and len(set(res.placebo_dates)) == 229
    assert _placebo_warnings(res) == []
    d = res.to_dict()["placebo"]
    assert d["n"] == 229 and d["pool"] == 250 and d["requested"] is None
    assert d["first_date"] == res.placebo_dates[0] and d["last_date"] == res.placebo_dates[-1]
    assert res.to_dict()["settings"]["placebo"] is None


def test_default_caps_at_1000_drawn_without_replacement():
    closes = _closes(n_days=1700)
    spec = EventStudySpec(placebo_pool=1300, windows=((0, 0),))
    res = run_event_study(closes, DAY0, ["AAA", "BBB"], spec, placebo_exclude=[])
    p = res.placebo
    # window [0,0]: a placebo day must come before day 0, so all 1,300 sessions qualify
    assert p.candidates == 1300 and p.used == 1000
    assert len(set(res.placebo_dates)) == 1000 and list(res.placebo_dates) == sorted(res.placebo_dates)
    assert _placebo_warnings(res) == []


def test_explicit_count_warns_only_when_more_than_qualify():
    closes = _closes()
    few = run_event_study(closes, DAY0, ["AAA"], EventStudySpec(placebo=100), placebo_exclude=[])
    assert few.placebo.used == 100 and _placebo_warnings(few) == []
    many = run_event_study(closes, DAY0, ["AAA"], EventStudySpec(placebo=500), placebo_exclude=[])
    assert many.placebo.used == 229
    (line,) = _placebo_warnings(many)
    assert "500" in line and "229" in line


def test_spec_rejects_negative_placebo():
    with pytest.raises(InputError, match="placebo"):
        EventStudySpec(placebo=-1)


# ---- 3. the size check in one line ---------------------------------------------------
def test_size_check_is_one_line_listing_every_flagged_window():
    res = run_event_study(_closes(common=2.0), DAY0, list(TICKERS), EventStudySpec(), placebo_exclude=[])
    p = res.placebo
    flagged = [w for w in p.windows if w.flagged]
    assert len(flagged) >= 2  # strongly correlated residuals: the naive tests over-reject
    lines = [w for w in res.warnings if "size check" in w]
    assert len(lines) == 1
    line = lines[0]
    for w in p.windows:
        label = f"[{w.window[0]},{w.window[1]}]"
        assert (label in line) == bool(w.flagged)
        for t in w.flagged:
            assert re.search(re.escape(label) + r"[^\[]*\b" + t + f" {w.rejection[t]:.1%}", line)
    assert "5%" in line and str(p.used) in line


def test_report_view_takes_the_group_distributions(grouped):
    from stress.report.event_view import event_view

    _, res = grouped
    view = event_view(res, ("g1", "g2"), {"g1": "Group one", "g2": "Group two"}, None)
    pl = view.placebo  # main window [0,0]: one histogram per group in the report
    assert set(pl["group"]) == {"g1", "g2"}
    for g in ("g1", "g2"):
        np.testing.assert_allclose(pl.loc[pl["group"] == g, "caar"].to_numpy(), res.placebo.group_caar[g][:, 0])
