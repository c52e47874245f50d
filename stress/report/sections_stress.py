"""The stress-test sections of the report (holdings, P&L heatmap, contributions, VaR/ES
before and under stress, reverse stress) from a :class:`~stress.report.views.StressView`;
the event-study sections are :mod:`stress.report.sections`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from stress.fmt import num, pct
from stress.report.doc import Chart, Section, Table, Text
from stress.report.layout import color_of
from stress.report.sections import TITLES, _fr
from stress.report.tables import Column, block_rules, once_per_block

if TYPE_CHECKING:  # pragma: no cover
    from stress.report.views import StressView


def stress_sections(view: "StressView", colors: Mapping[str, str]) -> list[Section]:
    from stress.report import charts_stress as cst
    from stress.fmt import money

    out = []
    navs = view.navs.copy()
    h = view.holdings
    stats = h.groupby("portfolio", sort=False).agg(
        positions=("ticker", "size"), long=("weight", lambda w: w[w > 0].sum()),
        short=("weight", lambda w: w[w < 0].sum()))
    navs = navs.join(stats, on="portfolio")
    navs["cash"] = 1 - navs["long"].fillna(0) - navs["short"].fillna(0)
    navs["file"] = [str(f).replace("\\", "/").rsplit("/", 1)[-1] for f in navs["file"]]
    cols = [Column("portfolio", "Portfolio", align="left", wrap=24),
            Column("file", "File", align="left", wrap=24), Column("as_of", "Valued", align="left"),
            Column("nav", "NAV", lambda v: money(v, view.currency)), Column("positions", "Positions"),
            Column("long", "Long", lambda v: pct(v, 1, sign=False)),
            Column("short", "Short", lambda v: pct(v, 1, sign=False)),
            Column("cash", "Cash", lambda v: pct(v, 1, sign=False))]
    detail = cst.holdings_detail(view)
    dcols = [Column("shown", "Portfolio", align="left", wrap=20), Column("ticker", "Ticker", align="left"),
             Column("group", "Group", align="left", wrap=20),
             Column("value", "Value", lambda v: money(v, view.currency)),
             Column("weight", "Weight", lambda v: pct(v, 1, sign=False))]
    detail = detail.assign(group=[cst.view_label(view, g) if isinstance(g, str) else "no group"
                                  for g in detail["group"]])
    tcol = {(j, "ticker"): color_of(g, colors) for j, g in enumerate(view.holdings["group"])}
    out.append(Section(TITLES["holdings"], [
        Table(navs, cols),
        Text("Exposure by group (% of NAV)", "h2"),
        Chart(_fr(cst.draw_exposure, view=view, colors=colors), 1.2 + 0.4 * len(navs)),
        Text("Holdings by portfolio", "h2"),
        Table(detail, dcols, text_colors=tcol, rules_after=block_rules(detail["portfolio"]))],
        subtitle="Net asset value (positions plus cash) and exposure by group as a share of NAV; "
                 "shorts are negative.",
        tables={"navs": view.navs.assign(file=navs["file"].to_numpy()), "holdings": view.holdings}))
    out.append(_heatmap(view))
    labels = view.scenarios.set_index("id")["label"] if len(view.scenarios) else {}
    for s in view.focus:
        n = len(view.navs)
        out.append(Section(
            f"{TITLES['waterfall']}: {s}",
            [Chart(_fr(cst.draw_waterfalls, view=view, scenario=s, colors=colors),
                   min(8.3, 2.9 * -(-n // 2)))] + _cell_caveats(view, s),
            subtitle=f"{labels.get(s, s)}. Each bar is one position's P&L (% of NAV), largest first; "
                     "the rest are summed; the dark bar is the book's total.",
            tables={f"contributions_{s}": view.contributions[view.contributions["scenario"] == s]}))
    out.append(_var(view))
    out.append(_reverse(view))
    return out


def warnings_about(view: "StressView", keys: Sequence[str]) -> list[str]:
    """The run's warnings that mention any of ``keys`` (as the CLI prints them)."""
    return [w for w in view.warnings if any(k in w for k in keys)]


def _cell_caveats(view: "StressView", scenario: str) -> list:
    c = view.cells
    if c is None or not len(c):
        return []
    part = c[(c["scenario"] == scenario) & (c["note"] != "")]
    return [Text(f"{p}: {n}.", "caveat") for p, n in zip(part["portfolio"], part["note"])]


