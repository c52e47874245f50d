"""Reverse stress: forward checks, optimality against random feasible shocks and a
numerical optimiser, chi-square percentiles."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import chi2, norm

from stress.risk import most_plausible_shock, reverse_ai_shock


def test_reverse_ai_shock_applied_forward_gives_the_loss():
    per_unit = np.array([-12_000.0, 3_500.0, 0.0, -800.0])
    intercept = np.array([-1_000.0, 0.0, 500.0, 200.0])
    target = np.array([50_000.0, 10_000.0, 1_000.0, -300.0])
    res = reverse_ai_shock(per_unit, target, intercept)
    ok = per_unit != 0
    assert np.allclose(intercept[ok] + res.k[ok] * per_unit[ok], -target[ok])
    assert res.k[1] < 0  # a long-the-shock book loses on a negative k (an AI boom)
    assert np.isnan(res.k[2]) and "zero P&L per DeepSeek unit" in res.reasons[2]
    assert res.reasons[0] == res.reasons[1] == res.reasons[3] == ""
    scalar = reverse_ai_shock(per_unit[:2], 20_000.0)
    assert np.allclose(scalar.k * per_unit[:2], -20_000.0)
    assert scalar.to_dict()["k"][0] == pytest.approx(20_000 / 12_000)
    assert reverse_ai_shock(0.0, 1.0).to_dict()["k"] == [None]


def mahalanobis2(r, mu, cov):
    dev = r - mu
    return dev @ np.linalg.inv(cov) @ dev


def test_most_plausible_shock_is_feasible_and_optimal():
    rng = np.random.default_rng(4)
    n = 5
    a = rng.standard_normal((n, n)) * 0.02
    cov = a @ a.T + np.eye(n) * 1e-4
    mu = rng.standard_normal(n) * 1e-3
    values = np.array([3e5, 2e5, -1e5, 4e5, 1e5])
    loss = 60_000.0
    res = most_plausible_shock(values, cov, loss, mean=mu)
    assert values @ res.returns == pytest.approx(-loss)
    assert res.pnl == pytest.approx(-loss)
    d2 = mahalanobis2(res.returns, mu, cov)
    assert res.mahalanobis == pytest.approx(np.sqrt(d2), rel=1e-9)
    assert res.percentile == pytest.approx(chi2.cdf(d2, df=n), rel=1e-9)
    # random feasible shocks: project random vectors onto the plane values' r = -loss
    cand = mu + rng.standard_normal((2000, n)) * 0.05
    cand -= np.outer((cand @ values + loss) / (values @ values), values)
    assert np.allclose(cand @ values, -loss)
    assert all(mahalanobis2(c, mu, cov) > d2 for c in cand)
    # a numerical optimiser finds the same point
    opt = minimize(lambda r: mahalanobis2(r, mu, cov), mu, method="SLSQP",
                   constraints=[{"type": "eq", "fun": lambda r: (values @ r + loss) / 1e4}],
                   options={"ftol": 1e-14, "maxiter": 500})
    assert opt.success
    assert np.allclose(opt.x, res.returns, atol=1e-5)


def test_most_plausible_shock_vectorised_over_portfolios():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((4, 4)) * 0.01
    cov = a @ a.T
    values = rng.standard_normal((3, 4)) * 1e5
    losses = np.array([1e4, 2e4, 5e3])
    many = most_plausible_shock(values, cov, losses)
    for p in range(3):
        one = most_plausible_shock(values[p], cov, losses[p])
        assert np.allclose(many.returns[p], one.returns)
        assert many.mahalanobis[p] == pytest.approx(one.mahalanobis)
    assert np.allclose(many.pnl, -losses)
    # the distance is the loss in portfolio standard deviations (zero mean)
    sigma = np.sqrt(np.einsum("pi,ij,pj->p", values, cov, values))
    assert np.allclose(many.mahalanobis, losses / sigma)
    z = losses / sigma
    assert np.allclose(many.portfolio_percentile, norm.cdf(z) - norm.cdf(-z))


def test_singular_covariance_and_zero_variance_portfolio():
    cov = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]) * 1e-4
    res = most_plausible_shock(np.array([1e5, 1e5, 0.0]), cov, 1e4)
    assert res.pnl == pytest.approx(-1e4)
    assert res.returns[2] == 0.0 and res.returns[0] == pytest.approx(res.returns[1])
    with pytest.raises(ValueError, match="zero variance"):
        most_plausible_shock(np.array([1e5, -1e5, 3.0]), cov, 1e4)
    with pytest.raises(ValueError, match="NaN"):
        most_plausible_shock(np.array([1.0, np.nan, 0]), cov, 1.0)
