"""Normal, Student t and chi-square distribution functions from ``scipy.special``.

The same formulas ``scipy.stats`` evaluates (its ``norm``, ``t`` and ``chi2`` call these
special functions), without importing ``scipy.stats`` (about a second on a cold start,
most of a CLI command's start-up). Arguments broadcast like numpy ufuncs; values
outside a distribution's parameter space give NaN, as in ``scipy.stats``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

_SQRT_2PI = float(np.sqrt(2.0 * np.pi))


def norm_sf(x):
    """P(Z > x) for Z standard normal: ndtr(-x)."""
    return special.ndtr(-np.asarray(x, dtype=float))


def norm_cdf(x):
    """P(Z <= x) for Z standard normal."""
    return special.ndtr(np.asarray(x, dtype=float))


def norm_ppf(q):
    """The standard normal quantile: ndtri(q) (-inf at 0, inf at 1, NaN outside)."""
    return special.ndtri(np.asarray(q, dtype=float))


def norm_pdf(x):
    """The standard normal density exp(-x^2 / 2) / sqrt(2 pi)."""
    x = np.asarray(x, dtype=float)
    return np.exp(-x**2 / 2.0) / _SQRT_2PI


def t_sf(x, df):
    """P(T > x) for T Student t with ``df`` degrees of freedom (NaN unless df > 0)."""
    df = np.asarray(df, dtype=float)
    return special.stdtr(np.where(df > 0, df, np.nan), -np.asarray(x, dtype=float))


def t_ppf(q, df):
    """The Student t quantile: stdtrit(df, q), -inf at 0 and inf at 1 (NaN unless df > 0)."""
    q = np.asarray(q, dtype=float)
    df = np.asarray(df, dtype=float)
    df = np.where(df > 0, df, np.nan)
    out = special.stdtrit(df, q)
    ok = ~np.isnan(df)
    return np.where(ok & (q == 0.0), -np.inf, np.where(ok & (q == 1.0), np.inf, out))


def chi2_cdf(x, df):
    """P(X <= x) for X chi-square with ``df`` degrees of freedom (0 below 0; NaN unless df > 0)."""
    x = np.asarray(x, dtype=float)
    df = np.asarray(df, dtype=float)
    out = special.chdtr(np.where(df > 0, df, np.nan), np.maximum(x, 0.0))
    return np.where(np.isnan(x), np.nan, out)


def chi2_sf(x, df):
    """P(X > x) for X chi-square with ``df`` degrees of freedom (1 below 0; NaN unless df > 0)."""
    x = np.asarray(x, dtype=float)
    df = np.asarray(df, dtype=float)
    out = special.chdtrc(np.where(df > 0, df, np.nan), np.maximum(x, 0.0))
    return np.where(np.isnan(x), np.nan, out)
