"""The result of a run: every book under every scenario, with VaR/ES and reverse stress.

Frozen; ``to_dict()`` gives the JSON, ``to_frame(kind)`` the tables written by ``--out``
(``grid``, ``positions``, ``var``, ``reverse``), ``summary()`` a few lines of text.
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
class BookRun:
    """One book over the N assets of its run (its holdings and the reference tickers)
    under S scenarios.

    ``values`` (1, N) position values; ``returns`` (N, S) scenario returns; ``source``
    (N, S) how each return was obtained: ``observed`` (replay), ``estimate`` (b k + beta m),
    ``shocked`` (imposed by a custom shock), ``conditional`` (propagated from a custom
    shock), ``propagated`` (no history at the event / no sensitivity estimate: filled by
    conditioning on the assets that have one). ``grid``, ``var`` and ``reverse`` hold one
    row (this book).
    """

    as_of: str
    book: Portfolio
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

    # ---- per scenario --------------------------------------------------------------
    def positions(self, s: int) -> list[dict[str, Any]]:
        """One row per holding (and CASH) in scenario ``s``: value, weight, return, P&L,
        share of the book's P&L, source of the return."""
        book = self.book
        total = float(self.grid.pnl[0, s])
        rows = []
        index = {t: j for j, t in enumerate(self.tickers)}
        v = self.values[0]
        for t in book.tickers:
            j = index[t]
            pnl = float(v[j] * self.returns[j, s])
            rows.append({"ticker": t, "value": float(v[j]), "weight": float(v[j] / book.nav),
                         "return": float(self.returns[j, s]), "pnl": pnl,
                         "share": pnl / total if total else float("nan"),
                         "source": str(self.source[j, s])})
        if book.cash:
            rows.append({"ticker": "CASH", "value": book.cash, "weight": book.cash / book.nav,
                         "return": 0.0, "pnl": 0.0, "share": 0.0, "source": "cash"})
        return rows

    def top_losers(self, s: int, n: int | None = None) -> list[dict[str, Any]]:
        """The book's ``n`` most negative position P&Ls in scenario ``s`` (losses only)."""
        return _losers(self.positions(s), n or self.top)

    def worst(self) -> int:
        """The scenario index with the book's lowest P&L."""
        return int(np.argmin(self.grid.pnl[0]))

    def beyond_total_loss(self, s: int) -> list[tuple[str, float]]:
        """Held assets whose return in scenario ``s`` is below -100% (impossible for a
        real price: a linear extrapolation), as (ticker, return)."""
        held = self.values[0] != 0
        r = self.returns[:, s]
        return [(self.tickers[j], float(r[j])) for j in np.flatnonzero(held & (r < -1.0))]

    # ---- rows ------------------------------------------------------------------------
    def grid_rows(self) -> list[dict[str, Any]]:
        g, book = self.grid, self.book
        cols = [self.tickers.index(t) for t in book.tickers]
        rows = []
        for s, info in enumerate(self.scenarios):
            prop = [t for t, j in zip(book.tickers, cols) if self.source[j, s] == "propagated"]
            beyond = self.beyond_total_loss(s)
            rows.append({
                "portfolio": book.file, "name": book.name, "as_of": book.as_of,
                "nav": book.nav, "scenario": info.spec.id, "kind": info.spec.kind,
                "pnl": g.pnl[0, s], "pnl_pct": g.pnl_pct[0, s], "pnl_sd": g.pnl_sd[0, s],
                "pnl_lo": g.lower[0, s], "pnl_hi": g.upper[0, s], "band": g.level,
                "propagated": " ".join(prop),
                "note": _beyond_note(beyond),
            })
        return rows

    def var_rows(self) -> list[dict[str, Any]]:
        book = self.book
        rows = []
        for rv in self.var:
            for method in METHODS:
                for a in rv.var[method]:
                    var, es = float(rv.var[method][a][0]), float(rv.es[method][a][0])
                    rows.append({"regime": rv.regime, "start": rv.start, "end": rv.end,
                                 "n_obs": rv.n_obs, "horizon": rv.horizon, "method": method,
                                 "confidence": a, "var": var, "es": es, "var_pct": var / book.nav,
                                 "es_pct": es / book.nav, "reason": rv.reasons[0],
                                 "note": thin_tail_note(method, rv.n_obs, rv.horizon, a)})
        return rows

    def reverse_row(self) -> dict[str, Any] | None:
        rv = self.reverse
        if rv is None:
            return None
        return {
            "loss": rv.loss, "target": float(rv.target[0]), "horizon": rv.horizon,
            "ai_shock": {"k": float(rv.k[0]), "pnl": float(rv.k_pnl[0]),
                         "pnl_per_unit": float(rv.pnl_per_unit[0]),
                         "market_pnl": float(rv.intercept[0]), "reason": rv.k_reason[0],
                         "note": self._reverse_note("AI shock")},
            "plausible": {"mahalanobis": float(rv.mahalanobis[0]),
                          "percentile": float(rv.percentile[0]), "df": float(rv.df[0]),
                          "pnl": float(rv.plausible_pnl[0]), "market_move": float(rv.market[0]),
                          "market": self.settings.get("market"), "reason": rv.plausible_reason[0],
                          "top": top_assets(rv.returns[0], self.values[0], self.tickers, self.top),
                          "note": self._reverse_note("most plausible shock")},
            "nav": self.book.nav,
        }

    def _reverse_note(self, label: str) -> str:
        """The warning about an unattainable (below -100%) answer of this kind, or ""."""
        return next((w for w in self.warnings if "reverse" in w and f"the {label}" in w), "")

    def to_dict(self) -> dict[str, Any]:
        g, book = self.grid, self.book
        scen = []
        for s, info in enumerate(self.scenarios):
            positions = self.positions(s)
            scen.append({
                "id": info.spec.id, "kind": info.spec.kind,
                "pnl": float(g.pnl[0, s]), "pnl_pct": float(g.pnl_pct[0, s]),
                "band": {"level": g.level, "sd": float(g.pnl_sd[0, s]),
                         "lo": float(g.lower[0, s]), "hi": float(g.upper[0, s])},
                "propagated": [r["ticker"] for r in positions if r["source"] == "propagated"],
                "note": _beyond_note(self.beyond_total_loss(s)) or None,
                "plausibility": info.to_dict().get("plausibility"),
                "positions": positions,
                "top_losers": [r["ticker"] for r in _losers(positions, self.top)],
            })
        entry = {"file": book.file, "name": book.name, "kind": book.kind,
                 "as_of": book.as_of, "nav": book.nav, "cash": book.cash,
                 "settings": self.settings, "scenarios": scen}
        if self.var:
            entry["var"] = self.var_rows()
        if self.reverse is not None:
            entry["reverse"] = self.reverse_row()
        entry["warnings"] = list(self.warnings)
        return entry


