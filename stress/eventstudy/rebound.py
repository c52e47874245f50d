"""Rebound: was the day-0 move overdone? The CAR path after day 0 and the share of the
day-0 abnormal move recovered by later days."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class Rebound:
    """``names`` (K,) assets or groups; ``path`` (H + 1, K) CAR(0, h) for h = 0..H
    (NaN from the first missing day on); ``recovered`` (len(horizons), K) =
    1 - CAR(0, h) / AR(0), NaN when AR(0) is 0 or CAR(0, h) is missing."""

    names: tuple[str, ...]
    horizons: tuple[int, ...]
    path: np.ndarray
    recovered: np.ndarray


def car_path(ar: np.ndarray) -> np.ndarray:
    """Cumulative abnormal returns from day 0: (H + 1, K) daily ARs -> CAR(0, h).
    A missing day makes the path missing from that day on (never a zero)."""
    return np.cumsum(ar, axis=0)  # NaN propagates forward


def recovered_share(path: np.ndarray, horizons: Sequence[int]) -> np.ndarray:
    """1 - CAR(0, h) / AR(0) for each horizon h (rows) and column of ``path``.
    1 = the day-0 move fully undone, 0 = none of it, < 0 = the move extended."""
    ar0 = path[0]
    out = np.full((len(horizons), path.shape[1]), np.nan)
    for j, h in enumerate(horizons):
        if h < path.shape[0]:
            with np.errstate(invalid="ignore", divide="ignore"):
                out[j] = np.where(ar0 != 0, 1.0 - path[h] / ar0, np.nan)
    return out


def rebound(names: Sequence[str], ar: np.ndarray, horizons: Sequence[int]) -> Rebound:
    """Rebound of K series from their daily ARs ``ar`` (H + 1, K), day 0 first."""
    path = car_path(ar)
    return Rebound(tuple(names), tuple(horizons), path, recovered_share(path, horizons))


def group_rebound(
    assets: Rebound, groups: dict[str, np.ndarray]
) -> Rebound:
    """Rebound of equal-weight groups: CAAR(0, h) = mean of the members' CAR(0, h) over
    the members whose path is complete to day h; ``groups`` {name: (K,) bool members}."""
    cols = []
    for mask in groups.values():
        sub = assets.path[:, mask]
        ok = np.isfinite(sub)
        cnt = ok.sum(axis=1)
        with np.errstate(invalid="ignore"):
            cols.append(np.where(cnt > 0, np.where(ok, sub, 0.0).sum(axis=1) / np.maximum(cnt, 1), np.nan))
    path = np.stack(cols, axis=1) if cols else np.empty((assets.path.shape[0], 0))
    return Rebound(tuple(groups), assets.horizons, path, recovered_share(path, assets.horizons))
