"""Prices to returns on the market's trading days.

Pure functions on aligned frames. Returns are fractions (0.01 = 1%). A missing price
makes the returns of that day and the next NaN: a gap stays a gap, never a zero and
never silently a multi-day return.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

ReturnKind = Literal["simple", "log"]


def to_returns(prices: pd.DataFrame, kind: ReturnKind = "simple") -> pd.DataFrame:
    """Daily returns from prices, shape (n_days - 1, n_assets).

    ``simple``: r_t = P_t / P_{t-1} - 1; ``log``: r_t = ln(P_t / P_{t-1}).
    The first row (no previous price) is dropped.
    """
    out = price_returns(prices.to_numpy(dtype=float), kind)
    return pd.DataFrame(out, index=prices.index[1:], columns=prices.columns)


def price_returns(values: np.ndarray, kind: ReturnKind = "simple") -> np.ndarray:
    """:func:`to_returns` on an array: prices (n_days, ...) -> returns (n_days - 1, ...)."""
    if kind not in ("simple", "log"):
        raise ValueError(f"returns must be 'simple' or 'log', not {kind!r}")
    ratio = values[1:] / values[:-1]
    if kind == "simple":
        ratio -= 1.0
        return ratio
    return np.log(ratio, out=ratio)

