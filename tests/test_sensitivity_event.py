"""Event-based sensitivity core: WLS through the origin, leave-one-out shocks, shrinkage.

Checked against statsmodels WLS, a plain loop from the formulas, and planted slopes.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from stress.sensitivity.event_based import basket_shocks, wls_through_origin
from stress.sensitivity.shrinkage import shrink_to_group


def test_wls_through_origin_matches_statsmodels():
    rng = np.random.default_rng(1)
    E, N = 14, 5
    s = rng.normal(0, 0.4, (E, N))
    var = rng.uniform(1e-4, 9e-4, (E, N))
    y = 0.2 * s + rng.normal(0, 1, (E, N)) * np.sqrt(var)
    y[3, 1] = np.nan  # a missing abnormal return
    var[5, 2] = np.nan  # no variance: not usable
    s[0, 4] = np.nan  # no shock size
    fit = wls_through_origin(y, s, var)
    for i in range(N):
        ok = np.isfinite(y[:, i]) & np.isfinite(s[:, i]) & np.isfinite(var[:, i])
        ref = sm.WLS(y[ok, i], s[ok, i], weights=1.0 / var[ok, i], hasconst=False).fit()
        assert fit.n[i] == ok.sum()
        assert fit.b[i] == pytest.approx(ref.params[0], rel=1e-10)
        assert fit.se[i] == pytest.approx(ref.bse[0], rel=1e-10)
        lo, hi = ref.conf_int(0.05)[0]
        assert (fit.ci_lo[i], fit.ci_hi[i]) == pytest.approx((lo, hi), rel=1e-10)
        assert fit.r2[i] == pytest.approx(ref.rsquared, rel=1e-10)
        assert fit.usable[:, i].sum() == ok.sum()


def test_too_few_events_give_no_estimate():
    y = np.array([[0.1, 0.1], [0.2, np.nan], [0.3, np.nan], [0.1, 0.2]])
    s = np.array([[0.5, 0.5], [1.0, 1.0], [1.5, 1.5], [0.4, 1.0]])
    fit = wls_through_origin(y, s, np.full_like(y, 1e-4), min_events=3)
    assert fit.n.tolist() == [4, 2]
    assert np.isfinite(fit.b[0]) and np.isnan(fit.b[1]) and np.isnan(fit.se[1])


def test_planted_slopes_recovered_with_95pct_coverage():
    """400 simulated assets, 12 events: the t interval covers the planted b ~95%."""
    rng = np.random.default_rng(20250127)
    E, sims = 12, 400
    s = np.r_[-1.0, rng.uniform(-0.4, 0.7, E - 1)]
    var = rng.uniform(0.5, 3.0, E)[:, None] * 1e-4 * np.ones((1, sims))
    b_true = rng.uniform(-0.1, 0.3, sims)
    y = b_true * s[:, None] + rng.normal(0, 1, (E, sims)) * np.sqrt(var)
    fit = wls_through_origin(y, np.repeat(s[:, None], sims, 1), var)
    covered = (fit.ci_lo <= b_true) & (b_true <= fit.ci_hi)
    assert 0.92 <= covered.mean() <= 0.98
    assert np.mean(fit.b - b_true) == pytest.approx(0.0, abs=3 * fit.se.mean() / np.sqrt(sims))


def test_leave_one_out_shock_sizes_match_a_plain_loop():
    rng = np.random.default_rng(3)
    E, B = 6, 4
    A = rng.normal(0, 0.05, (E, B))
    A[2, 0] = -0.3
    A[1, 3] = np.nan  # member 3 not listed yet on event 1
    ref = 2
    exclude = np.array([0, 1, 2, 3, -1])  # 4 basket members, then one outside asset
    s, basket, n_members = basket_shocks(A, ref, exclude)
    for i, ex in enumerate(exclude):
        keep = [j for j in range(B) if j != ex]
        mean = np.array([np.nanmean(A[e, keep]) for e in range(E)])
        expected = mean / abs(mean[ref])
        np.testing.assert_allclose(s[:, i], expected, rtol=1e-12)
        assert s[ref, i] == pytest.approx(np.sign(mean[ref]))
        assert n_members[1, i] == sum(np.isfinite(A[1, j]) for j in keep)
    # the asset outside the basket sees the full basket
    np.testing.assert_allclose(basket[:, 4], np.nanmean(A, axis=1))
    # leaving a member out changes its shock sizes (the rule is not a no-op)
    assert not np.allclose(s[:, 0], s[:, 4])


def test_shock_scale_needs_the_reference_event():
    A = np.array([[0.01, 0.02], [np.nan, np.nan]])
    s, _, _ = basket_shocks(A, 1, np.array([-1]))
    assert np.isnan(s).all()


def test_shrinkage_follows_the_formula():
    b = np.array([0.25, 0.20, 0.10, 0.15, -0.01, 0.02, 0.00, 0.5])
    se = np.array([0.02, 0.04, 0.05, 0.01, 0.01, 0.02, 0.03, 0.1])
    groups = ["p", "p", "p", "p", "u", "u", "u", None]
    out = shrink_to_group(b, se, groups)
    for g in ("p", "u"):
        m = np.array([x == g for x in groups])
        mu = b[m].mean()
        tau2 = max(0.0, b[m].var(ddof=1) - (se[m] ** 2).mean())
        w = tau2 / (tau2 + se[m] ** 2) if tau2 > 0 else np.zeros(m.sum())
        np.testing.assert_allclose(out.w[m], w)
        np.testing.assert_allclose(out.b[m], w * b[m] + (1 - w) * mu)
        np.testing.assert_allclose(out.mean[m], mu)
    assert out.tau2[4] == 0.0 and out.b[4] == pytest.approx(b[4:7].mean())  # all noise: full shrinkage
    assert np.isnan(out.b[7]) and "not in a group" in out.reason[7]


def test_shrinkage_needs_three_members():
    out = shrink_to_group(np.array([0.1, 0.2]), np.array([0.01, 0.01]), ["g", "g"])
    assert np.isnan(out.b).all() and "2 estimates" in out.reason[0]
