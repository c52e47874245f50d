"""Robust tests, Holm/BH and the robust size check added to a single-event study."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from stress.cli import cli
from stress.config import load_events
from stress.eventstudy import EventStudySpec, run_event_study
from stress.eventstudy.robust_single import adjusted_single_tests, robust_for, robust_size

sys.path.insert(0, str(Path(__file__).parent))
from test_eventstudy_pooled import _grank_loops, _panel  # noqa: E402

BASKET = ["VST", "CEG", "TLN", "NRG"]


def test_robust_size_holds_on_independent_simulated_returns():
    """No effect, independent residuals, 10 firms on ~210 placebo dates: the adjusted
    Patell and BMP reject near 5%. GRANK's cross-sectional restandardisation makes it
    over-reject with few firms (documented); it stays below 12% here."""
    rng = np.random.default_rng(5)
    closes = _panel(rng, n_firms=10, n_days=1200, rho=0.0)
    dates = [str(d.date()) for d in closes.index[300:1150:4]]
    size = robust_size(closes, list(closes.columns[:10]), dates, EventStudySpec(market="MKT", placebo=0))
    rates = size[(0, 0)]
    assert 0.02 <= rates["adj_patell"] <= 0.09 and 0.02 <= rates["adj_bmp"] <= 0.09, rates
    assert rates["grank"] <= 0.12, rates


def test_single_study_robust_tests_by_hand(sample_store):
    """GRANK of the DeepSeek basket recomputed from the formula on fits done by hand
    (np.polyfit over days -250..-11), and the adjusted BMP equal to the study's KP."""
    closes = sample_store.read_closes(BASKET + ["SPY"])
    spec = EventStudySpec(placebo=30, windows=((0, 0),))
    cat = load_events()
    res = run_event_study(closes, "deepseek-r1", BASKET, spec, catalogue=cat)
    extra = robust_for(closes, res, cat.get("deepseek-r1"), BASKET)
    row = extra.pooled.row((0, 0))
    assert row.tests["adj_bmp"][0] == pytest.approx(res.window((0, 0)).tests["kp"][0], rel=1e-9)
    r = closes.pct_change()
    pos = r.index.get_loc(pd.Timestamp("2025-01-27"))
    sar, scar = [], []
    for t in BASKET:
        est = r[[t, "SPY"]].iloc[pos - 250: pos - 10]
        b, a = np.polyfit(est["SPY"], est[t], 1)
        resid = est[t] - a - b * est["SPY"]
        s = np.sqrt((resid**2).sum() / (len(resid) - 2))
        x = est["SPY"].to_numpy()
        x0 = r["SPY"].iloc[pos]
        var = s**2 * (1 + 1 / len(x) + (x0 - x.mean()) ** 2 / ((x - x.mean()) ** 2).sum())
        sar.append(resid.to_numpy() / s)
        scar.append((r[t].iloc[pos] - a - b * x0) / np.sqrt(var))
    want = _grank_loops(np.array(sar), np.array(scar))
    assert row.tests["grank"] == pytest.approx(want, rel=1e-8)
    # the size check ran on the study's own placebo dates
    assert set(extra.size[(0, 0)]) == {"adj_patell", "adj_bmp", "grank"}
    assert extra.size[(0, 0)]["adj_bmp"] == pytest.approx(res.placebo.windows[0].rejection["kp"])


def test_adjusted_single_tests_are_monotone_and_per_test(sample_store):
    closes = sample_store.read_closes(BASKET + ["SPY", "DUK", "SO"])
    res = run_event_study(closes, "deepseek-r1", (), EventStudySpec(placebo=0),
                          {"ai_power": BASKET, "utilities": ["DUK", "SO"]}, catalogue=load_events())
    frame = adjusted_single_tests(res)
    assert len(frame) == 3 * 4 * 6  # scopes x windows x tests
    for test, sub in frame.groupby("test"):
        ok = sub.dropna(subset=["p"])
        assert (ok.p_holm >= ok.p - 1e-15).all() and (ok.p_bh >= ok.p - 1e-15).all()
        assert (ok.p_holm >= ok.p_bh - 1e-15).all()  # Holm is never less strict than BH
        m = len(ok)
        assert ok.p_holm.min() == pytest.approx(min(1.0, m * ok.p.min()))


def test_cli_single_study_shows_and_writes_the_additions(sample_home, tmp_path):
    res = CliRunner().invoke(cli, ["--offline", "event-study", "deepseek-r1", "VST", "CEG", "TLN", "NRG",
                                   "--placebo", "40", "--out", str(tmp_path / "o")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "Robust tests and multiple testing" in res.stdout and "GRANK" in res.stdout
    assert "adj patell" in res.stdout  # the size check covers the robust tests
    assert (tmp_path / "o" / "tests_adjusted.csv").is_file() and (tmp_path / "o" / "robust_tests.csv").is_file()
    res = CliRunner().invoke(cli, ["--offline", "event-study", "deepseek-r1", "VST", "CEG", "--placebo", "0",
                                   "--json"], catch_exceptions=False)
    got = json.loads(res.stdout)
    assert {"robust_tests", "multiple_testing"} <= set(got)
    assert {"p_holm", "p_bh"} <= set(got["multiple_testing"][0])


def test_size_check_rows_equal_the_pooled_study_event_rows():
    """The size check's lighter driver (pooled.event_robust_tests, GRANK batched over the
    samples of one size) gives exactly the adjusted Patell, adjusted BMP and GRANK of
    the event rows of the full pooled study, on data with gaps and an excluded firm."""
    from stress.eventstudy import robust
    from stress.eventstudy.pairs import FirmEvent
    from stress.eventstudy.pooled import event_robust_tests, run_pooled_study

    rng = np.random.default_rng(8)
    closes = _panel(rng, n_firms=6, n_days=900, rho=0.3)
    holes = rng.random(closes.shape) < 0.01
    holes[:, -1] = False  # the market (last column) complete
    closes = closes.mask(holes)
    closes.iloc[300:700, 2] = np.nan  # one firm too short on some dates
    firms = list(closes.columns[:6])
    dates = [d.date() for d in closes.index[400:880:40]]
    fes = [FirmEvent(t, d, str(d)) for d in dates for t in firms]
    spec = EventStudySpec(market="MKT", placebo=0)
    light = event_robust_tests(closes, fes, spec)
    full = run_pooled_study(closes, fes, spec)
    for w in spec.windows:
        rows = [r for r in full.rows if r.scope_kind == "event" and r.window == tuple(w)]
        assert len(rows) == len(light[tuple(w)]) == len(dates)
        for r, tests in zip(rows, light[tuple(w)]):
            for t in ("adj_patell", "adj_bmp", "grank"):
                np.testing.assert_array_equal(r.tests[t], tests[t], err_msg=f"{t} {w} {r.scope}")
    # GRANK of several samples at once equals each sample alone
    sar, scar = rng.standard_normal((5, 7, 240)), rng.standard_normal((5, 7))
    sar[1, 2, 10:30] = np.nan
    t, p = robust.grank_many(sar, scar)
    for k in range(5):
        assert (t[k], p[k]) == robust.grank(sar[k], scar[k])
