"""Factor-based sensitivity core: OLS with Newey-West SEs, orthogonalisation, rolling
loadings, the factor SPEC. Checked against statsmodels and planted loadings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.regression.rolling import RollingOLS

from stress.errors import InputError
from stress.sensitivity.estimate import factor_returns
from stress.sensitivity.factor_based import (
    factor_fit,
    hac_maxlags,
    market_model_sigma,
    orthogonalise,
    rolling_loadings,
)
from stress.sensitivity.spec import parse_factor


def _data(T=504, N=4, seed=0):
    rng = np.random.default_rng(seed)
    m = rng.normal(0.0004, 0.01, T)
    f = 0.0002 + 1.8 * m + rng.normal(0, 0.012, T)
    e = rng.normal(0, 0.015, (T + 1, N))
    e = e[1:] + 0.3 * e[:-1]  # MA(1) errors: HAC matters
    Y = 0.0001 + 1.2 * m[:, None] + 0.7 * f[:, None] + e
    return m, f, Y


def test_factor_fit_matches_statsmodels_hac():
    m, f, Y = _data()
    ai, c0, c1 = orthogonalise(f, m)
    Y[:150, 1] = np.nan  # listed late
    for maxlags in (None, 3):
        fit = factor_fit(Y, m, ai, maxlags=maxlags)
        for i in range(Y.shape[1]):
            ok = np.isfinite(Y[:, i])
            L = int(np.floor(4 * (ok.sum() / 100) ** (2 / 9))) if maxlags is None else maxlags
            X = sm.add_constant(np.column_stack([m[ok], ai[ok]]))
            ref = sm.OLS(Y[ok, i], X).fit(cov_type="HAC", cov_kwds={"maxlags": L})
            np.testing.assert_allclose(fit.params[i], ref.params, rtol=1e-9)
            np.testing.assert_allclose(fit.bse[i], ref.bse, rtol=1e-9)
            np.testing.assert_allclose(fit.ci[i], ref.conf_int(0.05), rtol=1e-9)
            assert fit.n_obs[i] == ok.sum() and fit.maxlags[i] == L
            assert fit.sigma[i] == pytest.approx(np.sqrt(ref.ssr / ref.df_resid))


def test_maxlags_rule():
    assert hac_maxlags(504).tolist() == int(np.floor(4 * 5.04 ** (2 / 9)))
    assert hac_maxlags(np.array([100, 252])).tolist() == [4, 4]


def test_orthogonalised_factor_and_invariance_of_beta_ai():
    m, f, Y = _data(seed=1)
    ai, c0, c1 = orthogonalise(f, m)
    assert abs(ai.mean()) < 1e-12 and abs(np.corrcoef(ai, m)[0, 1]) < 1e-10
    ref_c = sm.OLS(f, sm.add_constant(m)).fit().params
    assert (c0, c1) == pytest.approx(tuple(ref_c), rel=1e-10)
    raw = sm.OLS(Y[:, 0], sm.add_constant(np.column_stack([m, f]))).fit()
    fit = factor_fit(Y[:, :1], m, ai)
    assert fit.params[0, 2] == pytest.approx(raw.params[2], rel=1e-10)  # beta_ai unchanged
    capm = sm.OLS(Y[:, 0], sm.add_constant(m)).fit()
    assert fit.params[0, 1] == pytest.approx(capm.params[1], rel=1e-10)  # beta_mkt = CAPM beta


def test_planted_loadings_covered_95pct():
    """400 simulated assets with AR(1) errors: HAC 95% intervals cover the planted
    beta_ai about 95% of the time."""
    rng = np.random.default_rng(7)
    T, sims = 504, 400
    m = rng.normal(0, 0.01, T)
    f = 1.5 * m + rng.normal(0, 0.01, T)
    ai, _, _ = orthogonalise(f, m)
    b_ai = rng.uniform(-0.5, 1.0, sims)
    u = rng.normal(0, 0.02, (T, sims))
    e = np.empty_like(u)
    e[0] = u[0]
    for t in range(1, T):
        e[t] = 0.25 * e[t - 1] + u[t]
    Y = 1.1 * m[:, None] + ai[:, None] * b_ai + e
    fit = factor_fit(Y, m, ai)
    lo, hi = fit.ci[:, 2, 0], fit.ci[:, 2, 1]
    cover = ((lo <= b_ai) & (b_ai <= hi)).mean()
    assert 0.92 <= cover <= 0.98
    assert np.mean(fit.params[:, 2] - b_ai) == pytest.approx(0, abs=3 * fit.bse[:, 2].mean() / np.sqrt(sims))


def test_too_few_observations_give_nan():
    m, f, Y = _data(T=120, N=2)
    Y[:80, 0] = np.nan
    fit = factor_fit(Y, m, f, min_obs=60)
    assert np.isnan(fit.params[0]).all() and np.isfinite(fit.params[1]).all()
    assert fit.n_obs.tolist() == [40, 120]


def test_rolling_matches_statsmodels_rolling_ols():
    m, f, Y = _data(T=900, N=3, seed=2)
    Y[:300, 2] = np.nan  # late listing
    roll = rolling_loadings(Y, m, f, window=252)
    X = sm.add_constant(np.column_stack([m, f]))
    for i in range(2):
        ref = RollingOLS(Y[:, i], X, window=252).fit()
        np.testing.assert_allclose(roll.beta_ai[:, i], ref.params[:, 2], rtol=1e-8, atol=1e-10)
    ref = RollingOLS(Y[300:, 2], X[300:], window=252).fit()  # full windows after listing
    np.testing.assert_allclose(roll.beta_ai[551:, 2], ref.params[251:, 2], rtol=1e-8)
    # a partial window (231 of 252 sessions listed, >= 90%) is the OLS on those sessions
    t = 300 + 230
    sl = slice(300, t + 1)
    part = sm.OLS(Y[sl, 2], X[sl]).fit()
    assert roll.beta_ai[t, 2] == pytest.approx(part.params[2], rel=1e-8)
    assert roll.n_obs[t, 2] == 231
    assert np.isnan(roll.beta_ai[:251]).all() and np.isfinite(roll.beta_ai[251:, 0]).all()
    assert np.isnan(roll.beta_ai[:300 + 226, 2]).all() and np.isfinite(roll.beta_ai[300 + 226:, 2]).all()
    # beta_mkt uses the factor orthogonalised within each window
    for t in (400, 899):
        sl = slice(t - 251, t + 1)
        ai_w, _, _ = orthogonalise(f[sl], m[sl])
        ref = sm.OLS(Y[sl, 0], sm.add_constant(np.column_stack([m[sl], ai_w]))).fit()
        assert roll.beta_mkt[t, 0] == pytest.approx(ref.params[1], rel=1e-8)
        assert roll.beta_ai[t, 0] == pytest.approx(ref.params[2], rel=1e-8)


def test_market_model_sigma():
    m, f, Y = _data(N=2, seed=4)
    Y[:10, 1] = np.nan
    sig = market_model_sigma(Y, m)
    for i in range(2):
        ok = np.isfinite(Y[:, i])
        ref = sm.OLS(Y[ok, i], sm.add_constant(m[ok])).fit()
        assert sig[i] == pytest.approx(np.sqrt(ref.scale), rel=1e-10)


def test_factor_spec_syntax():
    spec = parse_factor("vst+CEG-XLU")
    assert spec.long == ("VST", "CEG") and spec.short == ("XLU",) and spec.text == "VST+CEG-XLU"
    assert parse_factor("SMH").tickers == ("SMH",)
    assert parse_factor("NVDA-SPY").short == ("SPY",)
    for bad in ("", "-SPY", "VST++CEG", "VST-", "VST-VST", "VST,CEG"):
        with pytest.raises(InputError, match="--factor"):
            parse_factor(bad)


def test_long_short_factor_returns():
    idx = pd.date_range("2024-01-01", periods=3)
    R = pd.DataFrame({"A": [0.01, 0.02, np.nan], "B": [0.03, 0.0, 0.01], "C": [0.01, -0.01, 0.0]}, index=idx)
    f = factor_returns(R, ("A", "B"), ("C",))
    np.testing.assert_allclose(f[:2], [0.02 - 0.01, 0.01 + 0.01])
    assert np.isnan(f[2])  # a missing member is a missing factor day, never a fill
