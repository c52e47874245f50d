"""The per-asset results of one event, built when first read.

A study of N assets over W windows has N x W per-asset records; building them as
objects (and each asset's t, p and missing days) costs more than the whole batched
computation at a few hundred assets, and most callers only read the aggregates.
:class:`AssetTable` holds the event's rows of the batch's arrays and is an immutable
sequence of :class:`~stress.eventstudy.result.AssetResult` that builds them on first
access (once; the same objects afterwards).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Iterator

import numpy as np

from stress.eventstudy.result import AssetResult, AssetWindow
from stress.eventstudy.significance import _p_t


class AssetTable(Sequence):
    """Immutable sequence of :class:`AssetResult`, one per included asset, in order.

    ``tickers`` (n,); ``groups`` {name: members}; ``columns``: (n,) arrays
    ``n_estimation``, ``sigma``, ``return_day0``, ``ar_day0``, ``dof`` and ``params``
    (n, p) named ``param_names`` (none for market-adjusted, whose beta on ``market`` is
    1); ``windows``: per window ``(window, car, bhar, var_car, returns)`` with (n,) arrays
    and the window's raw returns (L2, n). t = CAR / sqrt(Var(CAR)) and its two-sided p
    (Student t, ``dof``) and the missing days are computed when the rows are built."""

    __slots__ = ("tickers", "_groups", "_columns", "_windows", "_market", "_names", "_built")

    def __init__(self, tickers: Sequence[str], groups: dict, columns: dict, windows: Sequence[tuple],
                 market: str, param_names: Sequence[str]) -> None:
        self.tickers = tuple(tickers)
        self._groups = groups
        self._columns = columns
        self._windows = tuple(windows)
        self._market = market
        self._names = tuple(param_names)
        self._built: tuple[AssetResult, ...] | None = None

    def _rows(self) -> tuple[AssetResult, ...]:
        if self._built is None:
            self._built = self._build()
        return self._built

    def _build(self) -> tuple[AssetResult, ...]:
        c = {k: v.tolist() for k, v in self._columns.items() if k != "params"}
        params = self._columns["params"].tolist()
        if self._names:
            betas = [dict(zip(self._names[1:], row[1:])) for row in params]
            intercept = [row[0] for row in params]
        else:  # market-adjusted: beta 1 on the market imposed, no intercept
            betas, intercept = [{self._market: 1.0} for _ in self.tickers], [0.0] * len(self.tickers)
        dof = self._columns["dof"]
        wins = []
        for w, car, bhar, var, returns in self._windows:
            with np.errstate(invalid="ignore", divide="ignore"):
                t = np.where(var > 0, car / np.sqrt(np.where(var > 0, var, 1.0)), np.nan)
                p = np.where(np.isfinite(t), _p_t(t, dof), np.nan)
            missing = (~np.isfinite(returns)).sum(axis=0)
            wins.append((w, car.tolist(), bhar.tolist(), var.tolist(), t.tolist(), p.tolist(), missing.tolist()))
        member = [tuple(n for n, m in self._groups.items() if t in m) for t in self.tickers]
        return tuple(
            AssetResult(
                ticker=t, groups=member[j], n_estimation=int(c["n_estimation"][j]),
                intercept=intercept[j], beta=betas[j].get(self._market), betas=betas[j],
                sigma=c["sigma"][j], return_day0=c["return_day0"][j], ar_day0=c["ar_day0"][j],
                windows=tuple(AssetWindow(w, car[j], bhar[j], var[j], tt[j], pp[j], int(mm[j]))
                              for w, car, bhar, var, tt, pp, mm in wins),
            )
            for j, t in enumerate(self.tickers)
        )

    def __len__(self) -> int:
        return len(self.tickers)

    def __getitem__(self, i: Any) -> Any:
        return self._rows()[i]

    def __iter__(self) -> Iterator[AssetResult]:
        return iter(self._rows())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (AssetTable, tuple)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._rows())

    def __repr__(self) -> str:
        return f"AssetTable({len(self)} assets: {' '.join(self.tickers[:8])}{' ...' if len(self) > 8 else ''})"

    def __getstate__(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__ if k != "_built"}

    def __setstate__(self, state: dict) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        self._built = None
