"""Multiple-testing adjustments of a family of p-values (Holm, Benjamini-Hochberg).

A study reads many groups x windows x tests at once; each test's p-values over the
groups and windows of one study form a family. NaN p-values (undefined tests) are left
out of the family and stay NaN. Formulas: docs/methods.md, "Multiple testing".
"""

from __future__ import annotations

import numpy as np

METHODS = {"holm": "holm", "bh": "fdr_bh"}


def adjust(pvalues) -> dict[str, np.ndarray]:
    """Holm (1979) family-wise and Benjamini-Hochberg (1995) false-discovery-rate
    adjusted p-values of ``pvalues`` (any shape), via statsmodels' ``multipletests``.
    Returns {"holm": array, "bh": array} of the input's shape."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float)
    out = {name: np.full(p.shape, np.nan) for name in METHODS}
    ok = np.isfinite(p)
    if ok.any():
        for name, method in METHODS.items():
            out[name][ok] = multipletests(p[ok], method=method)[1]
    return out
