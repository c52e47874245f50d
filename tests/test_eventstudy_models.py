"""The vectorised fits against statsmodels OLS, one asset at a time, and planted effects."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from stress.eventstudy import abnormal_returns

EST = (-250, -11)


def _panel(n_days=400, n_assets=5, seed=0, day0=300, effect=-0.20):
    """Market-model returns with known alpha/beta, a planted day-0 AR and some gaps."""
    rng = np.random.default_rng(seed)
    mkt = rng.normal(0.0004, 0.01, n_days)
    f2 = 0.4 * mkt + rng.normal(0.0, 0.008, n_days)  # a second, correlated factor
    alpha = np.linspace(-0.001, 0.001, n_assets)
    beta = np.linspace(0.5, 2.0, n_assets)
    noise = rng.normal(0, 0.004, (n_days, n_assets))
    r = alpha + np.outer(mkt, beta) + 0.3 * f2[:, None] + noise
    r[day0] += effect
    r[80:95, 1] = np.nan  # a gap in the estimation window
    r[120, 3] = np.nan
    return r, mkt, f2, alpha, beta


def _sm_check(y, X, est_rows, win_rows):
    """statsmodels: params, sigma, CAR and Var(CAR) = L2 sigma^2 + Var(sum of predictions)."""
    ye, Xe = y[est_rows], X[est_rows]
    ok = np.isfinite(ye)
    res = sm.OLS(ye[ok], Xe[ok]).fit()
    Xw = X[win_rows]
    pred = res.get_prediction(Xw.sum(axis=0, keepdims=True))
    l2 = len(win_rows)
    car = float((y[win_rows] - Xw @ res.params).sum())
    var = float(l2 * res.scale + pred.var_pred_mean[0])
    return res.params, np.sqrt(res.scale), car, var, int(ok.sum())


@pytest.mark.parametrize("model", ["market", "factor", "constant-mean"])
@pytest.mark.parametrize("window", [(0, 0), (-1, 1), (0, 20)])
def test_fit_matches_statsmodels(model, window):
    r, mkt, f2, *_ = _panel()
    day0 = 300
    if model == "market":
        fac, X = mkt, sm.add_constant(mkt)
    elif model == "factor":
        fac = np.column_stack([mkt, f2])
        X = sm.add_constant(fac)
    else:
        fac, X = None, np.ones((len(mkt), 1))
    fit = abnormal_returns(r, fac, day0, EST, window, model)
    est_rows = np.arange(day0 + EST[0], day0 + EST[1] + 1)
    win_rows = np.arange(day0 + window[0], day0 + window[1] + 1)
    for j in range(r.shape[1]):
        params, sigma, car, var, n = _sm_check(r[:, j], X, est_rows, win_rows)
        np.testing.assert_allclose(fit.params[:, j], params, rtol=1e-8, atol=1e-12)
        assert fit.sigma[j] == pytest.approx(sigma, rel=1e-8)
        assert fit.car[j] == pytest.approx(car, rel=1e-8, abs=1e-12)
        assert fit.var_car[j] == pytest.approx(var, rel=1e-8)
        assert fit.n_est[j] == n
        assert fit.dof[j] == n - X.shape[1]
    assert fit.n_est[1] == 240 - 15 and fit.n_est[3] == 239
    assert fit.ar.shape == (len(win_rows), r.shape[1]) and fit.resid.shape == (240, r.shape[1])


def test_market_adjusted_by_formula():
    r, mkt, *_ = _panel()
    fit = abnormal_returns(r, mkt, 300, EST, (-1, 1), "market-adjusted")
    est = slice(50, 290)
    for j in range(r.shape[1]):
        e = r[est, j] - mkt[est]
        e = e[np.isfinite(e)]
        sigma2 = (e**2).sum() / len(e)  # k = 0: SSR / L1
        assert fit.sigma[j] ** 2 == pytest.approx(sigma2, rel=1e-10)
        assert fit.var_car[j] == pytest.approx(3 * sigma2, rel=1e-10)
        assert fit.car[j] == pytest.approx((r[299:302, j] - mkt[299:302]).sum(), rel=1e-12)
    assert fit.params.shape == (0, r.shape[1])


def test_planted_effect_and_parameters_recovered():
    r, mkt, f2, alpha, beta = _panel(n_assets=6, seed=3)
    fit = abnormal_returns(r, np.column_stack([mkt, f2]), 300, EST, (0, 0), "factor")
    np.testing.assert_allclose(fit.ar[0], -0.20, atol=0.02)  # noise sd 0.4%
    np.testing.assert_allclose(fit.params[1], beta, atol=0.1)
    np.testing.assert_allclose(fit.params[0], alpha, atol=0.002)
    assert (fit.scar < -20).all() and (fit.p < 1e-10).all()


def test_bhar_by_loop_simple_and_log():
    r, mkt, *_ = _panel()
    for kind in ("simple", "log"):
        fit = abnormal_returns(r, mkt, 300, EST, (0, 5), "market", kind=kind)
        for j in range(r.shape[1]):
            a, b = fit.params[:, j]
            actual = expected = 1.0
            for t in range(300, 306):
                e = a + b * mkt[t]
                if kind == "simple":
                    actual, expected = actual * (1 + r[t, j]), expected * (1 + e)
                else:
                    actual, expected = actual * np.exp(r[t, j]), expected * np.exp(e)
            assert fit.bhar[j] == pytest.approx(actual - expected, rel=1e-10)


def test_many_events_at_once_equal_one_at_a_time():
    r, mkt, *_ = _panel(n_days=700)
    days = [300, 420, 650]
    many = abnormal_returns(r, mkt, days, EST, (-1, 1), "market")
    assert many.car.shape == (3, r.shape[1]) and many.ar.shape == (3, 3, r.shape[1])
    for i, d in enumerate(days):
        one = abnormal_returns(r, mkt, d, EST, (-1, 1), "market")
        np.testing.assert_allclose(many.car[i], one.car, rtol=1e-12)
        np.testing.assert_allclose(many.var_car[i], one.var_car, rtol=1e-12)


def test_gap_in_window_is_nan_never_zero_and_short_history_is_nan():
    r, mkt, *_ = _panel()
    r[301, 2] = np.nan
    fit = abnormal_returns(r, mkt, 300, EST, (0, 5), "market", min_estimation=230)
    assert np.isnan(fit.ar[1, 2]) and np.isnan(fit.car[2]) and np.isfinite(fit.car[0])
    assert np.isnan(fit.car[1]) and fit.n_est[1] == 225  # below min_estimation 230
    # rows before the data count as missing, not as zeros
    early = abnormal_returns(r, mkt, 100, EST, (0, 0), "market")
    assert early.n_est[0] == 100 + EST[1] + 1  # rows 0..89 only
