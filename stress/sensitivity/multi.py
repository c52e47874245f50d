"""Event-based sensitivity to several basket shocks at once (``--factors``).

y_ie = sum_k b_ik s_k,ie + eps_ie, WLS through the origin with weights 1/v_ie, the K
shocks each the day-0 abnormal return of one basket in its own reference-event units
(:func:`stress.sensitivity.event_based.basket_shocks`), estimated jointly
(:func:`stress.sensitivity.outofsample.wls_origin`). Pure numeric core; formulas:
docs/methods.md, "Backtests", multi-factor.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from stress.distributions import t_ppf

from stress.sensitivity.outofsample import leave_one_out, oos_r2, wls_origin


def multi_factor_table(y, var, shocks: dict, tickers: Sequence[str], *, one: str | None = None,
                       min_events: int = 3, level: float = 0.95) -> pd.DataFrame:
    """One row per ticker (index ``ticker``): per basket k ``b_<k>``, ``se_<k>``,
    ``ci_lo_<k>``, ``ci_hi_<k>`` (t_{n-K} interval at ``level``); ``n_events``; ``r2``
    the weighted uncentred 1 - sum w e^2 / sum w y^2; ``oos_r2`` the leave-one-event-out
    R^2 of the joint model; ``oos_r2_one`` that of the one-shock model on ``one`` (the
    first basket by default), side by side.

    ``y``, ``var`` (E, N); ``shocks``: basket name -> (E, N).
    """
    names = list(shocks)
    one = one or names[0]
    y = np.asarray(y, float)
    v = np.asarray(var, float)
    S = np.stack([np.asarray(shocks[k], float) for k in names], -1)
    fit = wls_origin(y, S, v, min_events=min_events)
    K = len(names)
    se = np.sqrt(np.diagonal(fit.cov, axis1=1, axis2=2))
    q = t_ppf(0.5 + level / 2, np.maximum(fit.n - K, 1))[:, None]
    ok = np.isfinite(y) & np.isfinite(S).all(-1) & np.isfinite(v) & (v > 0)
    w = np.where(ok, 1.0 / np.where(ok, v, 1.0), 0.0)
    fitted = np.einsum("enk,nk->en", np.where(ok[..., None], S, 0.0), np.nan_to_num(fit.b))
    e = np.where(ok, y - fitted, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = 1.0 - (w * e * e).sum(0) / (w * np.where(ok, y, 0.0) ** 2).sum(0)
    frame = {}
    for k, name in enumerate(names):
        frame[f"b_{name}"] = fit.b[:, k]
        frame[f"se_{name}"] = se[:, k]
        frame[f"ci_lo_{name}"] = fit.b[:, k] - q[:, 0] * se[:, k]
        frame[f"ci_hi_{name}"] = fit.b[:, k] + q[:, 0] * se[:, k]
    frame["n_events"] = fit.n
    frame["r2"] = np.where(np.isfinite(fit.scale), r2, np.nan)
    frame["oos_r2"] = oos_r2(y, leave_one_out(y, S, v, min_events=min_events).pred)
    frame["oos_r2_one"] = oos_r2(y, leave_one_out(y, shocks[one], v, min_events=min_events).pred)
    return pd.DataFrame(frame, index=pd.Index(list(tickers), name="ticker"))
