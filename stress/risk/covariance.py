"""Covariance estimators on complete return rows: sample and Ledoit-Wolf shrinkage.

``returns`` is always shape (T, N): T trading days (rows) by N assets (columns), simple
returns as fractions. Rows with a NaN are the caller's business (drop them and report
it); a NaN here is an error.
"""

from __future__ import annotations

import numpy as np

from stress.risk._checks import RiskInputError, as_finite


def _returns(returns, min_rows: int = 2) -> np.ndarray:
    x = as_finite(returns, "returns", (2,))
    if x.shape[0] < min_rows:
        raise RiskInputError(f"returns: need at least {min_rows} complete rows, got {x.shape[0]}")
    if x.shape[1] < 1:
        raise RiskInputError("returns: no assets (0 columns)")
    return x


def sample_cov(returns, ddof: int = 1) -> np.ndarray:
    """Sample covariance, shape (N, N).

    S = (1 / (T - ddof)) * sum_t (x_t - xbar)(x_t - xbar)'; ``ddof=1`` (default) is the
    unbiased estimator, ``ddof=0`` the maximum-likelihood one used inside Ledoit-Wolf.

    Parameters
    ----------
    returns : array (T, N), complete rows (no NaN), fractions.
    """
    x = _returns(returns, min_rows=ddof + 1)
    xc = x - x.mean(axis=0)
    return (xc.T @ xc) / (x.shape[0] - ddof)


def ledoit_wolf(returns) -> tuple[np.ndarray, float]:
    """Ledoit-Wolf (2004) shrinkage toward a scaled identity.

    With X the (T, N) returns centred on their column means, S = X'X / T (ddof 0),
    m = tr(S) / N and the Frobenius norm scaled by 1/N, ||A||^2 = tr(A A') / N:

        d^2   = ||S - m I||^2
        bbar^2 = (1 / T^2) sum_t ||x_t x_t' - S||^2
        b^2   = min(bbar^2, d^2)
        shrinkage delta = b^2 / d^2  (0 when d^2 = 0)
        cov   = delta * m I + (1 - delta) * S

    This is the formula of sklearn.covariance.LedoitWolf (assume_centered=False).

    Returns
    -------
    cov : array (N, N), positive definite unless S is zero.
    shrinkage : float in [0, 1].

    Reference: O. Ledoit and M. Wolf (2004), "A well-conditioned estimator for
    large-dimensional covariance matrices", J. Multivariate Analysis 88, 365-411.
    """
    cov, shrinkage = ledoit_wolf_batch(_returns(returns)[None])  # one window, the same formula
    return cov[0], float(shrinkage[0])


def ledoit_wolf_batch(returns, counts=None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ledoit_wolf` of many windows at once: ``returns`` (D, T, N), D windows of
    complete rows; ``counts`` (D,) the rows of each window (the first ``counts[d]``
    rows; the rest is padding, ignored; default all T). Returns cov (D, N, N) and
    shrinkage (D,): the formula of :func:`ledoit_wolf` (which is this function on one
    window), vectorised over d; padding rows enter every sum as zeros."""
    x = np.asarray(returns, dtype=float)
    if x.ndim != 3:
        raise RiskInputError(f"returns: expected a 3-d array (windows, rows, assets), got shape {x.shape}")
    d_, rows, n = x.shape
    t = np.full(d_, rows) if counts is None else np.asarray(counts, dtype=int)
    valid = np.arange(rows) < t[:, None]  # (D, T)
    if t.size and (t.min() < 2 or t.max() > rows or n < 1):
        raise RiskInputError(f"returns: need 2 to {rows} complete rows and 1 asset per window")
    x = np.where(valid[:, :, None], x, 0.0)
    as_finite(x.reshape(-1, n) if n else x.reshape(-1, 1), "returns", (2,))
    tf = t.astype(float)
    mean = x.sum(axis=1) / tf[:, None]
    xc = np.where(valid[:, :, None], x - mean[:, None, :], 0.0)
    s = np.matmul(xc.transpose(0, 2, 1), xc) / tf[:, None, None]
    tr = np.trace(s, axis1=1, axis2=2)
    m = tr / n
    ss = np.sum(s * s, axis=(1, 2))
    d2 = (ss - 2.0 * m * tr + n * m * m) / n
    sq = np.sum(xc * xc, axis=2)
    bbar2 = (np.sum(sq * sq, axis=1) - tf * ss) / (tf * tf) / n
    b2 = np.minimum(np.maximum(bbar2, 0.0), d2)
    with np.errstate(divide="ignore", invalid="ignore"):
        shrinkage = np.where(d2 <= 0.0, 0.0, b2 / d2)
    cov = (1.0 - shrinkage)[:, None, None] * s
    idx = np.arange(n)
    cov[:, idx, idx] += (shrinkage * m)[:, None]
    return cov, shrinkage
