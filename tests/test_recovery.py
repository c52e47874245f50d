"""Recovery (the Jevons question) and confounders: sessions to regain the pre-event close
against a plain loop, planted falls and rises in simulated prices with words that follow
the sign, and the real DeepSeek dates read straight from the CSV files."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from stress.eventstudy.confounders import clean_until, find_confounders
from stress.eventstudy.recovery import _verdict, sessions_to_regain


def _loop_regain(col: np.ndarray, pos: int) -> float:
    pre, d0 = col[pos - 1], col[pos]
    if not (np.isfinite(pre) and np.isfinite(d0)) or d0 == pre:
        return float("nan")
    for s in range(1, len(col) - pos):
        c = col[pos + s]
        if np.isfinite(c) and ((d0 < pre and c >= pre) or (d0 > pre and c <= pre)):
            return float(s)
    return float("nan")


def test_sessions_to_regain_equals_a_plain_loop():
    rng = np.random.default_rng(3)
    x = 100 * np.cumprod(1 + rng.normal(0, 0.02, (300, 40)), axis=0)
    x[rng.random(x.shape) < 0.01] = np.nan  # gaps are never a hit
    pos = 150
    move, sessions = sessions_to_regain(x, pos)
    expected = np.array([_loop_regain(x[:, j], pos) for j in range(x.shape[1])])
    np.testing.assert_array_equal(np.isnan(sessions), np.isnan(expected))
    ok = ~np.isnan(expected)
    np.testing.assert_array_equal(sessions[ok], expected[ok])
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(move, x[pos] / x[pos - 1] - 1)


@pytest.mark.parametrize("ar0,car,words", [
    (-0.20, 0.05, "fully reversed"), (-0.20, -0.05, "most of the fall was reversed"),
    (-0.20, -0.15, "part of the fall"), (-0.20, -0.30, "the fall had extended"),
    (0.10, -0.01, "fully given back"), (0.10, 0.02, "most of the gain was given back"),
    (0.10, 0.08, "part of the gain was kept"), (0.10, 0.20, "kept and extended"),
])
def test_verdict_words_follow_the_signs(ar0, car, words):
    assert words in _verdict(ar0, car, 250)


def _world(direction: int, recover: bool, seed: int = 5):
    """Simulated closes: four 'power' assets that move 15% on day 0 in ``direction``
    (and then give it back over 40 sessions if ``recover``), the market flat-ish."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2022-01-03", periods=700)
    t0 = 500
    m = rng.normal(0.0002, 0.008, len(days))
    cols = {"SPY": m}
    for k in range(4):
        r = m + rng.normal(0, 0.004, len(days))
        r[t0] += direction * 0.15
        if recover:
            r[t0 + 1: t0 + 41] -= direction * 0.15 / 40 * 2.0
        else:
            r[t0 + 1: t0 + 41] += direction * 0.002
        cols[f"P{k}"] = r
    closes = pd.DataFrame({t: 50 * np.cumprod(1 + v) for t, v in cols.items()}, index=days)
    return closes, days[t0]


@pytest.mark.parametrize("direction,recover,phrase", [
    (-1, True, "fully reversed"), (-1, False, "the fall had extended"),
    (1, True, "fully given back"), (1, False, "kept and extended"),
])
def test_planted_moves_give_words_that_follow_their_sign(direction, recover, phrase):
    from stress.config import Configs, Group, Universe
    from stress.analysis import recovery
    from stress.events.catalogue import Catalogue
    from stress.market import market_data
    from stress.scenarios.catalogue import ScenarioCatalogue

    closes, day0 = _world(direction, recover)
    md = market_data(closes, "SPY")
    u = Universe("SPY", (Group("power", "Power names", ("P0", "P1", "P2", "P3")),), None)
    configs = Configs(u, Catalogue(events=(), path=None), ScenarioCatalogue((), None, 60, "x", None))
    rec = recovery(md, configs, day0.date(), [], None, {"power": ["P0", "P1", "P2", "P3"]},
                   horizons=(60, 120))
    g = next(x for x in rec.groups if x.name == "power")
    assert (g.caar0 < 0) == (direction < 0)
    assert ("fell" if direction < 0 else "rose") in g.sentence
    # the verb carries the sign: "fell 12.3%", never "fell -12.3%"
    assert f"{'fell' if direction < 0 else 'rose'} {abs(g.caar0) * 100:.1f}% on day 0" in g.sentence, g.sentence
    assert phrase in g.sentence, g.sentence
    if recover:
        assert g.n_back == 4 and g.median_sessions <= 40
    else:
        assert g.n_back == 0 and "none of the 4" in g.sentence




