"""Which method would have predicted DeepSeek? Implied moves next to the actual one.

Pure function on per-asset arrays (N,). Every move is a fraction over the assets'
window (day 0 by default) on the reference event (deepseek-r1, k = -1 DeepSeek unit):

* event-based (out of sample): -b, b estimated WITHOUT the reference event (with it, the
  fit contains the answer); its 95% interval [-ci_hi, -ci_lo]; the in-sample -b beside it,
  and -b from the events before the reference event only (what was knowable then);
* factor-based: beta_ai * AI_w, loadings estimated on the factor window ending the session
  before day 0, AI_w the orthogonalised factor's return summed over the window; the
  market part beta_mkt * MKT_w and the total intercept L2 + beta_mkt MKT_w + beta_ai AI_w
  (an expected raw return, to set against the raw return) are shown apart;
* actual: the market-model abnormal return (CAR over the window) and the raw return.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = (
    "actual_ar", "actual_return",
    "event_implied", "event_implied_lo", "event_implied_hi", "n_events_oos", "event_implied_in",
    "event_implied_pre", "n_events_pre",
    "factor_implied", "factor_implied_lo", "factor_implied_hi", "factor_market_part",
    "factor_implied_total", "beta_ai_pre", "beta_mkt_pre",
    "event_error", "factor_error", "closer",
)


def deepseek_comparison(
    tickers: list[str],
    *,
    actual_ar: np.ndarray,
    actual_return: np.ndarray,
    b_oos: np.ndarray,
    ci_oos: tuple[np.ndarray, np.ndarray],
    n_oos: np.ndarray,
    b_in: np.ndarray,
    b_pre: np.ndarray,
    n_pre: np.ndarray,
    beta_ai: np.ndarray,
    ci_ai: tuple[np.ndarray, np.ndarray],
    beta_mkt: np.ndarray,
    intercept: np.ndarray,
    ai_move: float,
    mkt_move: float,
    n_days: int,
) -> pd.DataFrame:
    """One row per ticker (index ``ticker``) with the columns in :data:`COLUMNS`.

    ``event_error`` = actual_ar - event_implied, ``factor_error`` = actual_ar -
    factor_implied; ``closer`` names the method with the smaller absolute error.
    """
    f_lo, f_hi = (np.asarray(c, float) * ai_move for c in ci_ai)
    event = -np.asarray(b_oos, float)
    factor = np.asarray(beta_ai, float) * ai_move
    market_part = np.asarray(beta_mkt, float) * mkt_move
    frame = pd.DataFrame(
        {
            "actual_ar": actual_ar,
            "actual_return": actual_return,
            "event_implied": event,
            "event_implied_lo": -np.asarray(ci_oos[1], float),
            "event_implied_hi": -np.asarray(ci_oos[0], float),
            "n_events_oos": np.asarray(n_oos, int),
            "event_implied_in": -np.asarray(b_in, float),
            "event_implied_pre": -np.asarray(b_pre, float),
            "n_events_pre": np.asarray(n_pre, int),
            "factor_implied": factor,
            "factor_implied_lo": np.fmin(f_lo, f_hi),
            "factor_implied_hi": np.fmax(f_lo, f_hi),
            "factor_market_part": market_part,
            "factor_implied_total": np.asarray(intercept, float) * n_days + market_part + factor,
            "beta_ai_pre": beta_ai,
            "beta_mkt_pre": beta_mkt,
        },
        index=pd.Index(list(tickers), name="ticker"),
    )
    frame["event_error"] = frame["actual_ar"] - frame["event_implied"]
    frame["factor_error"] = frame["actual_ar"] - frame["factor_implied"]
    ee, fe = frame["event_error"].abs(), frame["factor_error"].abs()
    frame["closer"] = np.where(
        ee.isna() | fe.isna(), None, np.where(ee <= fe, "event", "factor")
    )
    return frame[list(COLUMNS)]
