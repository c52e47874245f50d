"""Frozen backtest results: frames in, JSON/CSV out, and a verdict in plain words.

Each result has ``to_frame(kind)``, ``to_dict()`` and ``summary()`` (a few sentences
computed from the numbers; the words follow their sign and size, see
:mod:`stress.backtest.words`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stress.backtest import words


def _num(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    return v


def _records(frame: pd.DataFrame, index: str | None = None) -> list[dict]:
    f = frame.reset_index() if index else frame
    return [{k: _num(v) for k, v in row.items()} for row in f.to_dict("records")]


def _pick(frames: dict, kind: str) -> pd.DataFrame:
    if kind not in frames:
        raise ValueError(f"kind must be one of {', '.join(frames)}, not {kind!r}")
    return frames[kind]


@dataclass(frozen=True)
class VarBacktest:
    """VaR/ES backtest of one book.

    ``coverage``: one row per (method, confidence) with the exception count and the
    tests (columns of :class:`stress.backtest.coverage.Coverage`); ``forecasts``: one row
    per test day (index ``date``): pnl, loss, n_obs, and var/es/hit per
    ``<method>_<confidence>``; ``exceptions``: one row per exception (date, method,
    confidence, loss, var, their % of NAV, event); ``settings``; ``warnings``.
    """

    book: str
    nav: float
    coverage: pd.DataFrame
    forecasts: pd.DataFrame
    exceptions: pd.DataFrame
    settings: dict
    warnings: tuple[str, ...] = ()

    def to_frame(self, kind: str = "coverage") -> pd.DataFrame:
        """``coverage`` (default), ``forecasts`` or ``exceptions``."""
        return _pick({"coverage": self.coverage, "forecasts": self.forecasts,
                      "exceptions": self.exceptions}, kind)

    def to_dict(self) -> dict:
        return {"book": self.book, "nav": self.nav, "settings": self.settings,
                "coverage": _records(self.coverage), "exceptions": _records(self.exceptions),
                "verdict": self.summary(), "warnings": list(self.warnings)}

    def summary(self) -> str:
        return words.var_verdict(self)


@dataclass(frozen=True)
class SensitivityBacktest:
    """Leave-one-event-out backtest of the AI-shock sensitivities.

    ``predictions``: one row per (event, ticker) pair with a prediction: group, model
    (``event`` b x s, ``multi`` sum_k b_k s_k, ``factor`` beta_ai x AI move), predicted, lo, hi
    (the band), actual, error = actual - predicted, inside; ``by_asset`` and ``by_group``:
    n, oos_r2, corr, sign_hit, coverage, mean_error per model; ``by_event``: per event,
    group and model the mean actual and predicted AR, their ratio, the share of assets
    outside the band, ``far`` (a 5%+ group move at least 3x the prediction or against it)
    and ``missed`` (at least half the assets outside the band, or far); ``settings``; ``warnings``.
    """

    predictions: pd.DataFrame
    by_asset: pd.DataFrame
    by_group: pd.DataFrame
    by_event: pd.DataFrame
    settings: dict
    warnings: tuple[str, ...] = ()

    def to_frame(self, kind: str = "by_asset") -> pd.DataFrame:
        """``by_asset`` (default), ``by_group``, ``by_event`` or ``predictions``."""
        return _pick({"by_asset": self.by_asset, "by_group": self.by_group,
                      "by_event": self.by_event, "predictions": self.predictions}, kind)

    def to_dict(self) -> dict:
        return {"settings": self.settings,
                "by_group": _records(self.by_group), "by_asset": _records(self.by_asset),
                "by_event": _records(self.by_event), "predictions": _records(self.predictions),
                "verdict": self.summary(), "warnings": list(self.warnings)}

    def summary(self) -> str:
        return words.sensitivity_verdict(self)


@dataclass(frozen=True)
class PropagationBacktest:
    """Propagation backtest: per event, the observed moves of the conditioning tickers
    propagated to the rest, against what the rest did.

    ``events``: one row per event (index ``event``): day0, cov window, n assets, band
    coverage, mean |error|, Mahalanobis distance and percentile of the conditioning
    block, and of the propagated assets' errors; ``assets``: one row per (event, ticker):
    expected, sd, lo, hi, actual, z, inside.
    """

    events: pd.DataFrame
    assets: pd.DataFrame
    settings: dict
    warnings: tuple[str, ...] = field(default=())

    def to_frame(self, kind: str = "events") -> pd.DataFrame:
        """``events`` (default) or ``assets``."""
        return _pick({"events": self.events, "assets": self.assets}, kind)

    def to_dict(self) -> dict:
        return {"settings": self.settings, "events": _records(self.events, "event"),
                "assets": _records(self.assets), "verdict": self.summary(),
                "warnings": list(self.warnings)}

    def summary(self) -> str:
        return words.propagation_verdict(self)
