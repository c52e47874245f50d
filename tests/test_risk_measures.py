"""VaR/ES: closed forms vs scipy and integration, empirical estimator vs hand loops and
np.quantile, Monte Carlo convergence to the normal closed form, stressed vs calm on real data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm

from stress.risk import (
    historical_pnl,
    ledoit_wolf,
    overlapping_sums,
    portfolio_moments,
    var_es_historical,
    var_es_montecarlo,
    var_es_normal,
)


def hand_var_es(pnl: np.ndarray, alpha: float) -> tuple[float, float]:
    """Walk the losses from the largest down, giving each weight 1/T until the tail mass
    1 - alpha is used up (the last one only partly): the Acerbi-Tasche tail average.
    VaR: the smallest loss l with (share of losses <= l) >= alpha."""
    losses = sorted(-float(p) for p in pnl)
    t = len(losses)
    var = next(l for l in losses if sum(x <= l for x in losses) / t >= alpha - 1e-12)
    remaining, total = 1.0 - alpha, 0.0
    for l in reversed(losses):
        w = min(1.0 / t, remaining)
        total += w * l
        remaining -= w
        if remaining <= 1e-15:
            break
    return var, total / (1.0 - alpha)


@pytest.mark.parametrize(
    "t,alpha",
    [(10, 0.95), (10, 0.85), (20, 0.95), (37, 0.9), (250, 0.99), (251, 0.975), (7, 0.5)],
)
def test_historical_matches_hand_loop(t, alpha):
    rng = np.random.default_rng(t)
    pnl = rng.standard_t(4, size=(t, 3)) * 1000
    var, es = var_es_historical(pnl, alpha)
    for j in range(3):
        hv, he = hand_var_es(pnl[:, j], alpha)
        assert var[j] == pytest.approx(hv, rel=1e-12)
        assert es[j] == pytest.approx(he, rel=1e-12)
        assert var[j] == pytest.approx(np.quantile(-pnl[:, j], alpha, method="inverted_cdf"), rel=1e-12)
    assert np.all(es >= var - 1e-9)


def test_historical_fractional_atom_by_hand():
    # losses 1..10: T=10, alpha=0.85 -> T*alpha = 8.5, VaR = 9, the tail holds all of
    # the 10 (mass 0.1) and half of the 9 (mass 0.05): ES = (0.1*10 + 0.05*9)/0.15
    pnl = -np.arange(1.0, 11.0)
    var, es = var_es_historical(np.random.default_rng(0).permutation(pnl), 0.85)
    assert var == 9.0
    assert es == pytest.approx((0.1 * 10 + 0.05 * 9) / 0.15)
    # T=10, alpha=0.95: the tail is half an observation, all of it the largest loss
    assert var_es_historical(pnl, 0.95) == (10.0, pytest.approx(10.0))
    # ties at the VaR: the atom formula with P(L <= VaR) > alpha
    tied = -np.array([1, 2, 3, 5, 5, 5, 5, 6, 7, 8.0])
    var, es = var_es_historical(tied, 0.5)  # k = 5: VaR = 5, P(L <= 5) = 0.7
    tail = (6 + 7 + 8) / 10
    assert var == 5.0 and es == pytest.approx((tail + 5 * (0.7 - 0.5)) / 0.5)


def test_overlapping_horizon():
    rng = np.random.default_rng(1)
    pnl = rng.standard_normal((30, 2))
    sums = overlapping_sums(pnl, 5)
    loop = np.array([[pnl[j : j + 5, c].sum() for c in range(2)] for j in range(26)])
    assert np.allclose(sums, loop)
    assert np.allclose(var_es_historical(pnl, 0.9, horizon=5), var_es_historical(loop, 0.9))
    with pytest.raises(ValueError, match="whole number"):
        overlapping_sums(pnl, 2.5)


@pytest.mark.parametrize("alpha", [0.95, 0.99, 0.975])
def test_normal_closed_form_vs_scipy_and_integration(alpha):
    mu = np.array([-200.0, 0.0, 150.0])
    sigma = np.array([1000.0, 50.0, 3000.0])
    var, es = var_es_normal(mu, sigma, alpha)
    for j in range(3):
        pnl = norm(loc=mu[j], scale=sigma[j])
        assert var[j] == pytest.approx(-pnl.ppf(1 - alpha), rel=1e-12)
        # ES = E[L | L >= VaR] = 1/(1-alpha) * integral_VaR^inf l f_L(l) dl
        tail, _ = integrate.quad(lambda l: l * pnl.pdf(-l), var[j], np.inf)
        assert es[j] == pytest.approx(tail / (1 - alpha), rel=1e-7)
        # and the average of VaR_u over u in [alpha, 1]
        avg, _ = integrate.quad(lambda u: -pnl.ppf(1 - u), alpha, 1, limit=200)
        assert es[j] == pytest.approx(avg / (1 - alpha), rel=1e-6)
    one = var_es_normal(10.0, 2.0, alpha)
    assert isinstance(one.var, float) and one.var == pytest.approx(var_es_normal([10.0], [2.0], alpha).var[0])


def test_portfolio_moments_by_loop():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4, 4)) * 0.01
    cov, mean = a @ a.T, rng.standard_normal(4) * 1e-3
    values = rng.standard_normal((3, 4)) * 1e5
    mu, sigma = portfolio_moments(values, mean, cov, horizon=10)
    for p in range(3):
        v2 = sum(values[p, i] * values[p, j] * cov[i, j] for i in range(4) for j in range(4))
        assert mu[p] == pytest.approx(10 * sum(values[p] * mean))
        assert sigma[p] == pytest.approx(math.sqrt(10 * v2))
    pnl = historical_pnl(rng.standard_normal((6, 4)), values)
    assert pnl.shape == (6, 3)


def test_montecarlo_converges_to_normal_closed_form():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((5, 5)) * 0.01
    cov, mean = a @ a.T, np.full(5, 2e-4)
    values = np.array([[1e6, 5e5, 0, 0, 2e5], [-3e5, 0, 4e5, 1e5, 0], [1, 1, 1, 1, 1.0]])
    for alpha, horizon in [(0.99, 1), (0.95, 10)]:
        var, es = var_es_montecarlo(values, mean, cov, n_sims=200_000, confidence=alpha, seed=11, horizon=horizon)
        nvar, nes = var_es_normal(*portfolio_moments(values, mean, cov, horizon=horizon), alpha)
        assert np.allclose(var, nvar, rtol=0.015)
        assert np.allclose(es, nes, rtol=0.015)
    # a single portfolio gives floats; the same seed gives the same draws
    one = var_es_montecarlo(values[0], mean, cov, n_sims=5000, confidence=0.99, seed=4)
    assert one == var_es_montecarlo(values[0], mean, cov, n_sims=5000, confidence=0.99, seed=4)
    assert one.var == pytest.approx(var_es_montecarlo(values, mean, cov, 5000, 0.99, seed=4).var[0])


def test_montecarlo_semidefinite_and_bad_covariance():
    # two identical assets: singular but PSD; the eigenvalue factor is used
    cov = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.5]]) * 1e-4
    v = np.array([1e5, 2e5, -1e5])
    var, es = var_es_montecarlo(v, np.zeros(3), cov, n_sims=100_000, confidence=0.99)
    nvar, nes = var_es_normal(*portfolio_moments(v, np.zeros(3), cov), 0.99)
    assert var == pytest.approx(nvar, rel=0.03) and es == pytest.approx(nes, rel=0.03)
    with pytest.raises(ValueError, match="positive semi-definite"):
        var_es_montecarlo(v, np.zeros(3), np.array([[1, 2, 0], [2, 1, 0], [0, 0, 1.0]]))


def test_bad_inputs():
    with pytest.raises(ValueError, match="NaN"):
        var_es_historical(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(ValueError, match="confidence"):
        var_es_historical(np.ones(5), confidence=1.0)
    with pytest.raises(ValueError, match="sigma"):
        var_es_normal(0.0, -1.0)
    with pytest.raises(ValueError, match="horizon"):
        portfolio_moments(np.ones(2), np.zeros(2), np.eye(2), horizon=0)
    with pytest.raises(ValueError, match="assets"):
        var_es_montecarlo(np.ones(3), np.zeros(2), np.eye(2))


@pytest.mark.sample_data
def test_stressed_regime_after_deepseek_is_riskier(sample_store):
    """A VST/CEG/NRG book: the normal VaR under the covariance of the 60 sessions from
    2025-01-27 exceeds the one of the 250 sessions before, and the historical 95% VaR of
    those 60 days exceeds that of the 250 calm days. Historical ES >= VaR."""
    from stress.returns import to_returns

    r = to_returns(sample_store.read_closes(["VST", "CEG", "NRG"], "2023-12-01", "2025-06-30")).dropna()
    pre = r.loc[:"2025-01-24"].iloc[-250:].to_numpy()
    post = r.loc["2025-01-27":].iloc[:60].to_numpy()
    values = np.array([[4e5, 4e5, 2e5]])
    calm = var_es_normal(*portfolio_moments(values, np.zeros(3), ledoit_wolf(pre)[0]), 0.99)
    stressed = var_es_normal(*portfolio_moments(values, np.zeros(3), ledoit_wolf(post)[0]), 0.99)
    assert stressed.var[0] > 1.3 * calm.var[0]
    h_calm = var_es_historical(historical_pnl(pre, values), 0.95)
    h_stress = var_es_historical(historical_pnl(post, values), 0.95)
    assert h_stress.var[0] > h_calm.var[0]
    assert h_stress.es[0] >= h_stress.var[0] and h_calm.es[0] >= h_calm.var[0]
    # the DeepSeek day itself is the worst of the stressed window's 60 P&Ls
    assert -historical_pnl(post, values)[0, 0] == pytest.approx(var_es_historical(historical_pnl(post, values), 0.99).var[0])


def test_montecarlo_draws_shared_across_levels_equal_separate_runs():
    """regime_var draws once per regime; each level equals a separate seeded run."""
    from stress.risk import var_es_montecarlo
    from stress.scenarios.stressvar import regime_var

    rng = np.random.default_rng(5)
    x = rng.normal(0.0005, 0.02, (120, 4)) @ np.array([[1, .3, 0, 0], [0, 1, .2, 0], [0, 0, 1, .1], [0, 0, 0, 1.]])
    v = np.array([[1e5, 2e5, 0, 5e4], [0, 1e5, 1e5, 1e5]])
    rv = regime_var(v, x, confidences=(0.9, 0.95, 0.99), n_sims=4000, seed=3, horizon=2)
    from stress.risk import ledoit_wolf

    cov, _ = ledoit_wolf(x)
    for a in (0.9, 0.95, 0.99):
        ref = var_es_montecarlo(v, x.mean(axis=0), cov, 4000, a, 3, 2)
        # the same draws: equal up to the last bits of BLAS products on copied inputs
        np.testing.assert_allclose(rv.var["montecarlo"][a], ref.var, rtol=1e-12)
        np.testing.assert_allclose(rv.es["montecarlo"][a], ref.es, rtol=1e-12)


@pytest.mark.parametrize("horizon", [1, 5])
def test_historical_levels_equal_one_level_at_a_time(horizon):
    from stress.risk.measures import var_es_historical_levels

    rng = np.random.default_rng(5)
    pnl = np.round(rng.standard_t(3, size=(5000, 40)) * 1e4)  # rounded: ties in the tail
    pnl[:, 20:] = rng.standard_normal((5000, 20)) * 1e4
    pnl = np.asfortranarray(pnl)  # columns contiguous, as the backtest's Monte Carlo draws
    got = var_es_historical_levels(pnl, (0.99, 0.9, 0.95), horizon=horizon)
    for a in (0.9, 0.95, 0.99):
        one = var_es_historical(pnl, a, horizon=horizon)
        assert np.array_equal(got[a].var, one.var)
        assert got[a].es == pytest.approx(one.es, rel=1e-12)
        for p in range(40):
            s = pnl[:, p] if horizon == 1 else np.convolve(pnl[:, p], np.ones(horizon), "valid")
            loss = np.sort(-s)
            k = math.ceil(len(loss) * a - 1e-9)  # ceil(T alpha)
            es = (loss[k:].sum() / len(loss) + loss[k - 1] * (k / len(loss) - a)) / (1 - a)
            assert got[a].var[p] == pytest.approx(loss[k - 1], rel=1e-12)
            assert got[a].es[p] == pytest.approx(es, rel=1e-12)
