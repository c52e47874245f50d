"""Propagate shocks to some assets to all others by multivariate-normal conditioning.

For returns r ~ N(mu, S) partitioned into shocked assets s (m of them) and the rest u:

    E[r_u | r_s = s]   = mu_u + S_us S_ss^-1 (s - mu_s)
    Cov[r_u | r_s = s] = S_uu - S_us S_ss^-1 S_su
    d^2 = (s - mu_s)' S_ss^-1 (s - mu_s),  plausibility percentile = chi2_m.cdf(d^2)

All solves go through the Cholesky factor of S_ss (never an explicit inverse).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from stress.distributions import chi2_cdf
from stress.risk._checks import RiskInputError, as_cov, as_finite


@dataclass(frozen=True)
class ConditionalShock:
    """The result of :func:`conditional_shock`.

    Attributes
    ----------
    shocked : int array (m,), the indices of the shocked assets.
    shock : array (m,) or (m, S), the shocked returns (fractions), S scenarios.
    expected : array (N,) or (N, S), conditional expected returns; shocked entries equal
        the shock exactly.
    cond_cov : array (N, N), conditional covariance; zero on shocked rows and columns.
    loadings : array (N, m), B = S_{.s} S_ss^-1 so that expected = mu + B (s - mu_s);
        the identity on the shocked rows.
    mahalanobis : float or array (S,), d = sqrt((s - mu_s)' S_ss^-1 (s - mu_s)).
    percentile : float or array (S,), chi2.cdf(d^2, df=m): the share of draws from the
        fitted normal whose shocked block is less extreme than this shock.
    df : int, m.
    """

    shocked: np.ndarray
    shock: np.ndarray
    expected: np.ndarray
    cond_cov: np.ndarray
    loadings: np.ndarray
    mahalanobis: float | np.ndarray
    percentile: float | np.ndarray
    df: int

    @property
    def cond_std(self) -> np.ndarray:
        """Conditional standard deviations, shape (N,); zero for the shocked assets."""
        return np.sqrt(np.clip(np.diag(self.cond_cov), 0.0, None))

    def to_dict(self) -> dict:
        def plain(v):
            return v.tolist() if isinstance(v, np.ndarray) else float(v)

        return {
            "shocked": self.shocked.tolist(),
            "shock": self.shock.tolist(),
            "expected": self.expected.tolist(),
            "cond_std": self.cond_std.tolist(),
            "mahalanobis": plain(self.mahalanobis),
            "percentile": plain(self.percentile),
            "df": self.df,
        }


def _indices(shocked, n: int) -> np.ndarray:
    a = np.asarray(shocked)
    if a.dtype == bool:
        if a.shape != (n,):
            raise RiskInputError(f"shocked: a boolean mask must have shape ({n},), got {a.shape}")
        a = np.flatnonzero(a)
    a = np.atleast_1d(a)
    if a.ndim != 1 or a.size == 0:
        raise RiskInputError("shocked: give a non-empty 1-d array of asset indices")
    if not np.issubdtype(a.dtype, np.integer):
        raise RiskInputError(f"shocked: asset indices must be integers, got dtype {a.dtype}")
    if a.min() < 0 or a.max() >= n:
        raise RiskInputError(f"shocked: index out of range 0..{n - 1}: {a.tolist()}")
    if np.unique(a).size != a.size:
        raise RiskInputError(f"shocked: duplicate asset index in {a.tolist()}")
    return a.astype(np.intp)


def factor_block(cov: np.ndarray, idx: np.ndarray, what: str = "shocked assets"):
    """Cholesky factor of cov[idx, idx]; a clear error when that block is singular."""
    block = cov[np.ix_(idx, idx)]
    w = np.linalg.eigvalsh(block)
    if w[0] <= 1e-12 * max(w[-1], np.finfo(float).tiny) * len(idx):
        raise RiskInputError(
            f"covariance of the {what} (indices {idx.tolist()}) is singular: a zero-variance "
            "or perfectly collinear asset cannot be conditioned on; drop it from the shock"
        )
    try:
        return cho_factor(block, lower=True)
    except np.linalg.LinAlgError as exc:  # pragma: no cover - caught by the eigenvalue test
        raise RiskInputError(f"covariance of the {what} (indices {idx.tolist()}) is singular") from exc


def conditional_shock(cov, shocked, shock, mean=None) -> ConditionalShock:
    """Expected returns of every asset given exact returns of the shocked ones.

    Parameters
    ----------
    cov : array (N, N), covariance of daily returns (e.g. from ``ledoit_wolf``).
    shocked : int array (m,) of asset indices (or a boolean mask (N,)).
    shock : array (m,) or (m, S): the returns imposed on the shocked assets (fractions),
        one column per scenario.
    mean : array (N,) or None (zero means, the default).

    Returns
    -------
    ConditionalShock with ``expected`` (N,) or (N, S), ``cond_cov`` (N, N),
    ``mahalanobis`` and ``percentile`` (float, or (S,) for 2-d shocks).

    Raises RiskInputError (a ValueError) on NaN, bad shapes or a singular S_ss.
    """
    c = as_cov(cov)
    n = c.shape[0]
    idx = _indices(shocked, n)
    m = idx.size
    s = as_finite(shock, "shock", (1, 2))
    if s.shape[0] != m:
        raise RiskInputError(f"shock: first dimension must equal the {m} shocked assets, got shape {s.shape}")
    mu = np.zeros(n) if mean is None else as_finite(mean, "mean", (1,))
    if mu.shape != (n,):
        raise RiskInputError(f"mean: expected shape ({n},), got {mu.shape}")

    cf = factor_block(c, idx)
    loadings = cho_solve(cf, c[idx, :]).T  # (N, m) = S_{.s} S_ss^-1
    loadings[idx, :] = np.eye(m)
    mu_col = mu if s.ndim == 1 else mu[:, None]
    dev = s - mu_col[idx]  # (m,) or (m, S)
    expected = mu_col + loadings @ dev
    expected[idx] = s

    cond = c - loadings @ c[idx, :]
    cond = (cond + cond.T) / 2.0
    cond[idx, :] = 0.0
    cond[:, idx] = 0.0
    np.fill_diagonal(cond, np.clip(np.diag(cond), 0.0, None))

    d2 = np.clip(np.sum(dev * cho_solve(cf, dev), axis=0), 0.0, None)
    pct = chi2_cdf(d2, m)
    if s.ndim == 1:
        d2, pct = float(d2), float(pct)
    return ConditionalShock(
        shocked=idx,
        shock=s,
        expected=expected,
        cond_cov=cond,
        loadings=loadings,
        mahalanobis=np.sqrt(d2) if s.ndim == 2 else float(np.sqrt(d2)),
        percentile=pct,
        df=m,
    )
