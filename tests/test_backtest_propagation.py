"""Propagation backtest: one event by hand, planted Gaussian data, the real catalogue."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from stress.backtest.propagation import propagation_backtest
from stress.risk import ledoit_wolf


def _frame(x):
    return pd.DataFrame(x, index=pd.bdate_range("2015-01-01", periods=len(x)),
                        columns=[f"T{i}" for i in range(x.shape[1])])


def _cov(n, rng):
    a = rng.normal(size=(n, n))
    c = a @ a.T / n + np.eye(n)
    return c * 1e-4


def test_one_event_by_hand():
    rng = np.random.default_rng(0)
    x = rng.multivariate_normal(np.zeros(5), _cov(5, rng), size=400)
    x[100, 4] = np.nan  # T4 misses a day in the window: left out for that event
    f = _frame(x)
    day0 = f.index[300]
    r = propagation_backtest(f, [("e", day0)], ["T0", "T1"], cov_window=250, band=0.9)
    win = x[50:300, :4]
    S, _ = ledoit_wolf(win)
    s, u = [0, 1], [2, 3]
    A = S[np.ix_(u, s)] @ np.linalg.inv(S[np.ix_(s, s)])
    mean = A @ x[300, s]
    C = S[np.ix_(u, u)] - A @ S[np.ix_(s, u)]
    a = r.assets
    assert list(a["ticker"]) == ["T2", "T3"]
    assert a["expected"].to_numpy() == pytest.approx(mean, rel=1e-9)
    assert a["sd"].to_numpy() == pytest.approx(np.sqrt(np.diag(C)), rel=1e-9)
    z = stats.norm.ppf(0.95)
    inside = np.abs(x[300, u] - mean) <= z * np.sqrt(np.diag(C))
    e = r.events.loc["e"]
    assert e["coverage"] == pytest.approx(inside.mean())
    d2 = x[300, s] @ np.linalg.inv(S[np.ix_(s, s)]) @ x[300, s]
    assert e["mahalanobis"] == pytest.approx(np.sqrt(d2))
    assert e["percentile"] == pytest.approx(stats.chi2.cdf(d2, 2))
    err = x[300, u] - mean
    assert e["joint_d"] == pytest.approx(np.sqrt(err @ np.linalg.inv(C) @ err), rel=1e-8)
    assert e["cov_start"] == f"{f.index[50]:%Y-%m-%d}" and e["cov_end"] == f"{f.index[299]:%Y-%m-%d}"


def test_planted_gaussian_covers_near_nominal_and_fat_event_days_do_not():
    rng = np.random.default_rng(1)
    n = 8
    x = rng.multivariate_normal(np.zeros(n), _cov(n, rng), size=3000)
    f = _frame(x)
    rows = np.arange(400, 3000, 13)
    events = [(f"e{i}", f.index[p]) for i, p in enumerate(rows)]
    r = propagation_backtest(f, events, ["T0", "T1"], cov_window=300)
    cover = r.assets["inside"].mean()
    assert abs(cover - 0.90) < 0.03
    assert abs(r.events["percentile"].mean() - 0.5) < 0.06  # uniform under the model
    # event days with 3x the normal spread: the bands (from calm windows) are too narrow
    y = x.copy()
    y[rows] *= 3
    r3 = propagation_backtest(_frame(y), events, ["T0", "T1"], cov_window=300)
    assert r3.assets["inside"].mean() < 0.6
    assert "too rarely" in r3.summary()


@pytest.mark.sample_data
def test_real_catalogue_deepseek(sample_home):
    from stress.cli import cli

    res = CliRunner().invoke(cli, ["--offline", "backtest", "propagation", "--json"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    ev = {e["event"]: e for e in out["events"]}
    ds = ev["deepseek-r1"]
    assert ds["day0"] == "2025-01-27" and ds["coverage"] < 0.7 and ds["tail"] < 1e-6
    assert ds["conditioned"].split()[0] == "SPY"
    vrt = [a for a in out["assets"] if a["event"] == "deepseek-r1" and a["ticker"] == "VRT"][0]
    assert vrt["actual"] < -0.25 and vrt["expected"] < 0  # VRT fell 29.9% on DeepSeek


@pytest.mark.sample_data
def test_cli_out_and_text(sample_home, tmp_path):
    from stress.cli import cli

    out = tmp_path / "bt"
    res = CliRunner().invoke(cli, ["--offline", "backtest", "propagation", "--events",
                                   "deepseek-r1,stargate", "--condition", "SPY,VST,CEG",
                                   "--out", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "deepseek-r1" in res.stdout and "conditional bands held" in res.stdout
    events = pd.read_csv(out / "events.csv")
    assert list(events["event"]) == ["deepseek-r1", "stargate"]
    assert set(events["conditioned"]) == {"SPY VST CEG"}
    assets = pd.read_csv(out / "assets.csv")
    assert (assets.groupby("event")["inside"].mean().reindex(events["event"]).to_numpy()
            == pytest.approx(events["coverage"].to_numpy()))
