"""A :class:`~stress.report.views.StressView` from the scenario engine's result.

Reads the run's numbers only: P&L grid, position contributions, VaR/ES per regime and
reverse stress; fractions of NAV are the result's currency amounts over each book's NAV.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import pandas as pd

from stress.report.views import StressView

if TYPE_CHECKING:  # pragma: no cover
    from stress.scenarios.result import RunResult


def book_names(result: "RunResult") -> list[str]:
    """A unique display name per book: its name, else the file stem."""
    names: list[str] = []
    for b in result.portfolios:
        name = b.name or Path(b.file).stem
        if name in names:
            name = f"{name} ({Path(b.file).name})"
        names.append(name)
    return names


def stress_view(
    result: "RunResult",
    group_of: Callable[[str], str | None],
    group_labels: Mapping[str, str],
    *,
    stressed_regime: str,
    focus: Sequence[str] = (),
) -> StressView:
    """The stress pages' numbers. ``stressed_regime``: the event whose post-event regime
    is the 'stressed' VaR; ``focus``: scenario ids that get a waterfall page."""
    names = book_names(result)
    holdings, navs, contrib = [], [], []
    ids = [sp.id for sp in result.specs]
    for run, name in zip(result.books, names):
        book = run.book
        navs.append({"portfolio": name, "file": book.file, "as_of": book.as_of, "nav": book.nav,
                     "cash": book.cash})
        for t, v in zip(book.tickers, book.values):
            holdings.append({"portfolio": name, "ticker": t, "group": group_of(t), "value": float(v),
                             "weight": float(v / book.nav)})
        col = {t: j for j, t in enumerate(run.tickers)}
        contribution = run.grid.contribution(0)
        for t in book.tickers:
            j = col[t]
            for s, sid in enumerate(ids):
                pnl = float(contribution[j, s])
                contrib.append({"portfolio": name, "scenario": sid, "ticker": t, "pnl": pnl,
                                "pnl_pct": pnl / book.nav, "return": float(run.returns[j, s]),
                                "source": str(run.source[j, s])})
    grid = pd.DataFrame(result.pnl_pct.T, index=ids, columns=names)
    grid.index.name = "scenario"
    first = result.books[0]
    scen = pd.DataFrame([{"id": i.spec.id, "label": i.spec.title or i.spec.id, "kind": i.spec.kind,
                          "definition": definition(i), "day0": i.day0, "t0": i.t0, "t1": i.t1}
                         for i in first.scenarios])
    var, notes = _var(result, names, stressed_regime)
    return StressView(
        holdings=pd.DataFrame(holdings), navs=pd.DataFrame(navs), grid=grid, scenarios=scen,
        contributions=pd.DataFrame(contrib), var=var, reverse=_reverse(result, names),
        focus=tuple(f for f in focus if f in ids), group_labels=dict(group_labels),
        notes=tuple(notes),
    )


def definition(info) -> str:
    """A scenario in a few words: the replay's dates, the shock's size, the custom moves."""
    spec = info.spec
    if spec.kind == "replay":
        a, b = spec.window
        days = "day 0" if (a, b) == (0, 0) else f"days {a:+d} to {b:+d}"
        return f"replay of {spec.event}, {days}: close {info.t0} to close {info.t1}"
    if spec.kind == "shock":
        m = f", market {spec.market_move * 100:+.2f}%" if spec.market_move else ""
        return f"AI shock k = {spec.k:+g} DeepSeek units{m}"
    moves = ", ".join(f"{t} {v * 100:+.0f}%" for t, v in spec.shocks)
    return f"{moves}; the rest propagated by conditioning"


def _regimes(run, regime: str):
    """(before, stressed) RegimeVar of one book's run: the window before the event and
    the event's own regime, or (None, None)."""
    normal = next((v for v in run.var if v.regime == f"before:{regime}"), None)
    stressed = next((v for v in run.var if v.regime == f"stressed:{regime}"), None)
    if stressed is None:
        stressed = next((v for v in run.var if v.regime.startswith("stressed")), None)
    return normal, stressed


def _var(result: "RunResult", names: list[str], regime: str) -> tuple[pd.DataFrame, list[str]]:
    cols = ["portfolio", "method", "level", "var_before", "es_before", "var_stress", "es_stress",
            "horizon", "reason"]
    rows, notes = [], []
    for run, name in zip(result.books, names):
        normal, stressed = _regimes(run, regime)
        if normal is None or stressed is None:
            continue
        nav = run.book.nav
        for method in normal.var:
            for a in normal.var[method]:
                why = "; ".join(r for r in (normal.reasons[0], stressed.reasons[0]) if r)
                rows.append({
                    "portfolio": name, "method": method, "level": float(a),
                    "var_before": float(normal.var[method][a][0]) / nav,
                    "es_before": float(normal.es[method][a][0]) / nav,
                    "var_stress": float(stressed.var[method][a][0]) / nav,
                    "es_stress": float(stressed.es[method][a][0]) / nav,
                    "horizon": normal.horizon, "reason": why,
                })
        notes += [f"before: {normal.n_obs} sessions {normal.start} to {normal.end}",
                  f"stressed: {stressed.n_obs} sessions {stressed.start} to {stressed.end} "
                  f"({stressed.regime.split(':', 1)[-1]})"]
    return pd.DataFrame(rows, columns=cols), list(dict.fromkeys(notes))


def _reverse(result: "RunResult", names: list[str]) -> pd.DataFrame:
    cols = ["portfolio", "loss", "k", "pnl_per_unit", "plausible", "note", "mahalanobis",
            "percentile"]
    from stress.scenarios.reverse import top_assets

    rows = []
    for run, name in zip(result.books, names):
        rv = run.reverse
        if rv is None:
            continue
        top = top_assets(rv.returns[0], run.values[0], run.tickers, 3)
        moves = ", ".join(f"{a['ticker']} {a['return'] * 100:+.1f}%" for a in top)
        d, q = float(rv.mahalanobis[0]), float(rv.percentile[0])
        plausible = (f"{moves} (distance {d:.1f}, {q * 100:.0f}th percentile)" if d == d
                     else rv.plausible_reason[0] or "n/a")
        row = run.reverse_row()
        note = "; ".join(x for x in (rv.k_reason[0], row["ai_shock"]["note"],
                                     row["plausible"]["note"]) if x)
        rows.append({"portfolio": name, "loss": rv.loss, "k": float(rv.k[0]),
                     "pnl_per_unit": float(rv.pnl_per_unit[0]) / run.book.nav,
                     "plausible": plausible, "note": note, "mahalanobis": d, "percentile": q})
    return pd.DataFrame(rows, columns=cols)