@dataclass(frozen=True)
class RunResult:
    """P books, each run on its own (:class:`BookRun`), under the same S scenarios.

    ``pnl`` and ``pnl_pct`` are the (P, S) grids; the frames (``to_frame``) and the JSON
    (``to_dict``) hold one row or entry per book, with its own settings and notes.
    """

    books: tuple[BookRun, ...]

    @property
    def portfolios(self) -> tuple[Portfolio, ...]:
        return tuple(b.book for b in self.books)

    @property
    def specs(self) -> tuple[ScenarioSpec, ...]:
        return tuple(i.spec for i in self.books[0].scenarios) if self.books else ()

    @property
    def pnl(self) -> np.ndarray:
        """(P, S) P&L in currency."""
        return np.vstack([b.grid.pnl for b in self.books])

    @property
    def pnl_pct(self) -> np.ndarray:
        """(P, S) P&L as a fraction of each book's NAV."""
        return np.vstack([b.grid.pnl_pct for b in self.books])

    @property
    def warnings(self) -> tuple[str, ...]:
        """Every book's warnings, each naming its book when the run has several."""
        out: list[str] = []
        for b in self.books:
            for w in b.warnings:
                named = len(self.books) == 1 or w.startswith((b.book.name, b.book.file))
                out.append(w if named else f"{b.book.name}: {w}")
        return tuple(dict.fromkeys(out))

    def to_frame(self, kind: str = "grid") -> "pd.DataFrame":
        """``grid`` (a row per book and scenario), ``positions`` (per book, scenario and
        holding), ``var`` (per book, regime, method, confidence) or ``reverse`` (per book)."""
        import pandas as pd

        if kind == "grid":
            return pd.DataFrame([r for b in self.books for r in b.grid_rows()])
        if kind == "positions":
            return pd.DataFrame([{"portfolio": b.book.file, "scenario": info.spec.id, **r}
                                 for b in self.books for s, info in enumerate(b.scenarios)
                                 for r in b.positions(s)])
        if kind == "var":
            return pd.DataFrame([{"portfolio": b.book.file, **r} for b in self.books
                                 for r in b.var_rows()])
        if kind == "reverse":
            return pd.DataFrame([_reverse_flat(b) for b in self.books if b.reverse is not None])
        raise ValueError(f"kind must be grid, positions, var or reverse, not {kind!r}")

    def to_dict(self) -> dict[str, Any]:
        first = self.books[0] if self.books else None
        scenarios = [{k: v for k, v in i.to_dict().items() if k != "plausibility"}
                     for i in first.scenarios] if first else []
        return {"scenarios": scenarios,
                "portfolios": [b.to_dict() for b in self.books],
                "warnings": list(self.warnings)}

    def summary(self) -> str:
        """A few lines: per book, NAV, valuation date and its worst scenario."""
        lines = []
        for b in self.books:
            s = b.worst()
            note = _beyond_note(b.beyond_total_loss(s))
            lines.append(f"{b.book.name}: NAV {b.book.nav:,.0f} as of {b.as_of}; worst scenario "
                         f"{b.scenarios[s].spec.id} {b.grid.pnl_pct[0, s]:+.2%} of NAV"
                         + (f" ({note})" if note else ""))
        return "\n".join(lines)


