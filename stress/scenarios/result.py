"""The result of a run: every book under every scenario, with VaR/ES and reverse stress.

Frozen; ``to_dict()`` gives the JSON, ``grid_frame()``, ``positions_frame()``,
``var_frame()`` and ``reverse_frame()`` the tables written by ``--out``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from stress.portfolio.valuation import Portfolio
from stress.scenarios.catalogue import ScenarioSpec
from stress.scenarios.engine import Grid
from stress.scenarios.reverse import ReverseStress, top_assets
from stress.scenarios.stressvar import METHODS, RegimeVar

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


@dataclass(frozen=True)
class ScenarioInfo:
    """What one scenario became on the data: dates, sessions, plausibility, notes.

    ``sessions``: the number of daily returns its returns span (replay: b - a + 1;
    shock: 1; custom: the horizon). ``mahalanobis``/``percentile``/``df``: plausibility
    of a custom shock (NaN otherwise).
    """

    spec: ScenarioSpec
    sessions: int
    day0: str | None = None
    t0: str | None = None
    t1: str | None = None
    mahalanobis: float = float("nan")
    percentile: float = float("nan")
    df: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = self.spec.to_dict()
        d.update(sessions=self.sessions, day0=self.day0, t0=self.t0, t1=self.t1)
        if self.spec.kind == "custom":
            d["plausibility"] = {"mahalanobis": self.mahalanobis, "percentile": self.percentile,
                                 "df": self.df}
        if self.notes:
            d["notes"] = list(self.notes)
        return d


@dataclass(frozen=True)
class RunResult:
    """P books over the N assets of the run under S scenarios.

    ``values`` (P, N) position values; ``returns`` (N, S) scenario returns; ``source``
    (N, S) how each return was obtained: ``observed`` (replay), ``estimate`` (b k + beta m),
    ``shocked`` (imposed by a custom shock), ``conditional`` (propagated from a custom
    shock), ``propagated`` (no history at the event / no sensitivity estimate: filled by
    conditioning on the assets that have one).
    """

    as_of: str
    portfolios: tuple[Portfolio, ...]
    tickers: tuple[str, ...]
    values: np.ndarray
    scenarios: tuple[ScenarioInfo, ...]
    returns: np.ndarray
    source: np.ndarray
    grid: Grid
    var: tuple[RegimeVar, ...] = ()
    reverse: ReverseStress | None = None
    settings: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    top: int = 5

    # ---- per book and scenario -------------------------------------------------------
    def _positions(self, p: int, s: int) -> list[dict[str, Any]]:
        book = self.portfolios[p]
        total = float(self.grid.pnl[p, s])
        rows = []
        index = {t: j for j, t in enumerate(self.tickers)}
        v, r = self.grid.values, self.grid.returns  # one column of grid.contribution(p)
        for t in book.tickers:
            j = index[t]
            pnl = float(v[p, j] * r[j, s])
            rows.append({"ticker": t, "value": float(self.values[p, j]),
                         "weight": float(self.values[p, j] / book.nav),
                         "return": float(self.returns[j, s]), "pnl": pnl,
                         "share": pnl / total if total else float("nan"),
                         "source": str(self.source[j, s])})
        if book.cash:
            rows.append({"ticker": "CASH", "value": book.cash, "weight": book.cash / book.nav,
                         "return": 0.0, "pnl": 0.0, "share": 0.0, "source": "cash"})
        return rows

    def top_losers(self, p: int, s: int, n: int | None = None) -> list[dict[str, Any]]:
        """The book's ``n`` most negative position P&Ls in scenario ``s`` (losses only)."""
        return _losers(self._positions(p, s), n or self.top)

    def worst(self, p: int) -> int:
        """The scenario index with the book's lowest P&L."""
        return int(np.argmin(self.grid.pnl[p]))

    # ---- frames ----------------------------------------------------------------------
    def grid_frame(self) -> "pd.DataFrame":
        """Long table: one row per book and scenario."""
        import pandas as pd

        g = self.grid
        rows = []
        for p, book in enumerate(self.portfolios):
            cols = [self.tickers.index(t) for t in book.tickers]
            for s, info in enumerate(self.scenarios):
                prop = [t for t, j in zip(book.tickers, cols) if self.source[j, s] == "propagated"]
                rows.append({
                    "portfolio": book.file, "name": book.name, "as_of": book.as_of,
                    "nav": book.nav, "scenario": info.spec.id, "kind": info.spec.kind,
                    "pnl": g.pnl[p, s], "pnl_pct": g.pnl_pct[p, s], "pnl_sd": g.pnl_sd[p, s],
                    "pnl_lo": g.lower[p, s], "pnl_hi": g.upper[p, s], "band": g.level,
                    "propagated": " ".join(prop),
                })
        return pd.DataFrame(rows)

    def positions_frame(self) -> "pd.DataFrame":
        import pandas as pd

        rows = []
        for p, book in enumerate(self.portfolios):
            for s, info in enumerate(self.scenarios):
                for r in self._positions(p, s):
                    rows.append({"portfolio": book.file, "scenario": info.spec.id, **r})
        return pd.DataFrame(rows)

    def _var_rows(self, p: int) -> list[dict[str, Any]]:
        book = self.portfolios[p]
        rows = []
        for rv in self.var:
            for method in METHODS:
                for a in rv.var[method]:
                    var, es = float(rv.var[method][a][p]), float(rv.es[method][a][p])
                    rows.append({"regime": rv.regime, "start": rv.start, "end": rv.end,
                                 "n_obs": rv.n_obs, "horizon": rv.horizon, "method": method,
                                 "alpha": a, "var": var, "es": es, "var_pct": var / book.nav,
                                 "es_pct": es / book.nav, "reason": rv.reasons[p]})
        return rows

    def var_frame(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame([{"portfolio": b.file, **r} for p, b in enumerate(self.portfolios)
                             for r in self._var_rows(p)])

    def _reverse_row(self, p: int) -> dict[str, Any] | None:
        rv = self.reverse
        if rv is None:
            return None
        book = self.portfolios[p]
        return {
            "loss": rv.loss, "target": float(rv.target[p]), "horizon": rv.horizon,
            "ai_shock": {"k": float(rv.k[p]), "pnl": float(rv.k_pnl[p]),
                         "pnl_per_unit": float(rv.pnl_per_unit[p]),
                         "market_pnl": float(rv.intercept[p]), "reason": rv.k_reason[p]},
            "plausible": {"mahalanobis": float(rv.mahalanobis[p]),
                          "percentile": float(rv.percentile[p]), "df": float(rv.df[p]),
                          "pnl": float(rv.plausible_pnl[p]), "market_move": float(rv.market[p]),
                          "market": self.settings.get("market"), "reason": rv.plausible_reason[p],
                          "top": top_assets(rv.returns[p], self.values[p], self.tickers, self.top)},
            "nav": book.nav,
        }

    def reverse_frame(self) -> "pd.DataFrame":
        import pandas as pd

        rows = []
        for p, book in enumerate(self.portfolios):
            r = self._reverse_row(p)
            if r is None:
                continue
            ai, pl = r["ai_shock"], r["plausible"]
            rows.append({
                "portfolio": book.file, "loss": r["loss"], "target": r["target"],
                "k": ai["k"], "k_pnl": ai["pnl"], "pnl_per_unit": ai["pnl_per_unit"],
                "k_reason": ai["reason"], "horizon": r["horizon"],
                "mahalanobis": pl["mahalanobis"], "percentile": pl["percentile"], "df": pl["df"],
                "plausible_pnl": pl["pnl"], "market_move": pl["market_move"],
                "top": " ".join(f"{a['ticker']}:{a['return']:+.4f}" for a in pl["top"]),
                "reason": pl["reason"],
            })
        return pd.DataFrame(rows)

    # ---- JSON ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        g = self.grid
        books = []
        for p, book in enumerate(self.portfolios):
            scen = []
            for s, info in enumerate(self.scenarios):
                positions = self._positions(p, s)
                scen.append({
                    "id": info.spec.id, "kind": info.spec.kind,
                    "pnl": float(g.pnl[p, s]), "pnl_pct": float(g.pnl_pct[p, s]),
                    "band": {"level": g.level, "sd": float(g.pnl_sd[p, s]),
                             "lo": float(g.lower[p, s]), "hi": float(g.upper[p, s])},
                    "propagated": [r["ticker"] for r in positions if r["source"] == "propagated"],
                    "positions": positions,
                    "top_losers": [r["ticker"] for r in _losers(positions, self.top)],
                })
            entry = {"file": book.file, "name": book.name, "kind": book.kind,
                     "as_of": book.as_of, "nav": book.nav, "cash": book.cash, "scenarios": scen}
            if self.var:
                entry["var"] = self._var_rows(p)
            if self.reverse is not None:
                entry["reverse"] = self._reverse_row(p)
            if book.warnings:
                entry["warnings"] = list(book.warnings)
            books.append(entry)
        return {"as_of": self.as_of, "settings": self.settings,
                "scenarios": [i.to_dict() for i in self.scenarios],
                "portfolios": books, "warnings": list(self.warnings)}


def _losers(rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The ``n`` most negative position P&Ls of :meth:`RunResult._positions` rows (losses only)."""
    return sorted((r for r in rows if r["pnl"] < 0), key=lambda r: r["pnl"])[:n]
