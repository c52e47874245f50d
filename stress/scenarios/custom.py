"""Custom shocks and conditional propagation.

Returns r ~ N(0, h S) over h sessions, S a daily covariance (Ledoit-Wolf). Imposing
r_s = s on the shocked assets gives every other asset (risk core,
:func:`stress.risk.conditional_shock`)

    E[r_u | r_s = s]   = S_us S_ss^-1 s
    Cov[r_u | r_s = s] = h (S_uu - S_us S_ss^-1 S_su)

and the plausibility of the shock, d^2 = s' (h S_ss)^-1 s with percentile chi2_m(d^2).
The same conditioning fills assets without a replay return (no history at the event) or
without a sensitivity estimate: the assets that have one are the "shocked" block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from stress.errors import InputError
from stress.risk import RiskInputError, conditional_shock


@dataclass(frozen=True)
class Propagated:
    """Returns (N,) or (N, S) with the conditioned block exact and the rest propagated.

    ``cond_cov`` (N, N): covariance of the propagated returns given the shock (zero on
    the shocked rows/columns), over the horizon. ``given`` (N,): True where the return
    was imposed or observed. ``mahalanobis``/``percentile``: plausibility of the given
    block (float, or (S,) for 2-d shocks; NaN when nothing was propagated).
    """

    returns: np.ndarray
    cond_cov: np.ndarray
    given: np.ndarray
    mahalanobis: float | np.ndarray = float("nan")
    percentile: float | np.ndarray = float("nan")
    df: int = 0

    @property
    def propagated(self) -> np.ndarray:
        return ~self.given


def propagate(cov: np.ndarray, given: np.ndarray, shock: np.ndarray, horizon: float = 1.0,
              tickers: Sequence[str] | None = None) -> Propagated:
    """Condition N(0, horizon * cov) on the ``given`` assets' returns ``shock``.

    Parameters
    ----------
    cov : (N, N) daily covariance.
    given : (N,) boolean mask of the assets whose returns are known.
    shock : (m,) or (m, S) their returns over ``horizon`` sessions (m = given.sum()).
    tickers : names for error messages.
    """
    given = np.asarray(given, dtype=bool)
    n = given.size
    if given.all():
        out = np.zeros((n,) + np.shape(shock)[1:])
        out[given] = shock
        return Propagated(out, np.zeros((n, n)), given)
    if not given.any():
        raise InputError("nothing to condition on: no asset has a known return")
    try:
        res = conditional_shock(np.asarray(cov) * float(horizon), np.flatnonzero(given), shock)
    except RiskInputError as exc:
        if tickers is None:
            raise
        names = " ".join(np.asarray(tickers)[given])
        raise InputError(f"cannot condition on {names}: {exc}") from None
    return Propagated(res.expected, res.cond_cov, given, res.mahalanobis, res.percentile, res.df)


def fill_missing(returns: np.ndarray, cov: np.ndarray, horizon: float = 1.0,
                 tickers: Sequence[str] | None = None,
                 condition_on: np.ndarray | None = None) -> Propagated:
    """Fill the NaN entries of ``returns`` (N,) with their conditional expectation given
    the finite ones, under N(0, horizon * cov).

    ``condition_on`` (N,) boolean: condition only on these assets (those of them with a
    finite return), e.g. a fixed reference set, so that the filled values do not depend
    on which other assets happen to be in the run. Default: every finite entry. The
    finite entries are returned unchanged and have zero conditional covariance.
    """
    r = np.asarray(returns, dtype=float)
    known = np.isfinite(r)
    if known.all():
        return Propagated(r.copy(), np.zeros((r.size, r.size)), known)
    basis = known if condition_on is None else known & np.asarray(condition_on, dtype=bool)
    if not basis.any():
        raise InputError("nothing to condition on: no reference asset has a known return")
    prop = propagate(cov, basis, r[basis], horizon, tickers)
    out = np.where(known, r, prop.returns)
    cond = prop.cond_cov.copy()
    cond[known, :] = 0.0
    cond[:, known] = 0.0
    return Propagated(out, cond, known, prop.mahalanobis, prop.percentile, prop.df)


def custom_returns(cov: np.ndarray, tickers: Sequence[str], shocks: Sequence[tuple[str, float]],
                   horizon: float = 1.0) -> Propagated:
    """Returns of every ticker given ``shocks`` ((ticker, return), ...) over ``horizon``
    sessions. Every shocked ticker must be one of ``tickers``."""
    index = {t: i for i, t in enumerate(tickers)}
    unknown = [t for t, _ in shocks if t not in index]
    if unknown:
        raise InputError(f"custom shock on {' '.join(unknown)}: not among the assets of the run")
    given = np.zeros(len(tickers), dtype=bool)
    values = np.full(len(tickers), np.nan)
    for t, v in shocks:
        given[index[t]] = True
        values[index[t]] = v
    return propagate(cov, given, values[given], horizon, tickers)