def thin_tail_note(method: str, n_obs: int, horizon: int, confidence: float) -> str:
    """The caveat of a historical ES whose tail holds less than one observation: it then
    equals the VaR (the single worst P&L of the window)."""
    n = n_obs - horizon + 1
    if method != "historical" or n <= 0 or n * (1 - confidence) >= 1:
        return ""
    return (f"{n} observations: the {confidence:.0%} tail holds {n * (1 - confidence):.1f} of one, "
            "so historical ES equals VaR (the worst P&L of the window)")


def _beyond_note(beyond: list[tuple[str, float]]) -> str:
    """The caveat of a scenario whose linear returns fall below -100% for held assets."""
    if not beyond:
        return ""
    shown = ", ".join(f"{t} {r:.1%}" for t, r in beyond[:4])
    return (f"not attainable: {shown} below -100% (a linear extrapolation no real price "
            "move can give)")


def _reverse_flat(b: BookRun) -> dict[str, Any]:
    r = b.reverse_row()
    ai, pl = r["ai_shock"], r["plausible"]
    return {
        "portfolio": b.book.file, "loss": r["loss"], "target": r["target"],
        "k": ai["k"], "k_pnl": ai["pnl"], "pnl_per_unit": ai["pnl_per_unit"],
        "k_reason": ai["reason"], "k_note": ai["note"], "horizon": r["horizon"],
        "mahalanobis": pl["mahalanobis"], "percentile": pl["percentile"], "df": pl["df"],
        "plausible_pnl": pl["pnl"], "market_move": pl["market_move"],
        "top": " ".join(f"{a['ticker']}:{a['return']:+.4f}" for a in pl["top"]),
        "reason": pl["reason"], "note": pl["note"],
    }


def _losers(rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The ``n`` most negative position P&Ls of :meth:`BookRun.positions` rows (losses only)."""
    return sorted((r for r in rows if r["pnl"] < 0), key=lambda r: r["pnl"])[:n]
