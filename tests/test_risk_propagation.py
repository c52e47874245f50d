"""Conditional shock propagation against explicit-inverse numpy, simulation and real data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from stress.risk import conditional_shock, ledoit_wolf


def random_cov(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n + 3))
    return (a @ a.T) / (n + 3) * 1e-4


def test_matches_explicit_inverse_formula():
    n, s = 6, [4, 1]
    cov = random_cov(n, 1)
    mu = np.linspace(-0.001, 0.002, n)
    shocks = np.array([[-0.10, 0.03, 0.0], [-0.02, -0.05, 0.01]])  # (m, S) = (2, 3)
    res = conditional_shock(cov, np.array(s), shocks, mean=mu)
    u = [i for i in range(n) if i not in s]
    inv = np.linalg.inv(cov[np.ix_(s, s)])
    b = cov[np.ix_(u, s)] @ inv
    for j in range(shocks.shape[1]):
        dev = shocks[:, j] - mu[s]
        assert np.allclose(res.expected[u, j], mu[u] + b @ dev, rtol=1e-10, atol=1e-14)
        assert np.array_equal(res.expected[s, j], shocks[:, j])
        d2 = dev @ inv @ dev
        assert res.mahalanobis[j] == pytest.approx(np.sqrt(d2), rel=1e-10)
        assert res.percentile[j] == pytest.approx(chi2.cdf(d2, df=2), rel=1e-10, abs=1e-15)
    cond_uu = cov[np.ix_(u, u)] - b @ cov[np.ix_(s, u)]
    assert np.allclose(res.cond_cov[np.ix_(u, u)], cond_uu, rtol=1e-10, atol=1e-16)
    assert np.all(res.cond_cov[s, :] == 0) and np.all(res.cond_cov[:, s] == 0)
    assert res.df == 2 and res.expected.shape == (n, 3)
    # one 1-d shock gives the same as the matching column, as floats
    one = conditional_shock(cov, s, shocks[:, 0], mean=mu)
    assert np.allclose(one.expected, res.expected[:, 0])
    assert isinstance(one.mahalanobis, float) and isinstance(one.percentile, float)
    # the mask form is the same selection (ordered by index)
    mask = np.zeros(n, bool)
    mask[s] = True
    masked = conditional_shock(cov, mask, shocks[::-1, 0], mean=mu)
    assert np.allclose(masked.expected, one.expected)


def test_matches_simulated_conditional_distribution():
    rng = np.random.default_rng(7)
    cov = np.array([[4.0, 1.8, -0.9], [1.8, 2.0, 0.3], [-0.9, 0.3, 1.0]])
    mu = np.array([0.5, -0.2, 0.1])
    x = rng.multivariate_normal(mu, cov, size=600_000)
    shock = mu[0] + 1.0 * 2.0  # one standard deviation above the mean
    near = x[np.abs(x[:, 0] - shock) < 0.04]
    res = conditional_shock(cov, [0], [shock], mean=mu)
    se = near[:, 1:].std(axis=0) / np.sqrt(len(near))
    assert len(near) > 4000
    assert np.all(np.abs(near[:, 1:].mean(axis=0) - res.expected[1:]) < 4 * se)
    emp_cov = np.cov(near[:, 1:], rowvar=False)
    assert np.allclose(emp_cov, res.cond_cov[1:, 1:], rtol=0.06, atol=0.02)
    # the percentile is the share of draws whose shocked block is less extreme
    d2_draws = (x[:, 0] - mu[0]) ** 2 / cov[0, 0]
    assert np.mean(d2_draws < res.mahalanobis**2) == pytest.approx(res.percentile, abs=0.003)


def test_two_shocked_assets_match_regression_on_simulated_data():
    rng = np.random.default_rng(8)
    cov = random_cov(5, 2) * 1e4
    x = rng.multivariate_normal(np.zeros(5), cov, size=200_000)
    s, u = [0, 3], [1, 2, 4]
    coef, *_ = np.linalg.lstsq(x[:, s], x[:, u], rcond=None)  # OLS of r_u on r_s: (2, 3)
    res = conditional_shock(cov, s, [1.5, -2.0])
    assert np.allclose(res.expected[u], coef.T @ np.array([1.5, -2.0]), atol=0.03)
    assert np.allclose(res.loadings[u], coef.T, atol=0.01)
    assert np.allclose(res.loadings[s], np.eye(2))


def test_all_assets_shocked_and_errors():
    cov = random_cov(3, 3)
    res = conditional_shock(cov, [0, 1, 2], [0.01, -0.02, 0.03])
    assert np.array_equal(res.expected, [0.01, -0.02, 0.03])
    assert np.all(res.cond_cov == 0)

    collinear = np.array([[1.0, 1.0, 0.2], [1.0, 1.0, 0.2], [0.2, 0.2, 1.0]])
    with pytest.raises(ValueError, match="singular"):
        conditional_shock(collinear, [0, 1], [0.1, 0.1])
    zero_var = np.diag([1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="singular"):
        conditional_shock(zero_var, [1], [0.1])
    # conditioning on one of two collinear assets is fine
    assert conditional_shock(collinear, [0], [0.1]).expected[1] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="out of range"):
        conditional_shock(cov, [3], [0.1])
    with pytest.raises(ValueError, match="duplicate"):
        conditional_shock(cov, [1, 1], [0.1, 0.1])
    with pytest.raises(ValueError, match="shocked assets"):
        conditional_shock(cov, [0, 1], [0.1])
    with pytest.raises(ValueError, match="NaN"):
        conditional_shock(cov, [0], [np.nan])
    with pytest.raises(ValueError, match="symmetric"):
        conditional_shock(np.array([[1.0, 0.5], [0.1, 1.0]]), [0], [0.1])


@pytest.mark.sample_data
def test_deepseek_vst_shock_propagates_to_ceg_and_nrg(sample_store):
    """Condition on VST's -28.3% of 2025-01-27 with the covariance of the 250 sessions
    before: CEG and NRG, the other AI-power names, are predicted within two conditional
    standard deviations of what they did; the shock itself is extreme (d >> 3)."""
    from stress.returns import to_returns

    tickers = ["VST", "CEG", "NRG", "NVDA", "SPY", "DUK"]
    r = to_returns(sample_store.read_closes(tickers, "2023-12-01", "2025-01-27"))
    est = r.loc[:"2025-01-24"].iloc[-250:].dropna()
    assert len(est) == 250
    cov, shrink = ledoit_wolf(est.to_numpy())
    actual = r.loc["2025-01-27"].to_numpy()
    res = conditional_shock(cov, [0], [actual[0]])
    z = (actual - res.expected)[1:3] / res.cond_std[1:3]
    assert np.all(np.abs(z) < 2.0)
    assert res.expected[1] < -0.10 and res.expected[2] < -0.05
    assert abs(res.expected[5]) < abs(res.expected[1])  # DUK moves less than CEG
    assert res.mahalanobis > 5 and res.percentile > 0.9999
