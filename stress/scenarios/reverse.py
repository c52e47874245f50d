"""Reverse stress: which shock loses a given fraction of NAV?

For a target loss L = loss x NAV (currency, positive):

* AI shock: P&L(k) = k V'u + m V'beta is linear in k (u the returns of a one-unit AI
  shock, b_i, propagated where there is no estimate; beta the market betas, m the market
  move), so k* = -(L + m V'beta) / V'u (risk core, :func:`stress.risk.reverse_ai_shock`);
* most plausible joint shock: the returns r of the book's holdings over h sessions that
  minimise the Mahalanobis distance r' (h S)^-1 r subject to V'r = -L:
  r* = -(L / V'(hS)V) (hS) V, d = L / sqrt(V'(hS)V), percentile chi2_N(d^2)
  (:func:`stress.risk.most_plausible_shock`); the market index's implied move is the
  same projection, -(L / V'(hS)V) (hS V)_market.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from stress.risk import RiskInputError, most_plausible_shock, reverse_ai_shock


@dataclass(frozen=True)
class ReverseStress:
    """Per book (arrays (P,)): the loss asked for and the two answers.

    ``k`` DeepSeek units (NaN with ``k_reason``), ``k_pnl`` the P&L of that shock applied
    forward (= -target). ``returns`` (P, N) the most plausible joint shock (zero off the
    book's holdings), ``mahalanobis``, ``percentile`` and ``df`` (holdings), ``market``
    the market index's implied move, ``plausible_pnl`` V'r* (= -target).
    """

    loss: float
    target: np.ndarray
    pnl_per_unit: np.ndarray
    intercept: np.ndarray
    k: np.ndarray
    k_pnl: np.ndarray
    k_reason: tuple[str, ...]
    returns: np.ndarray
    plausible_pnl: np.ndarray
    mahalanobis: np.ndarray
    percentile: np.ndarray
    df: np.ndarray
    market: np.ndarray
    plausible_reason: tuple[str, ...]
    horizon: float


def reverse_stress(
    values: np.ndarray, nav: np.ndarray, loss: float, *, unit_returns: np.ndarray | None,
    beta: np.ndarray | None, market_move: float, cov: np.ndarray, horizon: float = 1.0,
    market_index: int | None = None, no_k_reason: str = "",
) -> ReverseStress:
    """Reverse stress of P books.

    Parameters
    ----------
    values : (P, N) position values; nav : (P,) NAV; loss : fraction of NAV (> 0).
    unit_returns : (N,) returns of a one-unit AI shock (None: no sensitivities; k is NaN
        with ``no_k_reason``); beta : (N,) market betas for the market move.
    cov : (N, N) daily covariance; horizon : sessions of the joint shock.
    market_index : column of the market index in ``cov`` (its implied move), or None.
    """
    v = np.asarray(values, dtype=float)
    p, n = v.shape
    target = float(loss) * np.asarray(nav, dtype=float)
    if unit_returns is not None:
        ppu = v @ unit_returns
        icpt = market_move * (v @ beta) if market_move else np.zeros(p)
        rk = reverse_ai_shock(ppu, target, icpt)
        k, k_reason = rk.k, rk.reasons
        k_pnl = k * ppu + icpt
    else:
        ppu = icpt = k = k_pnl = np.full(p, np.nan)
        k_reason = (no_k_reason,) * p
    hs = np.asarray(cov, dtype=float) * float(horizon)
    r = np.zeros((p, n))
    pnl, d, pct, df, mkt = (np.full(p, np.nan) for _ in range(5))
    reasons = []
    for i in range(p):  # each book over its own holdings (df = its number of holdings)
        held = np.flatnonzero(v[i] != 0)
        if held.size == 0:
            reasons.append("no holdings: cash only")
            continue
        try:
            ps = most_plausible_shock(v[i, held], hs[np.ix_(held, held)], target[i])
        except RiskInputError as exc:
            reasons.append(str(exc))
            continue
        r[i, held] = ps.returns
        pnl[i], d[i], pct[i], df[i] = ps.pnl, ps.mahalanobis, ps.percentile, ps.df
        if market_index is not None:
            sv = hs[market_index, held] @ v[i, held]
            vsv = v[i, held] @ hs[np.ix_(held, held)] @ v[i, held]
            mkt[i] = -target[i] / vsv * sv
        reasons.append("")
    return ReverseStress(float(loss), target, ppu, icpt, k, k_pnl, tuple(k_reason), r, pnl, d,
                         pct, df, mkt, tuple(reasons), float(horizon))


def top_assets(returns: np.ndarray, values: np.ndarray, tickers: Sequence[str], top: int = 5) -> list[dict]:
    """The ``top`` holdings by P&L (most negative first) of one book's joint shock."""
    pnl = values * returns
    order = [j for j in np.argsort(pnl) if values[j] != 0][:top]
    return [{"ticker": tickers[j], "return": float(returns[j]), "pnl": float(pnl[j])} for j in order]
