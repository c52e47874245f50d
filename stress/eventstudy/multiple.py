"""Multiple-testing adjustments of a family of p-values (Holm, Benjamini-Hochberg).

A study reads many groups x windows x tests at once; each test's p-values over the
groups and windows of one study form a family. NaN p-values (undefined tests) are left
out of the family and stay NaN. Formulas: docs/methods.md, "Multiple testing".
"""

from __future__ import annotations

import numpy as np

METHODS = ("holm", "bh")


def holm(p: np.ndarray) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values of the finite 1-D ``p``: with p_(1) <= ...
    <= p_(m), p~_(k) = max_{j <= k} min(1, (m - j + 1) p_(j)). (The formula of
    statsmodels' ``multipletests(method='holm')``, which also runs a full garbage
    collection on every call; the tests check the two agree.)"""
    m = p.size
    order = np.argsort(p, kind="stable")
    out = np.empty(m)
    out[order] = np.minimum(1.0, np.maximum.accumulate(p[order] * np.arange(m, 0, -1)))
    return out


def bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg (1995) step-up adjusted p-values of the finite 1-D ``p``:
    p~_(k) = min_{j >= k} min(1, m p_(j) / j) (the formula of statsmodels'
    ``multipletests(method='fdr_bh')``, which the tests check it against; computed here
    so that a study does not import statsmodels)."""
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    out = np.empty(m)
    out[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return out


def adjust(pvalues) -> dict[str, np.ndarray]:
    """Holm family-wise and Benjamini-Hochberg (1995) false-discovery-rate adjusted
    p-values of ``pvalues`` (any shape). Returns {"holm": array, "bh": array} of the
    input's shape."""
    p = np.asarray(pvalues, dtype=float)
    out = {name: np.full(p.shape, np.nan) for name in METHODS}
    ok = np.isfinite(p)
    if ok.any():
        out["holm"][ok] = holm(p[ok])
        out["bh"][ok] = bh(p[ok])
    return out
