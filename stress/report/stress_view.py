"""A :class:`~stress.report.views.StressView` from the scenario engine's result.

Reads the run's numbers only: P&L grid, position contributions, VaR/ES per regime and
reverse stress; fractions of NAV are the result's currency amounts over each book's NAV.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import pandas as pd

from stress.report.views import StressView
from stress.scenarios.result import thin_tail_note

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
    cells = cells_frame(result, names)
    reverse = _reverse(result, names)
    return StressView(
        holdings=pd.DataFrame(holdings), navs=pd.DataFrame(navs), grid=grid, scenarios=scen,
        contributions=pd.DataFrame(contrib), var=var, reverse=reverse,
        focus=tuple(f for f in focus if f in ids), group_labels=dict(group_labels),
        notes=tuple(notes), cells=cells, warnings=tuple(result.warnings),
        summary=summary_frame(cells, var, reverse, focus[0] if focus else None),
    )


def plausibility_words(info) -> str:
    """How plausible a scenario is, in words: a replay happened; a shock is k DeepSeek
    units; a custom shock has its Mahalanobis distance and percentile."""
    spec = info.spec
    if spec.kind == "replay":
        return "observed prices (it happened)"
    if spec.kind == "shock":
        return f"{abs(spec.k):g} x DeepSeek's size, hypothetical"
    d, q = info.mahalanobis, info.percentile
    if d == d:
        return f"Mahalanobis distance {d:.1f}, {q * 100:.0f}th percentile of history"
    return "hypothetical"


def cells_frame(result: "RunResult", names: list[str]) -> pd.DataFrame:
    """One row per (portfolio, scenario) with the CLI's caveats: the held assets whose
    linear return falls below -100% (``note``; the cell is then not attainable) and the
    holdings whose return was propagated by conditioning."""
    rows = []
    for run, name in zip(result.books, names):
        held = [run.tickers.index(t) for t in run.book.tickers]
        for s, (info, g) in enumerate(zip(run.scenarios, run.grid_rows())):
            note = g["note"]
            plaus = plausibility_words(info)
            if held and info.spec.kind != "replay":
                j = min(held, key=lambda k: run.returns[k, s])
                plaus += f"; worst holding {run.tickers[j]} {run.returns[j, s] * 100:+.1f}%"
            prop = g["propagated"]
            extra = f"propagated by conditioning: {prop}" if prop else ""
            rows.append({"portfolio": name, "scenario": info.spec.id, "kind": info.spec.kind,
                         "pnl_pct": float(g["pnl_pct"]), "attainable": not note,
                         "plausibility": plaus, "propagated": prop,
                         "note": "; ".join(x for x in (note, extra) if x)})
    return pd.DataFrame(rows, columns=["portfolio", "scenario", "kind", "pnl_pct", "attainable",
                                       "plausibility", "propagated", "note"])


def summary_frame(cells: pd.DataFrame, var: pd.DataFrame, reverse: pd.DataFrame,
                  replay: str | None) -> pd.DataFrame:
    """Per book: the event replay's P&L, the worst attainable scenario (no held asset
    below -100%) with its plausibility, the worst scenario overall when it is not
    attainable, stressed historical VaR/ES at the highest level, and the reverse AI
    shock (k, or its note when not attainable). Reads the run's numbers only."""
    rows = []
    for name, part in cells.groupby("portfolio", sort=False):
        row: dict = {"portfolio": name}
        rep = part[part["scenario"] == replay] if replay else part.iloc[:0]
        row["replay"] = float(rep["pnl_pct"].iloc[0]) if len(rep) else float("nan")
        ok = part[part["attainable"]]
        w = ok.loc[ok["pnl_pct"].idxmin()] if len(ok) else None
        row["worst"] = w["scenario"] if w is not None else ""
        row["worst_pnl"] = float(w["pnl_pct"]) if w is not None else float("nan")
        row["worst_plausibility"] = w["plausibility"] if w is not None else ""
        bad = part[~part["attainable"]]
        b = bad.loc[bad["pnl_pct"].idxmin()] if len(bad) else None
        row["unattainable"] = (f"{b['scenario']} ({b['note']})" if b is not None else "")
        v = var[(var["portfolio"] == name)] if len(var) else var
        hist = v[v["method"] == "historical"] if len(v) else v
        hist = hist if len(hist) else v
        if len(hist):
            top = hist[hist["level"] == hist["level"].max()].iloc[0]
            row.update(level=float(top["level"]), var_stress=float(top["var_stress"]),
                       es_stress=float(top["es_stress"]), var_before=float(top["var_before"]),
                       es_before=float(top["es_before"]), var_method=str(top["method"]),
                       var_note=str(top["reason"] or ""))
        r = reverse[reverse["portfolio"] == name] if len(reverse) else reverse
        if len(r):
            rr = r.iloc[0]
            row.update(loss=float(rr["loss"]), k=float(rr["k"]), k_note=str(rr["note"] or ""),
                       k_attainable=bool(rr["attainable"]))
        rows.append(row)
    return pd.DataFrame(rows)


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
        # the run's own caveats on these two windows (e.g. "before:<id>: window shortened ...")
        said = [w for w in run.warnings if w.startswith((f"{normal.regime}:", f"stressed regime {regime}:"))]
        for method in normal.var:
            for a in normal.var[method]:
                thin = [thin_tail_note(method, rv.n_obs, rv.horizon, a) for rv in (normal, stressed)]
                thin = [f"{lab}: {t}" for lab, t in zip(("before", "stressed"), thin) if t]
                why = "; ".join(r for r in (normal.reasons[0], stressed.reasons[0], *said, *thin) if r)
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
            "percentile", "attainable"]
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
                     "plausible": plausible, "note": note, "mahalanobis": d, "percentile": q,
                     "attainable": bool(rv.k[0] == rv.k[0]) and not row["ai_shock"]["note"]})
    return pd.DataFrame(rows, columns=cols)
