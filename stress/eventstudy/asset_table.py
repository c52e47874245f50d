"""The per-asset results of one event, built when first read.

A study of N assets over W windows has N x W per-asset records; building them as
objects costs more than the whole batched computation at a few hundred assets, and most
callers only read the aggregates. :class:`AssetTable` holds the numbers as plain lists
and is an immutable sequence of :class:`~stress.eventstudy.result.AssetResult` that
builds them on first access (once; the same objects afterwards).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Iterator

from stress.eventstudy.result import AssetResult, AssetWindow


class AssetTable(Sequence):
    """Immutable sequence of :class:`AssetResult`, one per included asset, in order.

    ``tickers`` (n,); ``groups`` (n,) tuples of group names; ``columns``: per asset
    lists ``n_estimation``, ``intercept``, ``betas`` (dicts), ``sigma``, ``return_day0``,
    ``ar_day0``; ``windows``: per window ``(window, car, bhar, var_car, t, p, missing)``
    with each of the last six a list over the assets; ``market`` the regressor whose
    coefficient is ``beta``."""

    __slots__ = ("tickers", "_groups", "_columns", "_windows", "_market", "_built")

    def __init__(self, tickers: Sequence[str], groups: Sequence[tuple[str, ...]], columns: dict,
                 windows: Sequence[tuple], market: str) -> None:
        self.tickers = tuple(tickers)
        self._groups = tuple(groups)
        self._columns = columns
        self._windows = tuple(windows)
        self._market = market
        self._built: tuple[AssetResult, ...] | None = None

    def _rows(self) -> tuple[AssetResult, ...]:
        if self._built is None:
            c, wins = self._columns, self._windows
            self._built = tuple(
                AssetResult(
                    ticker=t, groups=self._groups[j], n_estimation=int(c["n_estimation"][j]),
                    intercept=c["intercept"][j], beta=c["betas"][j].get(self._market), betas=c["betas"][j],
                    sigma=c["sigma"][j], return_day0=c["return_day0"][j], ar_day0=c["ar_day0"][j],
                    windows=tuple(AssetWindow(w, car[j], bhar[j], var[j], tt[j], pp[j], int(mm[j]))
                                  for w, car, bhar, var, tt, pp, mm in wins),
                )
                for j, t in enumerate(self.tickers)
            )
        return self._built

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
