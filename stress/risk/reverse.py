"""Reverse stress: which shock produces a given loss?

Two questions: the size k of the AI-demand shock (in DeepSeek units) that loses a target
amount when P&L is linear in k; and the most plausible joint return vector (minimum
Mahalanobis distance under N(mu, S)) whose P&L is exactly the target loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stress.distributions import chi2_cdf
from stress.risk._checks import RiskInputError, as_cov, as_finite

ZERO_EXPOSURE = "P&L does not depend on the AI shock (zero P&L per DeepSeek unit): no k gives this loss"


@dataclass(frozen=True)
class ReverseAIShock:
    """The AI-shock sizes k solving intercept + k * pnl_per_unit = -target_loss.

    Attributes
    ----------
    k : array (P,), DeepSeek units (NaN where there is no solution; see ``reasons``).
    target_loss : array (P,), positive = loss, currency.
    reasons : tuple of P strings, "" where k is defined, else why it is NaN.
    """

    k: np.ndarray
    target_loss: np.ndarray
    reasons: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "k": [None if np.isnan(x) else float(x) for x in self.k],
            "target_loss": self.target_loss.tolist(),
            "reasons": list(self.reasons),
        }


def reverse_ai_shock(pnl_per_unit, target_loss, intercept=0.0) -> ReverseAIShock:
    """Shock size k with intercept + k * pnl_per_unit = -target_loss (P&L linear in k).

        k = -(target_loss + intercept) / pnl_per_unit

    Parameters
    ----------
    pnl_per_unit : (P,) or scalar, P&L (currency) per DeepSeek unit of shock.
    target_loss : (P,) or scalar, the loss to reach as a POSITIVE number.
    intercept : (P,) or scalar, P&L that does not scale with k (e.g. a fixed market move).

    Inputs broadcast; the result has shape (P,) (at least 1-d). A negative k means the
    loss comes from a shock of the opposite sign (an AI boom rather than a bust).
    """
    b, t, c = np.broadcast_arrays(
        np.atleast_1d(as_finite(pnl_per_unit, "pnl_per_unit", (0, 1))),
        np.atleast_1d(as_finite(target_loss, "target_loss", (0, 1))),
        np.atleast_1d(as_finite(intercept, "intercept", (0, 1))),
    )
    zero = b == 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(zero, np.nan, -(t + c) / np.where(zero, 1.0, b))
    reasons = tuple(ZERO_EXPOSURE if z else "" for z in zero)
    return ReverseAIShock(k=k, target_loss=t.astype(float).copy(), reasons=reasons)


@dataclass(frozen=True)
class PlausibleShock:
    """The most plausible joint return vector with P&L = -loss.

    Attributes
    ----------
    returns : (N,) or (P, N), the shock r* (fractions).
    loss : float or (P,), the target loss (positive = loss).
    pnl : float or (P,), values' r*, equal to -loss (a check).
    mahalanobis : float or (P,), d = |loss + v'mu| / sqrt(v' S v).
    percentile : float or (P,), chi2.cdf(d^2, df=N): the share of draws of the whole
        return vector from N(mu, S) that are less extreme (near 0 for large N even when
        the loss is severe: compare ``portfolio_percentile``).
    portfolio_percentile : float or (P,), chi2.cdf(d^2, df=1) = P(|Z| < d): the share of
        normal draws whose portfolio P&L is closer to its mean than this loss.
    df : int, N.
    """

    returns: np.ndarray
    loss: float | np.ndarray
    pnl: float | np.ndarray
    mahalanobis: float | np.ndarray
    percentile: float | np.ndarray
    portfolio_percentile: float | np.ndarray
    df: int

    def to_dict(self) -> dict:
        def plain(x):
            return x.tolist() if isinstance(x, np.ndarray) else float(x)

        return {
            "returns": self.returns.tolist(),
            "loss": plain(self.loss),
            "pnl": plain(self.pnl),
            "mahalanobis": plain(self.mahalanobis),
            "percentile": plain(self.percentile),
            "portfolio_percentile": plain(self.portfolio_percentile),
            "df": self.df,
        }


def most_plausible_shock(values, cov, loss, mean=None) -> PlausibleShock:
    """Minimise (r - mu)' S^-1 (r - mu) subject to values' r = -loss.

        r* = mu - ((loss + v'mu) / (v' S v)) S v
        d  = |loss + v'mu| / sqrt(v' S v)

    (Lagrange; S only needs v' S v > 0, so a singular S is fine on its range.)

    Parameters
    ----------
    values : (N,) or (P, N) position values in currency.
    cov : (N, N) covariance of the returns over the shock's horizon.
    loss : scalar or (P,), positive = loss.
    mean : (N,) or None (zero).

    Raises RiskInputError when a portfolio has zero variance (v' S v = 0).
    """
    c = as_cov(cov)
    n = c.shape[0]
    v = as_finite(values, "values", (1, 2))
    if v.shape[-1] != n:
        raise RiskInputError(f"values: last dimension must be the {n} assets, got shape {v.shape}")
    mu = np.zeros(n) if mean is None else as_finite(mean, "mean", (1,))
    if mu.shape != (n,):
        raise RiskInputError(f"mean: expected shape ({n},), got {mu.shape}")
    one = v.ndim == 1
    v2 = np.atleast_2d(v)
    p = v2.shape[0]
    lo = as_finite(loss, "loss", (0, 1))
    if lo.ndim == 1 and lo.shape != (p,) and lo.shape != (1,):
        raise RiskInputError(f"loss: expected a scalar or shape ({p},), got {lo.shape}")
    lo = np.broadcast_to(lo, (p,)).astype(float)

    sv = v2 @ c  # (P, N)
    vsv = np.sum(sv * v2, axis=1)
    scale = np.max(np.abs(c)) * np.sum(v2 * v2, axis=1)
    flat = vsv <= 1e-14 * np.where(scale > 0, scale, 1.0)
    if np.any(flat):
        raise RiskInputError(f"portfolio {int(np.argmax(flat))} has zero variance (v' S v = 0): "
                             "no shock is more plausible than another")
    gap = lo + v2 @ mu
    r = mu - (gap / vsv)[:, None] * sv
    d = np.abs(gap) / np.sqrt(vsv)
    pct = chi2_cdf(d * d, n)
    pct1 = chi2_cdf(d * d, 1)
    pnl = np.sum(r * v2, axis=1)
    if one:
        return PlausibleShock(r[0], float(lo[0]), float(pnl[0]), float(d[0]), float(pct[0]), float(pct1[0]), n)
    return PlausibleShock(r, lo, pnl, d, pct, pct1, n)
