"""The scipy.special-based distribution functions against scipy.stats (the reference)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from stress import distributions as d


def test_normal_t_chi2_equal_scipy_stats():
    x = np.concatenate([np.linspace(-8, 8, 161), [0.0, np.nan, np.inf, -np.inf]])
    q = np.concatenate([np.linspace(0.0, 1.0, 101), [np.nan, -0.1, 1.1]])
    np.testing.assert_allclose(d.norm_sf(x), stats.norm.sf(x), rtol=1e-14, atol=0)
    np.testing.assert_allclose(d.norm_cdf(x), stats.norm.cdf(x), rtol=1e-14, atol=0)
    np.testing.assert_allclose(d.norm_pdf(x), stats.norm.pdf(x), rtol=1e-14, atol=0)
    np.testing.assert_allclose(d.norm_ppf(q), stats.norm.ppf(q), rtol=1e-14, atol=0)
    for df in (1, 2.5, 7, 30, 1e6, 0, -1, np.nan):
        np.testing.assert_allclose(d.t_sf(x, df), stats.t.sf(x, df), rtol=1e-14, atol=0, err_msg=f"t sf {df}")
        np.testing.assert_allclose(d.t_ppf(q, df), stats.t.ppf(q, df), rtol=1e-12, atol=0, err_msg=f"t ppf {df}")
        y = np.abs(x) * 3
        np.testing.assert_allclose(d.chi2_cdf(y, df), stats.chi2.cdf(y, df), rtol=1e-14, atol=0)
        np.testing.assert_allclose(d.chi2_sf(y, df), stats.chi2.sf(y, df), rtol=1e-14, atol=0)
    np.testing.assert_allclose(d.chi2_cdf(-1.0, 3), 0.0)
    np.testing.assert_allclose(d.chi2_sf(-1.0, 3), 1.0)


def test_known_values():
    # textbook quantiles: z_0.975 = 1.959964, t_0.975(10) = 2.228139, chi2_0.95(1) = 3.841459
    np.testing.assert_allclose(d.norm_ppf(0.975), 1.959964, atol=1e-6)
    np.testing.assert_allclose(d.t_ppf(0.975, 10), 2.228139, atol=1e-6)
    np.testing.assert_allclose(d.chi2_cdf(3.841459, 1), 0.95, atol=1e-7)