def _heatmap(view: "StressView") -> Section:
    from stress.report import charts_stress as cst

    n_s = len(view.grid)
    c = view.cells
    marks = {}
    if c is not None and len(c):
        marks = {(s, p): "n.a." for s, p, ok in zip(c["scenario"], c["portfolio"], c["attainable"])
                 if not ok}
    blocks: list = [Chart(_fr(cst.draw_heatmap, view=view, with_defs=False, marks=marks),
                          min(7.0, 1.4 + 0.3 * n_s))]
    if c is not None and len(c):
        bad = c[~c["attainable"]]
        if len(bad):
            blocks.append(Text("Not attainable (marked in the grid's CSV, note column): "
                               + "; ".join(f"{p} under {s}: {n}" for p, s, n in
                                           zip(bad["portfolio"], bad["scenario"], bad["note"]))
                               + ". These cells are linear extrapolations beyond a total loss; "
                               "they are never used as a headline.", "caveat"))
        prop = c[(c["propagated"] != "") & c["attainable"]]
        if len(prop):
            seen = sorted({(p, x) for p, x in zip(prop["portfolio"], prop["propagated"])})
            blocks.append(Text("Propagated holdings (no history at the event or no sensitivity "
                               "estimate; their returns were filled by conditioning on the assets "
                               "that have one): " + "; ".join(f"{p}: {x}" for p, x in seen) + ".",
                               "caveat"))
    blocks += [Text(w, "caveat") for w in view.warnings
               if not any(k in w for k in ("before:", "stressed regime", "VaR", "reverse"))]
    if "definition" in view.scenarios:
        blocks += [Text("Scenario definitions", "h2"),
                   Table(view.scenarios, [Column("id", "Scenario", align="left", wrap=22),
                                          Column("label", "Description", align="left", wrap=40),
                                          Column("definition", "Definition", align="left", wrap=52)],
                         font=7)]
    return Section(TITLES["heatmap"], blocks,
                   subtitle="P&L of each book under each scenario, % of NAV (red: loss). Replays "
                            "are buy-and-hold over the event window; shocks are in DeepSeek units.",
                   tables={"pnl_grid": view.grid.reset_index(), "scenarios": view.scenarios,
                           "pnl_cells": view.cells})


def _var(view: "StressView") -> Section:
    from stress.report import charts_stress as cst

    v = view.var
    if v.empty:
        return Section(TITLES["var"], [Text("No VaR computed.")])
    wide = cst.var_table(view)
    tab = wide.copy()
    rules = block_rules(tab["portfolio"])
    tab["portfolio"] = once_per_block(tab["portfolio"], tab["portfolio"])
    f = lambda a: pct(a, 1, sign=False)  # noqa: E731
    cols = [Column("portfolio", "Portfolio", align="left", wrap=16), Column("method", "Method", align="left")]
    for lv in sorted(set(v["level"])):
        k = f"{lv * 100:.0f}"
        cols += [Column(f"var{k}_before", f"VaR {k}% before", f, wrap=8),
                 Column(f"var{k}_stress", f"VaR {k}% stressed", f, wrap=8),
                 Column(f"es{k}_before", f"ES {k}% before", f, wrap=8),
                 Column(f"es{k}_stress", f"ES {k}% stressed", f, wrap=8)]
    blocks: list = [Chart(_fr(cst.draw_var, view=view), 3.3),
                    Table(tab, cols, rules_after=rules, font=6.5),
                    Text("Losses over the horizon as a share of NAV. VaR: the loss exceeded with "
                         "the given tail probability; ES: the average loss beyond it (with the "
                         "fractional tail atom). Regimes: " + "; ".join(view.notes) + ".", "note")]
    said: dict[str, list[str]] = {}  # each caveat of the rows once, with the books it qualifies
    for book, reason in zip(v["portfolio"], v.get("reason", [""] * len(v))):
        for part in (reason if isinstance(reason, str) else "").split("; "):
            if part and book not in said.setdefault(part, []):
                said[part].append(book)
    blocks += [Text(f"{', '.join(books)}: {part}", "caveat") for part, books in said.items()]
    blocks += [Text(w, "caveat") for w in warnings_about(view, ("before:", "stressed regime", "VaR"))
               if w.split(": ", 1)[-1] not in said]
    return Section(TITLES["var"], blocks, subtitle=cst._var_subtitle(view),
        tables={"var_es": view.var, "var_es_wide": wide})


def _reverse(view: "StressView") -> Section:
    from stress.report.words import reverse_statements

    r = view.reverse.copy()
    blocks: list = [Text(s, "lead") for s in reverse_statements(view)]
    cols = [Column("portfolio", "Portfolio", align="left", wrap=22),
            Column("loss", "Loss", lambda a: pct(a, 0, sign=False)),
            Column("k", "k (DeepSeek units)", lambda a: num(a, 2, sign=True)),
            Column("pnl_per_unit", "P&L of k = +1, % of NAV", lambda a: pct(a, 1)),
            Column("plausible", "Most plausible joint shock", align="left", wrap=36),
            Column("note", "Note", align="left", wrap=40)]
    # the unattainable-shock warning is in the statement and the table's note already
    blocks += [Text("Reverse stress by book", "h2"), Table(r, [c for c in cols if c.key in r], font=7),
               Text("k solves P&L(k) = -loss x NAV for the AI-demand shock through each holding's "
                    "event-based sensitivity b (with the market move of the scenario). The most "
                    "plausible joint shock is the smallest move of the holdings, in Mahalanobis "
                    "distance, that loses the same amount; its percentile says how unusual it is.",
                    "note")]
    return Section(TITLES["reverse"], blocks,
                   subtitle="The AI-demand shock, in DeepSeek units (DeepSeek itself = -1), that "
                            "costs each book the given share of NAV.",
                   tables={"reverse_stress": view.reverse})
