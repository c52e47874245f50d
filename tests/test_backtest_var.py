"""VaR/ES backtest: forecasts against independent computations, planted data, real data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from stress.backtest.var import backtest_book, rolling_forecasts
from stress.risk import ledoit_wolf


def _frame(x):
    return pd.DataFrame(x, index=pd.bdate_range("2018-01-01", periods=len(x)),
                        columns=[f"A{i}" for i in range(x.shape[1])])


def test_forecast_uses_the_window_before_the_day():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 2)) * 0.01
    x[5, 1] = np.nan  # an incomplete day: no test on it, left out of windows
    v = np.array([100.0, -40.0])
    f = rolling_forecasts(x, v, window=100, min_obs=80, methods=("historical", "normal"),
                          confidences=(0.99,), null_sims=0)
    assert 5 not in f.rows and f.rows[0] == 80 + 1  # rows 0..80 hold 80 complete days
    for i in (0, 50, len(f.rows) - 1):
        t = f.rows[i]
        w = x[max(t - 100, 0):t]
        w = w[np.isfinite(w).all(axis=1)]
        pnl = w @ v
        # historical VaR: the inverted-cdf empirical quantile of the loss
        assert f.var["historical"][0.99][i] == pytest.approx(
            np.quantile(-pnl, 0.99, method="inverted_cdf"))
        cov, _ = ledoit_wolf(w)
        mu, sd = v @ w.mean(axis=0), np.sqrt(v @ cov @ v)
        assert f.var["normal"][0.99][i] == pytest.approx(-mu + sd * stats.norm.ppf(0.99))
        assert f.es["normal"][0.99][i] == pytest.approx(-mu + sd * stats.norm.pdf(stats.norm.ppf(0.99)) / 0.01)
        assert f.pnl[i] == pytest.approx(x[t] @ v)


def test_monte_carlo_day_equals_the_risk_core():
    from stress.risk import var_es_montecarlo

    rng = np.random.default_rng(7)
    x = rng.multivariate_normal([0, 0, 0], np.diag([1.0, 2.0, 0.5]) * 1e-4, size=300)
    v = np.array([3e5, -1e5, 2e5])
    f = rolling_forecasts(x, v, window=120, min_obs=100, methods=("montecarlo",),
                          confidences=(0.95, 0.99), n_sims=3000, seed=4, null_sims=0)
    for i in range(len(f.rows)):  # every day: each block of days, both levels
        t = f.rows[i]
        w = x[t - 120 if t >= 120 else 0:t]
        cov, _ = ledoit_wolf(w)
        for a in (0.95, 0.99):
            ref = var_es_montecarlo(v, w.mean(axis=0), cov, n_sims=3000, confidence=a, seed=4)
            assert f.var["montecarlo"][a][i] == pytest.approx(ref.var, rel=1e-9)
            assert f.es["montecarlo"][a][i] == pytest.approx(ref.es, rel=1e-9)


def test_normal_returns_cover_near_nominal():
    rng = np.random.default_rng(11)
    cov = np.array([[1.0, 0.5], [0.5, 2.0]]) * 1e-4
    x = rng.multivariate_normal([0, 0], cov, size=2300)
    r = backtest_book(_frame(x), [6e5, 4e5], nav=1e6, window=250, methods=("historical", "normal"),
                      null_sims=500)
    c = r.coverage.set_index(["method", "confidence"])
    for conf in (0.95, 0.99):
        row = c.loc[("normal", conf)]
        assert row["n"] == 2300 - 60  # from the day with min_obs = 60 complete days before it
        assert abs(row["rate"] - (1 - conf)) < 0.4 * (1 - conf)
        assert row["p_pof"] > 0.05 and row["p_ind"] > 0.01
        # Z2 against its simulated null at a 1% size (the null takes the window's
        # estimates as true, so estimation error leans Z2 slightly negative)
        assert row["z2_p"] > 0.01


def test_fat_tails_make_normal_var_undercover_at_99():
    rng = np.random.default_rng(5)
    x = stats.t.rvs(3, size=(2300, 1), random_state=rng) * 0.01
    r = backtest_book(_frame(x), [1e6], nav=1e6, window=250, methods=("historical", "normal"),
                      null_sims=500)
    c = r.coverage.set_index(["method", "confidence"])
    normal = c.loc[("normal", 0.99)]
    assert normal["hits"] > 1.4 * normal["expected"] and normal["p_pof"] < 0.05
    assert "understates the risk" in r.summary()
    # the empirical quantile adapts to the tail: closer to 1% than the normal one
    assert abs(c.loc[("historical", 0.99), "rate"] - 0.01) < abs(normal["rate"] - 0.01)
    # the ES of the normal misses the losses beyond VaR: Z2 below its simulated critical value
    assert normal["z2"] < normal["z2_critical"]


def test_exceptions_are_dated_and_labelled():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((300, 1)) * 0.01
    x[250, 0] = -0.15
    frame = _frame(x)
    day = f"{frame.index[250]:%Y-%m-%d}"
    r = backtest_book(frame, [1e6], nav=2e6, window=200, methods=("historical",), null_sims=0,
                      labels={day: "planted"})
    e = r.exceptions
    hit = e[(e["date"] == day) & (e["confidence"] == 0.99)].iloc[0]
    assert hit["event"] == "planted" and hit["loss"] == pytest.approx(0.15e6)
    assert hit["loss_pct"] == pytest.approx(0.075)
    assert r.forecasts.loc[day, "hit_historical_0.99"]
    d = r.to_dict()
    assert d["coverage"][0]["method"] == "historical" and "planted" in d["verdict"]


@pytest.mark.sample_data
def test_ai_power_book_breaks_on_deepseek(sample_home):
    from stress.cli import cli

    res = CliRunner().invoke(cli, ["--offline", "backtest", "var", "configs/portfolios/ai_power.csv",
                                   "--sims", "2000", "--null-sims", "200", "--json"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    book = json.loads(res.stdout)["books"][0]
    exc = [e for e in book["exceptions"] if e["date"] == "2025-01-27" and e["confidence"] == 0.99]
    assert {e["method"] for e in exc} == {"historical", "normal", "montecarlo"}
    assert exc[0]["event"] == "deepseek-r1" and exc[0]["loss_pct"] > 0.15
    assert "deepseek-r1 (2025-01-27)" in book["verdict"]
    assert {c["basel_zone"] for c in book["coverage"]} <= {"green", "yellow", "red"}


def test_bad_confidence_is_one_line(tmp_path):
    from stress.cli import cli

    p = tmp_path / "b.csv"
    p.write_text("ticker,shares\nVST,1\n")
    res = CliRunner().invoke(cli, ["--offline", "backtest", "var", str(p), "--confidence", "99"])
    assert res.exit_code == 2 and "--confidence 99.0" in res.output


def test_horizon_periods_do_not_overlap_and_sum_the_pnl():
    from stress.risk import var_es_historical, var_es_montecarlo

    rng = np.random.default_rng(12)
    x = rng.standard_normal((400, 2)) * 0.01
    x[200, 0] = np.nan
    v = np.array([5e5, 5e5])
    h = 5
    f = rolling_forecasts(x, v, window=150, min_obs=100, confidences=(0.99,), n_sims=2000,
                          null_sims=0, horizon=h)
    assert np.all(np.diff(f.rows) >= h)
    assert not any(t <= 200 < t + h for t in f.rows)  # no period holds the incomplete day
    for i in (0, 10, len(f.rows) - 1):
        t = f.rows[i]
        assert f.pnl[i] == pytest.approx(x[t:t + h].sum(axis=0) @ v)
        w = x[max(t - 150, 0):t]
        w = w[np.isfinite(w).all(axis=1)]
        pw = w @ v
        sums = np.array([pw[j:j + h].sum() for j in range(len(pw) - h + 1)])
        assert f.var["historical"][0.99][i] == pytest.approx(np.quantile(-sums, 0.99, method="inverted_cdf"))
        assert f.var["historical"][0.99][i] == pytest.approx(var_es_historical(pw, 0.99, horizon=h).var)
        cov, _ = ledoit_wolf(w)
        sd = np.sqrt(h * v @ cov @ v)
        assert f.var["normal"][0.99][i] == pytest.approx(-h * v @ w.mean(axis=0) + sd * stats.norm.ppf(0.99))
        ref = var_es_montecarlo(v, w.mean(axis=0), cov, n_sims=2000, confidence=0.99, seed=0, horizon=h)
        assert f.var["montecarlo"][0.99][i] == pytest.approx(ref.var, rel=1e-9)


def test_historical_z2_null_draws_are_rng_choice_per_day():
    """The null of the historical Z2 draws each day's losses with rng.choice from its
    own window, in day order, from the stream default_rng([seed, 1]) (a plain loop)."""
    from stress.backtest.coverage import z2_statistic
    from stress.risk import overlapping_sums

    rng = np.random.default_rng(2)
    x = rng.standard_normal((420, 2)) * 0.01
    x[150, 0] = np.nan
    v = np.array([1e5, 5e4])
    f = rolling_forecasts(x, v, window=200, min_obs=60, methods=("historical",),
                          confidences=(0.975,), null_sims=300, seed=9)
    stream = np.random.default_rng([9, 1])
    draws = np.empty((300, f.rows.size))
    for i, t in enumerate(f.rows):
        w = x[max(t - 200, 0):t]
        pnl = w[np.isfinite(w).all(axis=1)] @ v
        draws[:, i] = -stream.choice(overlapping_sums(pnl, 1), size=300)  # the h-day sums, h = 1
    ref = z2_statistic(draws, f.var["historical"][0.975], f.es["historical"][0.975], 0.975)
    assert f.z2_null["historical"][0.975] == pytest.approx(ref, rel=1e-12, abs=1e-12)
