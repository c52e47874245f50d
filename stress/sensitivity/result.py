"""The frozen result of a sensitivity estimate: frames in, JSON and CSV out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: columns of :attr:`SensitivityResult.table` (index ``ticker``); units in docs/methods.md
TABLE_COLUMNS = (
    "group",
    # event-based: abnormal return per DeepSeek unit of shock
    "b", "se", "ci_lo", "ci_hi", "n_events", "n_excluded", "r2", "oos_r2", "reason",
    # empirical-Bayes shrinkage toward the group mean
    "b_shrunk", "w_shrunk", "group_mean", "tau2", "n_group", "shrink_reason",
    # factor-based: daily loadings, Newey-West standard errors
    "beta_ai", "se_ai", "ci_ai_lo", "ci_ai_hi", "beta_mkt", "se_mkt", "intercept", "n_obs",
    "maxlags", "sigma", "factor_reason",
)


def _num(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    return v


@dataclass(frozen=True)
class SensitivityResult:
    """Sensitivities of the assets asked for.

    ``table``: one row per asset (index ``ticker``, columns :data:`TABLE_COLUMNS`);
    ``shocks``: one row per event (index ``event``): day 0, basket AR, shock size ``s``
    (DeepSeek units), ``used``, and the leave-one-out sizes ``s_without_<T>``;
    ``comparison``: one row per asset (see :mod:`stress.sensitivity.compare`), empty when
    the reference event is not in the data; ``excluded``: per asset, reason -> event ids
    not used; ``settings``: the specification and resolved inputs; ``warnings``;
    ``rolling``: long frame date, ticker, beta_ai, beta_mkt, n_obs (None unless asked).
    """

    table: pd.DataFrame
    shocks: pd.DataFrame
    comparison: pd.DataFrame
    excluded: dict
    settings: dict
    warnings: tuple[str, ...] = ()
    rolling: pd.DataFrame | None = field(default=None, compare=False)

    def summary(self) -> str:
        """One line per asset: b per DeepSeek unit with its interval, and beta_ai."""
        lines = [f"b: abnormal return per DeepSeek unit ({len(self.settings.get('events_used', []))} "
                 f"events, basket {'+'.join(self.settings.get('basket', []))}); beta_ai: daily "
                 f"loading on {self.settings.get('factor')}"]
        for t, r in self.table.iterrows():
            b = "n/a" if not np.isfinite(r["b"]) else (
                f"{r['b']:+.4f} [{r['ci_lo']:+.4f}, {r['ci_hi']:+.4f}]")
            ai = "n/a" if not np.isfinite(r["beta_ai"]) else f"{r['beta_ai']:+.3f}"
            lines.append(f"  {t}: b {b}, beta_ai {ai}" + (f" ({r['reason']})" if r["reason"] else ""))
        return "\n".join(lines)

    def scenario_input(self) -> "SensitivityInput":
        """What the scenario engine reads of this estimate (see :class:`SensitivityInput`)."""
        t = self.table
        return SensitivityInput(
            tickers=tuple(t.index), b=t["b"].to_numpy(dtype=float), se=t["se"].to_numpy(dtype=float),
            beta=t["beta_mkt"].to_numpy(dtype=float),
            reason=tuple(str(x) if isinstance(x, str) else "" for x in t["reason"]),
            as_of=str(self.settings.get("as_of", "")), warnings=self.warnings)

    def to_frame(self, kind: str = "table") -> pd.DataFrame:
        """``table`` (default), ``shocks``, ``comparison`` or ``rolling`` as a frame."""
        frames = {"table": self.table, "shocks": self.shocks, "comparison": self.comparison,
                  "rolling": self.rolling}
        if kind not in frames:
            raise ValueError(f"kind must be one of {', '.join(frames)}, not {kind!r}")
        frame = frames[kind]
        return frame if frame is not None else pd.DataFrame()

    def to_dict(self) -> dict:
        """The CLI's JSON: settings, events with their shock sizes, one entry per asset."""
        assets = []
        comp = self.comparison
        for ticker, row in self.table.iterrows():
            entry = {
                "ticker": ticker,
                "group": row["group"],
                "event": {
                    "b": _num(row["b"]), "se": _num(row["se"]),
                    "ci": [_num(row["ci_lo"]), _num(row["ci_hi"])],
                    "n_events": _num(row["n_events"]), "r2": _num(row["r2"]),
                    "oos_r2": _num(row["oos_r2"]),
                    "reason": row["reason"] or None,
                    "excluded": self.excluded.get(ticker, {}),
                },
                "factor": {
                    "beta_ai": _num(row["beta_ai"]), "se": _num(row["se_ai"]),
                    "ci": [_num(row["ci_ai_lo"]), _num(row["ci_ai_hi"])],
                    "beta_mkt": _num(row["beta_mkt"]), "se_mkt": _num(row["se_mkt"]),
                    "intercept": _num(row["intercept"]), "n_obs": _num(row["n_obs"]),
                    "maxlags": _num(row["maxlags"]), "sigma": _num(row["sigma"]),
                    "reason": row["factor_reason"] or None,
                },
                "shrunk": {
                    "b": _num(row["b_shrunk"]), "w": _num(row["w_shrunk"]),
                    "group_mean": _num(row["group_mean"]), "tau2": _num(row["tau2"]),
                    "n_group": _num(row["n_group"]), "reason": row["shrink_reason"] or None,
                },
                "comparison": (
                    {k: _num(v) for k, v in comp.loc[ticker].items()}
                    if ticker in comp.index else None
                ),
            }
            assets.append(entry)
        events = [
            {"id": i, **{k: _num(v) for k, v in row.items()}} for i, row in self.shocks.iterrows()
        ]
        return {
            "settings": self.settings,
            "events": events,
            "assets": assets,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class SensitivityInput:
    """The sensitivities a scenario run needs, (n,) arrays over ``tickers``: ``b``
    (abnormal return per DeepSeek unit), its standard error ``se``, the daily market
    ``beta``, and ``reason`` where ``b`` is NaN; ``as_of``: the estimate's last session.
    """

    tickers: tuple[str, ...]
    b: np.ndarray
    se: np.ndarray
    beta: np.ndarray
    reason: tuple[str, ...]
    as_of: str
    warnings: tuple[str, ...] = ()

    def take(self, tickers) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
        """(b, se, beta, reason) aligned on ``tickers``; NaN and "" for tickers not held."""
        index = {t: j for j, t in enumerate(self.tickers)}
        rows = [index.get(t, -1) for t in tickers]
        pick = lambda a: np.array([a[j] if j >= 0 else np.nan for j in rows], dtype=float)  # noqa: E731
        return pick(self.b), pick(self.se), pick(self.beta), tuple(
            self.reason[j] if j >= 0 else "not in the sensitivity estimate" for j in rows)
