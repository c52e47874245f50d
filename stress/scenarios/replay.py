"""Historical replay: buy-and-hold returns of an event window.

For a window [a, b] (trading days relative to day 0, both included) the position is
bought at the close BEFORE the window, t0 = day0 + a - 1, and valued at the close of its
last day, t1 = day0 + b:

    R_i = P_i(t1) / P_i(t0) - 1

No daily rebalancing; the market's move is included (raw returns, not abnormal ones).
An asset without a price at t0 or t1 has no history at the event: its return is NaN here
and the caller fills it by propagation (:func:`stress.scenarios.custom.fill_missing`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stress.errors import DataError


@dataclass(frozen=True)
class WindowReturns:
    """Returns (N,) over one window; ``t0``/``t1`` are row positions in the closes."""

    returns: np.ndarray
    t0: int
    t1: int

    @property
    def missing(self) -> np.ndarray:
        """Boolean (N,): no price at t0 or t1."""
        return ~np.isfinite(self.returns)

    @property
    def sessions(self) -> int:
        """Number of daily returns the window spans, t1 - t0 (= b - a + 1)."""
        return self.t1 - self.t0


def window_rows(day0: int, window: tuple[int, int], n_rows: int, label: str = "the event") -> tuple[int, int]:
    """Row positions (t0, t1) of a window [a, b] around ``day0`` in closes of ``n_rows``
    rows; DataError when the window runs outside the stored prices."""
    a, b = int(window[0]), int(window[1])
    if a > b:
        raise ValueError(f"window [{a}, {b}]: start after end")
    t0, t1 = day0 + a - 1, day0 + b
    if t0 < 0:
        raise DataError(f"{label}: window [{a}, {b}] starts before the first stored price "
                        "(the close before day a is needed)")
    if t1 >= n_rows:
        raise DataError(f"{label}: window [{a}, {b}] ends {t1 - n_rows + 1} session(s) after "
                        "the last stored price")
    return t0, t1


def window_returns(closes: np.ndarray, day0: int, window: tuple[int, int],
                   label: str = "the event") -> WindowReturns:
    """Buy-and-hold returns over [a, b] around row ``day0``.

    Parameters
    ----------
    closes : (T, N) adjusted closes on the market calendar (NaN where no price).
    day0 : row of day 0 in ``closes``.
    window : (a, b) trading days relative to day 0, a <= b.
    """
    prices = np.asarray(closes, dtype=float)
    t0, t1 = window_rows(day0, window, prices.shape[0], label)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = prices[t1] / prices[t0] - 1.0
    r[~np.isfinite(r)] = np.nan
    return WindowReturns(r, t0, t1)
