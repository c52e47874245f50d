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


def adjust(pvalues) -> dict[str, np.ndarray]:
    """Holm family-wise and Benjamini-Hochberg (1995) false-discovery-rate adjusted
    p-values of ``pvalues`` (any shape); BH via statsmodels' ``multipletests``
    (``fdr_bh``). Returns {"holm": array, "bh": array} of the input's shape."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float)
    out = {name: np.full(p.shape, np.nan) for name in METHODS}
    ok = np.isfinite(p)
    if ok.any():
        out["holm"][ok] = holm(p[ok])
        out["bh"][ok] = multipletests(p[ok], method="fdr_bh")[1]
    return out
