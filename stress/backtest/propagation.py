"""Propagation backtest: each event's observed moves propagated, against what happened.

Pure core on a frame of daily returns (sessions x tickers). For every event with day 0
on row p:

1. the covariance window is the ``cov_window`` sessions p - cov_window .. p - 1; the
   tickers with a return on every one of them (and on day 0) are used, the others left
   out for that event (the rule of ``stress run``'s covariance window);
2. S = Ledoit-Wolf covariance of that window (:func:`stress.risk.ledoit_wolf`);
3. the conditioning tickers' day-0 returns s are imposed and the rest propagated with
   the custom-scenario method (:func:`stress.scenarios.custom.propagate`: r ~ N(0, S),
   E[r_u | s] = S_us S_ss^-1 s, Cov = S_uu - S_us S_ss^-1 S_su);
4. each propagated asset's band is E -/+ z_{(1+band)/2} sd (sd from the conditional
   covariance); coverage is the share of assets whose actual day-0 return is inside;
5. plausibility: the Mahalanobis distance of s, d^2 = s' S_ss^-1 s, and its chi2_m
   percentile (``tail`` = 1 - percentile, computed directly); and the joint miss of the propagated assets, d_u^2 = e' C^-1 e with
   e = r_u - E[r_u | s], C the conditional covariance, percentile chi2_{n_u}.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from stress.distributions import chi2_cdf, chi2_sf, norm_ppf
from scipy.linalg import cho_factor, cho_solve

from stress.risk import ledoit_wolf
from stress.scenarios.custom import propagate


def _joint(err: np.ndarray, cov: np.ndarray) -> tuple[float, float]:
    """Mahalanobis distance of ``err`` under N(0, ``cov``) and its chi2 percentile."""
    try:
        cf = cho_factor(cov, lower=True)
    except np.linalg.LinAlgError:
        return float("nan"), float("nan")
    d2 = float(err @ cho_solve(cf, err))
    return float(np.sqrt(max(d2, 0.0))), float(chi2_cdf(d2, err.size))


def propagation_backtest(
    returns: pd.DataFrame, events: Sequence[tuple[str, pd.Timestamp]], condition: Sequence[str],
    *, groups: dict | None = None, cov_window: int = 504, min_obs: int = 60,
    band: float = 0.90, settings: dict | None = None,
):
    """Backtest of the conditional propagation on every event (see the module doc).

    ``returns``: daily returns on the market's sessions (index: dates); ``events``:
    (id, day 0) pairs, day 0 a row of ``returns``; ``condition``: the tickers whose
    day-0 returns are imposed. Returns a :class:`stress.backtest.result.PropagationBacktest`.
    """
    from stress.backtest.result import PropagationBacktest

    groups = groups or {}
    z = norm_ppf(0.5 + band / 2)
    X = returns.to_numpy(dtype=float)
    names = np.asarray(returns.columns, dtype=object)
    cond = np.isin(names, list(condition))
    ev_rows, asset_rows, warnings = [], [], []
    for eid, day0 in events:
        p = returns.index.get_loc(day0)
        if p < min_obs:
            warnings.append(f"{eid}: day 0 {day0:%Y-%m-%d} has fewer than {min_obs} sessions before it; skipped")
            continue
        win = X[max(0, p - cov_window):p]
        use = np.isfinite(win).all(axis=0) & np.isfinite(X[p])
        given = cond & use
        if not given.any() or not (use & ~cond).any():
            warnings.append(f"{eid}: no conditioning ticker ({' '.join(condition)}) with complete "
                            "returns in the window; skipped")
            continue
        dropped = [t for t in condition if t in set(names[cond & ~use])]
        cov, shrink = ledoit_wolf(win[:, use])
        g = given[use]
        day = X[p, use]
        res = propagate(cov, g, day[g], tickers=names[use])
        sd = np.sqrt(np.clip(np.diag(res.cond_cov), 0.0, None))
        u = ~g
        exp_u, sd_u, act_u = res.returns[u], sd[u], day[u]
        inside = np.abs(act_u - exp_u) <= z * sd_u
        d_u, pct_u = _joint(act_u - exp_u, res.cond_cov[np.ix_(u, u)])
        tick_u = names[use][u]
        for t, e_, s_, a_, i_ in zip(tick_u, exp_u, sd_u, act_u, inside):
            asset_rows.append({"event": eid, "ticker": t, "group": groups.get(t) or "other",
                               "expected": e_, "sd": s_, "lo": e_ - z * s_, "hi": e_ + z * s_,
                               "actual": a_, "z": (a_ - e_) / s_ if s_ > 0 else np.nan,
                               "inside": bool(i_)})
        ev_rows.append({
            "event": eid, "day0": f"{day0:%Y-%m-%d}",
            "cov_start": f"{returns.index[max(0, p - cov_window)]:%Y-%m-%d}",
            "cov_end": f"{returns.index[p - 1]:%Y-%m-%d}", "shrinkage": shrink,
            "conditioned": " ".join(names[use][g]), "n_assets": int(u.sum()),
            "coverage": float(inside.mean()), "mean_abs_z": float(np.nanmean(np.abs((act_u - exp_u) / sd_u))),
            "mean_abs_error": float(np.mean(np.abs(act_u - exp_u))),
            "mahalanobis": float(res.mahalanobis), "percentile": float(res.percentile),
            "tail": float(chi2_sf(float(res.mahalanobis) ** 2, res.df)),
            "df": int(res.df), "joint_d": d_u, "joint_percentile": pct_u,
            "joint_tail": float(chi2_sf(d_u ** 2, int(u.sum()))),
            "left_out": " ".join(dropped),
        })
    events_frame = pd.DataFrame(ev_rows)
    if len(events_frame):
        events_frame = events_frame.set_index("event")
    st = {"condition": list(condition), "cov_window": cov_window, "min_obs": min_obs, "band": band,
          "method": "conditional Gaussian, zero mean, Ledoit-Wolf covariance of the window before day 0",
          **(settings or {})}
    a = pd.DataFrame(asset_rows, columns=["event", "ticker", "group", "expected", "sd", "lo", "hi",
                                          "actual", "z", "inside"])
    return PropagationBacktest(events=events_frame, assets=a, settings=st, warnings=tuple(warnings))