@pytest.mark.sample_data
def test_deepseek_regained_dates_match_the_csv_files(sample_store, sample_dir):
    """TLN and NRG regained their 2025-01-24 close on 2025-02-18, GEV on 2025-05-13, VST
    on 2025-06-27, CEG on 2025-07-31 (read from the CSVs with no stress code)."""
    from stress import analysis
    from stress.config import load_configs
    from stress.market import market_data

    expected = {}
    for t in ("VST", "CEG", "TLN", "NRG", "GEV"):
        f = pd.read_csv(sample_dir / "daily-close" / f"{t}.csv", parse_dates=["Date"], index_col="Date")["Close"]
        pre = f.loc[:"2025-01-24"].iloc[-1]
        after = f.loc["2025-01-28":]
        expected[t] = f"{after[after >= pre].index[0]:%Y-%m-%d}"
    assert expected == {"TLN": "2025-02-18", "NRG": "2025-02-18", "GEV": "2025-05-13",
                        "VST": "2025-06-27", "CEG": "2025-07-31"}
    configs = load_configs()
    md = market_data(sample_store.read_closes(sample_store.tickers()), "SPY")
    rec = analysis.recovery(md, configs, "deepseek-r1", list(expected))
    got = {a.ticker: a.date for a in rec.assets}
    assert got == expected
    g = rec.groups[0]
    assert g.n_back == 5 and g.first == ("NRG", "2025-02-18") or g.first[1] == "2025-02-18"
    assert g.last == ("CEG", "2025-07-31")
    assert "td-cowen-microsoft-leases on day +18" in g.sentence


@pytest.mark.sample_data
def test_deepseek_confounders_inside_its_windows(sample_store):
    """The TD Cowen lease report is day +18 of DeepSeek, inside [0,20]; TD Cowen 2 GW,
    Liberation Day and the tariff pause fall in the 60-day rebound only. Days counted
    independently on SPY's calendar."""
    from stress import analysis
    from stress.config import load_configs
    from stress.eventstudy import EventStudySpec
    from stress.market import market_data

    configs = load_configs()
    md = market_data(sample_store.read_closes(["SPY", "VST", "CEG"]), "SPY")
    res = analysis.event_study(md, configs, "deepseek-r1", ["VST", "CEG"], EventStudySpec(placebo=0))
    cal = md.calendar
    d0 = cal.get_loc(pd.Timestamp("2025-01-27"))
    want = {}
    for e in configs.events:
        if e.id == "deepseek-r1":
            continue
        i = int(cal.searchsorted(pd.Timestamp(e.date)))
        if i < len(cal) and -1 <= i - d0 <= 60:
            want[e.id] = i - d0
    got = {c.id: c.day for c in res.confounders}
    assert got == want
    assert want["td-cowen-microsoft-leases"] == 18
    by = {c.id: c for c in res.confounders}
    assert by["td-cowen-microsoft-leases"].windows == ((0, 20),)
    for rebound_only in ("td-cowen-microsoft-2gw", "liberation-day-tariffs", "tariff-pause"):
        assert by[rebound_only].windows == ()
    assert clean_until(res.confounders) == 17
    assert res.to_dict()["rebound"]["clean_until"] == 17


def test_confounder_on_the_same_day_and_outside():
    cal = pd.bdate_range("2025-01-01", periods=100)

    class E:
        def __init__(self, i, d):
            self.id, self.date, self.title, self.direction = i, d, i, "down"

    evs = [E("own", date(2025, 2, 3)), E("same", date(2025, 2, 1)), E("far", date(2025, 5, 30)),
           E("before", date(2025, 1, 31))]
    pos = cal.get_loc(pd.Timestamp("2025-02-03"))
    got = find_confounders(cal, pos, evs, "own", [(-1, 1), (0, 5)], horizon=20)
    assert [(c.id, c.day, c.windows) for c in got] == [("before", -1, ((-1, 1),)),
                                                        ("same", 0, ((-1, 1), (0, 5)))]
    assert clean_until(got) is None
