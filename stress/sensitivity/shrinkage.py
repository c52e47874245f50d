"""Empirical-Bayes shrinkage of event-based sensitivities toward their group's mean.

Normal-normal model (Morris 1983, method of moments): b_i ~ N(beta_i, se_i^2),
beta_i ~ N(mu_g, tau_g^2) within a group g of configs/universe.yaml. Estimates:
mu_g = mean of b over the group's members with an estimate,
tau_g^2 = max(0, var(b) - mean(se^2)) (sample variance, n - 1),
w_i = tau_g^2 / (tau_g^2 + se_i^2), b_shrunk_i = w_i b_i + (1 - w_i) mu_g.
A precise estimate (small se) keeps its value (w near 1); a noisy one moves to the mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

#: fewest members with an estimate for a group mean and variance
MIN_GROUP = 3


@dataclass(frozen=True)
class Shrunk:
    """Per asset, arrays (N,): ``b`` shrunk estimate, ``w`` weight on the asset's own
    estimate, ``mean`` and ``tau2`` of its group, ``n_group`` members used, ``reason``
    (tuple of N strings, "" when shrunk)."""

    b: np.ndarray
    w: np.ndarray
    mean: np.ndarray
    tau2: np.ndarray
    n_group: np.ndarray
    reason: tuple[str, ...]


def shrink_to_group(
    b: np.ndarray, se: np.ndarray, groups: Sequence[str | None], *, min_group: int = MIN_GROUP
) -> Shrunk:
    """Shrink ``b`` (N,) with standard errors ``se`` (N,) toward the mean of their group
    (``groups[i]``, None: no group). Every member of a group enters its mean and
    variance, so pass all members of the groups, not only the assets asked for."""
    b = np.asarray(b, dtype=float)
    se = np.asarray(se, dtype=float)
    n = b.size
    out_b, out_w = np.full(n, np.nan), np.full(n, np.nan)
    out_mean, out_tau2 = np.full(n, np.nan), np.full(n, np.nan)
    n_group = np.zeros(n, dtype=int)
    reason = ["" for _ in range(n)]
    has = np.isfinite(b) & np.isfinite(se) & (se > 0)
    labels = np.array([g if g is not None else "" for g in groups], dtype=object)
    for g in dict.fromkeys(labels):  # a loop over groups, not assets
        members = labels == g
        use = members & has
        k = int(use.sum())
        n_group[members] = k
        if g == "":
            why = "not in a group of the universe"
        elif k < min_group:
            why = f"group {g} has {k} estimates (< {min_group})"
        else:
            why = ""
        if why:
            for i in np.flatnonzero(members):
                reason[i] = why
            continue
        mu = b[use].mean()
        tau2 = max(0.0, b[use].var(ddof=1) - (se[use] ** 2).mean())
        out_mean[members] = mu
        out_tau2[members] = tau2
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(tau2 > 0, tau2 / (tau2 + se**2), 0.0)
        w = np.where(use, w, np.nan)
        out_w[members] = w[members]
        out_b[members] = (w * b + (1.0 - w) * mu)[members]
        for i in np.flatnonzero(members & ~has):
            reason[i] = "no event-based estimate"
    return Shrunk(out_b, out_w, out_mean, out_tau2, n_group, tuple(reason))
