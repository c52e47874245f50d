"""The stress-test pages' drawings, from a :class:`~stress.report.views.StressView`:
holdings and NAV, the portfolio x scenario heatmap, contribution waterfalls, VaR/ES
before and under stress, and the reverse-stress statements."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Mapping

from stress.report.drawing import draw_paragraphs, inset, note, percent_axis
from stress.fmt import money, num, pct
from stress.report.layout import INK, Page, color_of, content_rect, new_figure, sub_rect
from stress.report.tables import (
    Column,
    block_rules,
    draw_table,
    fit_table,
    once_per_block,
    rect_points,
    split_rows,
    table_height,
)
from stress.report.text import measure, wrap

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from stress.report.views import StressView

Rect = tuple[float, float, float, float]
LOSS, GAIN = "#b2182b", "#2166ac"


def pages(view: "StressView", colors: Mapping[str, str], paper: str) -> list[Page]:
    from stress.report.pages import TITLES

    out = [Page(TITLES["holdings"], partial(draw_holdings, view=view, colors=colors),
                subtitle="Net asset value (positions plus cash) and exposure by group as a share "
                         "of NAV; shorts are negative.",
                tables={"navs": view.navs, "holdings": view.holdings})]
    detail = holdings_detail(view)
    fig = new_figure(paper)
    rect = content_rect(paper)
    wpt, hpt = rect_points(fig, rect)
    cols = detail_columns(view)
    chunks = split_rows(detail, cols, wpt / 2 - 10, hpt - 10, max_font=8, min_font=6.5)
    per_page = [chunks[i:i + 2] for i in range(0, len(chunks), 2)]
    for i, pair in enumerate(per_page):
        more = f" ({i + 1} of {len(per_page)})" if len(per_page) > 1 else ""
        out.append(Page("Holdings by portfolio" + more,
                        partial(_draw_detail, chunks=pair, view=view, colors=colors),
                        subtitle="Positions as of the valuation date; value in currency, weight "
                                 "as a share of NAV."))
    out.append(Page(TITLES["heatmap"], partial(draw_heatmap, view=view),
                    subtitle="P&L of each book under each scenario, % of NAV (red: loss). Replays "
                             "are buy-and-hold over the event window; shocks are in DeepSeek units.",
                    tables={"pnl_grid": view.grid.reset_index(), "scenarios": view.scenarios}))
    labels = view.scenarios.set_index("id")["label"] if len(view.scenarios) else {}
    for s in view.focus:
        out.append(Page(f"{TITLES['waterfall']}: {s}",
                        partial(draw_waterfalls, view=view, scenario=s, colors=colors),
                        subtitle=f"{labels.get(s, s)}. Each bar is one position's P&L (% of NAV), "
                                 "largest first; the rest are summed; the dark bar is the book's total.",
                        tables={f"contributions_{s}": view.contributions[
                            view.contributions["scenario"] == s]}))
    out.append(Page(TITLES["var"], partial(draw_var, view=view),
                    subtitle=_var_subtitle(view), tables={"var_es": view.var, "var_es_wide": var_table(view)}))
    out.append(Page(TITLES["reverse"], partial(draw_reverse, view=view),
                    subtitle="The AI-demand shock, in DeepSeek units (DeepSeek itself = -1), that "
                             "costs each book the given share of NAV.",
                    tables={"reverse_stress": view.reverse}))
    return out


def _var_subtitle(view: "StressView") -> str:
    v = view.var
    h = int(v["horizon"].iloc[0]) if len(v) and "horizon" in v else 1
    return (f"{h}-day VaR and ES as positive losses, % of NAV; 'before' uses the normal "
            "regime, 'stressed' the 60 sessions after the event (see the notes).")


# ---- holdings --------------------------------------------------------------------------
def exposure_frame(view: "StressView") -> "pd.DataFrame":
    """Weights summed by (portfolio, group), fractions of NAV."""
    h = view.holdings.assign(group=view.holdings["group"].fillna("other"))
    return h.groupby(["portfolio", "group"], sort=False)["weight"].sum().reset_index()


def draw_holdings(fig: "Figure", rect: Rect, view: "StressView", colors: Mapping[str, str]) -> None:
    import numpy as np

    navs = view.navs.copy()
    h = view.holdings
    stats = h.groupby("portfolio", sort=False).agg(
        positions=("ticker", "size"),
        long=("weight", lambda w: w[w > 0].sum()),
        short=("weight", lambda w: w[w < 0].sum()),
    )
    navs = navs.join(stats, on="portfolio")
    navs["cash"] = 1 - navs["long"].fillna(0) - navs["short"].fillna(0)
    cols = [Column("portfolio", "Portfolio", align="left", wrap=26),
            Column("file", "File", align="left", wrap=30),
            Column("as_of", "Valued", align="left"),
            Column("nav", "NAV", lambda v: money(v, view.currency)),
            Column("positions", "Positions"),
            Column("long", "Long", lambda v: pct(v, 1, sign=False)),
            Column("short", "Short", lambda v: pct(v, 1, sign=False)),
            Column("cash", "Cash", lambda v: pct(v, 1, sign=False))]
    fh = fig.get_size_inches()[1] * 72
    fit = draw_table(fig, rect, navs, cols, stretch=True)
    used = table_height(fit) / fh
    exp = exposure_frame(view)
    ports = list(navs["portfolio"])
    order = list(view.group_labels)
    groups = sorted(dict.fromkeys(exp["group"]), key=lambda g: order.index(g) if g in order else len(order))
    top = rect[1] + rect[3] - used - 34 / fh
    area = (rect[0], rect[1] + 30 / fh, rect[2], top - rect[1] - 30 / fh)
    bar_h = min(area[3], (len(ports) * 0.45 * 72 + 60) / fh)
    area = (area[0], top - bar_h, area[2], bar_h)
    fig.text(rect[0], top + 8 / fh, "Exposure by group (% of NAV)", fontsize=9.5, weight="bold",
             va="bottom")
    ax = fig.add_axes(inset(fig, area, left=120, bottom=34, right=10, top=4))
    ys = np.arange(len(ports))[::-1]
    pos_left = np.zeros(len(ports))
    neg_left = np.zeros(len(ports))
    wide = exp.pivot(index="portfolio", columns="group", values="weight").reindex(ports).fillna(0)
    for g in groups:
        w = wide[g].to_numpy() if g in wide else np.zeros(len(ports))
        left = np.where(w >= 0, pos_left, neg_left)
        ax.barh(ys, w, left=left, color=color_of(g if g != "other" else None, colors),
                height=0.6, label=view_label(view, g), edgecolor="white", lw=0.5)
        pos_left += np.where(w >= 0, w, 0)
        neg_left += np.where(w < 0, w, 0)
    ax.set_yticks(ys, ["\n".join(wrap(p, 110, 8)) for p in ports])
    ax.axvline(0, color=INK, lw=0.6)
    ax.grid(axis="y", visible=False)
    percent_axis(ax, "x")
    ax.set_xlabel("share of NAV (%)")
    fig.legend(*ax.get_legend_handles_labels(), loc="upper left", ncol=4, fontsize=7,
               bbox_to_anchor=(rect[0], area[1] - 2 / fh), frameon=False, borderaxespad=0)


def draw_exposure(fig: "Figure", rect: Rect, view: "StressView", colors: Mapping[str, str]) -> None:
    """Exposure by group per book, stacked bars (% of NAV); the legend below."""
    import numpy as np

    exp = exposure_frame(view)
    ports = list(view.navs["portfolio"])
    order = list(view.group_labels)
    groups = sorted(dict.fromkeys(exp["group"]), key=lambda g: order.index(g) if g in order else len(order))
    ax = fig.add_axes(inset(fig, rect, left=120, bottom=60, right=10, top=4))
    ys = np.arange(len(ports))[::-1]
    pos_left = np.zeros(len(ports))
    neg_left = np.zeros(len(ports))
    wide = exp.pivot(index="portfolio", columns="group", values="weight").reindex(ports).fillna(0)
    for g in groups:
        w = wide[g].to_numpy() if g in wide else np.zeros(len(ports))
        left = np.where(w >= 0, pos_left, neg_left)
        ax.barh(ys, w, left=left, color=color_of(g if g != "other" else None, colors),
                height=0.6, label=view_label(view, g), edgecolor="white", lw=0.5)
        pos_left += np.where(w >= 0, w, 0)
        neg_left += np.where(w < 0, w, 0)
    ax.set_yticks(ys, ["\n".join(wrap(p, 110, 8)) for p in ports])
    ax.axvline(0, color=INK, lw=0.6)
    ax.grid(axis="y", visible=False)
    percent_axis(ax, "x")
    ax.set_xlabel("share of NAV (%)")
    fig.legend(*ax.get_legend_handles_labels(), loc="lower left", ncol=4, fontsize=7,
               bbox_to_anchor=(0.0, 0.0), frameon=False, borderaxespad=0.2)


def view_label(view: "StressView", group: str) -> str:
    if group == "other":
        return "in no group"
    return str(view.group_labels.get(group, group))


def holdings_detail(view: "StressView") -> "pd.DataFrame":
    h = view.holdings.copy()
    h["shown"] = once_per_block(h["portfolio"], h["portfolio"])
    return h.reset_index(drop=True)


def detail_columns(view: "StressView") -> list[Column]:
    return [Column("shown", "Portfolio", align="left", wrap=16),
            Column("ticker", "Ticker", align="left"),
            Column("value", "Value", lambda v: money(v, view.currency)),
            Column("weight", "Weight", lambda v: pct(v, 1, sign=False))]


def _draw_detail(fig: "Figure", rect: Rect, chunks, view: "StressView", colors) -> None:
    for i, chunk in enumerate(chunks):
        chunk = chunk.reset_index(drop=True)
        # the first row of a chunk always names its portfolio
        chunk.loc[0, "shown"] = chunk.loc[0, "portfolio"]
        cell = sub_rect(rect, 0.52 * i, 0, 0.48 + 0.52 * i, 1)
        tcolors = {(j, "ticker"): color_of(g, colors) for j, g in enumerate(chunk["group"])}
        draw_table(fig, cell, chunk, detail_columns(view), max_font=8, min_font=6.5,
                   text_colors=tcolors, rules_after=block_rules(chunk["portfolio"]), stretch=True)


# ---- heatmap ---------------------------------------------------------------------------
def draw_heatmap(fig: "Figure", rect: Rect, view: "StressView", with_defs: bool = True) -> None:
    import numpy as np
    from matplotlib.colors import TwoSlopeNorm

    grid = view.grid
    labels = view.scenarios.set_index("id")["label"] if len(view.scenarios) else {}
    rows = [str(labels.get(s, s)) for s in grid.index]
    vals = grid.to_numpy(dtype=float)
    n_s, n_p = vals.shape
    fh = fig.get_size_inches()[1] * 72
    fw = fig.get_size_inches()[0] * 72
    defs = (view.scenarios[["id", "label", "definition"]]
            if with_defs and "definition" in view.scenarios else None)
    def_cols = [Column("id", "Scenario", align="left"),
                Column("label", "Description", align="left", wrap=46),
                Column("definition", "Definition", align="left", wrap=58)]
    defs_h = 0.0
    if defs is not None:
        fit = fit_table(defs, def_cols, rect[2] * fw, rect[3] * fh, max_font=7, min_font=6)
        defs_h = sum(fit.heights) + 34 if fit.rows_fit == len(defs) else 0.0
    cell_pt = min(24.0, (rect[3] * fh - 90 - defs_h) / max(n_s, 1))
    if not with_defs:
        cell_pt = (rect[3] * fh - 90) / max(n_s, 1)
        defs_h = 0.0
    elif cell_pt < 13:  # no room for the definitions: they stay in scenarios.csv
        defs_h = 0.0
        cell_pt = min(24.0, (rect[3] * fh - 90) / max(n_s, 1))
    font = max(5.5, min(8.0, cell_pt * 0.42))
    height = (n_s * cell_pt + 90) / fh
    area = (rect[0], rect[1] + rect[3] - height, rect[2], height)
    ax = fig.add_axes(inset(fig, area, left=190, bottom=12, right=70, top=78))
    m = np.nanmax(np.abs(vals)) if np.isfinite(vals).any() else 0.01
    m = m or 0.01
    im = ax.imshow(vals, cmap="RdBu", norm=TwoSlopeNorm(0, -m, m), aspect="auto")
    for i in range(n_s):
        for j in range(n_p):
            v = vals[i, j]
            txt = pct(v) if v == v else "n/a"
            light = v == v and abs(v) > 0.55 * m
            ax.text(j, i, txt, ha="center", va="center", fontsize=font,
                    color="white" if light else INK)
    if defs_h:  # the ids, explained in the table below
        ax.set_yticks(range(n_s), [str(s) for s in grid.index], fontsize=font)
    elif with_defs:
        ax.set_yticks(range(n_s), ["\n".join(wrap(r, 180, font)[:2]) for r in rows], fontsize=font)
    else:
        ax.set_yticks(range(n_s), [str(s) for s in grid.index], fontsize=font)
    ax.xaxis.tick_top()
    col_pt = ax.get_position().width * fig.get_size_inches()[0] * 72 / max(n_p, 1)
    heads = ["\n".join(wrap(str(c), col_pt - 6, 7.5)) for c in grid.columns]
    if any(measure(h, 7.5)[0] > col_pt - 4 for h in heads):
        ax.set_xticks(range(n_p), [str(c) for c in grid.columns], fontsize=7.5, rotation=35,
                      ha="left", rotation_mode="anchor")
    else:
        ax.set_xticks(range(n_p), heads, fontsize=7.5)
    ax.tick_params(length=0)
    ax.grid(False)
    for s in ax.spines.values():
        s.set_visible(False)
    cax = fig.add_axes((area[0] + area[2] - 50 / (fig.get_size_inches()[0] * 72),
                        area[1] + 12 / fh, 10 / (fig.get_size_inches()[0] * 72),
                        area[3] - 90 / fh))
    cb = fig.colorbar(im, cax=cax)
    percent_axis(cb.ax, "y")
    cb.set_label("P&L, % of NAV", fontsize=7.5)
    cb.ax.tick_params(labelsize=7)
    if defs_h:
        fig.text(rect[0], area[1] - 10 / fh, "Scenario definitions", fontsize=9, weight="bold",
                 va="top")
        draw_table(fig, (rect[0], rect[1], rect[2], area[1] - rect[1] - 26 / fh), defs, def_cols,
                   max_font=7, min_font=6, stretch=True)


# ---- waterfalls ------------------------------------------------------------------------
def waterfall_frame(view: "StressView", portfolio: str, scenario: str, top: int = 8) -> "pd.DataFrame":
    """The bars of one waterfall: the ``top`` positions by |P&L|, the rest summed, the
    total; ``start`` and ``end`` the running total (fractions of NAV)."""
    import pandas as pd

    c = view.contributions
    c = c[(c["portfolio"] == portfolio) & (c["scenario"] == scenario)]
    c = c.reindex(c["pnl_pct"].abs().sort_values(ascending=False).index)
    head, rest = c.iloc[:top], c.iloc[top:]
    rows = [{"label": t, "ticker": t, "value": v} for t, v in zip(head["ticker"], head["pnl_pct"])]
    if len(rest):
        rows.append({"label": f"{len(rest)} other" + ("s" if len(rest) > 1 else ""), "ticker": None, "value": rest["pnl_pct"].sum()})
    out = pd.DataFrame(rows, columns=["label", "ticker", "value"])
    out["end"] = out["value"].cumsum()
    out["start"] = out["end"] - out["value"]
    total = pd.DataFrame([{"label": "total", "ticker": None, "value": out["value"].sum(),
                           "start": 0.0, "end": out["value"].sum()}])
    return pd.concat([out, total], ignore_index=True)


def draw_waterfalls(fig: "Figure", rect: Rect, view: "StressView", scenario: str,
                    colors: Mapping[str, str]) -> None:
    ports = list(view.navs["portfolio"])
    n = len(ports)
    ncol = 1 if n == 1 else 2
    nrow = -(-n // ncol)
    groups = view.holdings.drop_duplicates(["portfolio", "ticker"]).set_index(["portfolio", "ticker"])["group"]
    totals = view.grid[ports].loc[scenario] if scenario in view.grid.index else None
    for i, p in enumerate(ports):
        r, c = divmod(i, ncol)
        cell = sub_rect(rect, c / ncol, 1 - (r + 1) / nrow, (c + 1) / ncol, 1 - r / nrow)
        wf = waterfall_frame(view, p, scenario)
        k = len(wf)
        fh = fig.get_size_inches()[1] * 72
        want = (k * 0.26 * 72 + 56) / fh  # ~0.26 in per bar plus title and axis
        cell = (cell[0], cell[1] + cell[3] - min(cell[3], want), cell[2], min(cell[3], want))
        ax = fig.add_axes(inset(fig, cell, left=62, bottom=30, right=46, top=18))
        ys = list(range(k))[::-1]
        cols = []
        for _, row in wf.iterrows():
            if row["label"] == "total":
                cols.append(INK)
            elif row["ticker"] is None:
                cols.append("#bbbbbb")
            else:
                cols.append(color_of(groups.get((p, row["ticker"])), colors))
        ax.barh(ys, wf["value"], left=wf["start"], color=cols, height=0.65)
        for y, (_, row) in zip(ys, wf.iterrows()):
            x = max(row["start"], row["end"])
            ax.annotate(pct(row["value"]), (x, y), xytext=(3, 0), textcoords="offset points",
                        va="center", ha="left", fontsize=6.5, annotation_clip=False)
        ax.set_yticks(ys, wf["label"], fontsize=7)
        ax.tick_params(axis="y", length=0)
        ax.axvline(0, color=INK, lw=0.6)
        ax.grid(axis="y", visible=False)
        lo = min(0.0, float(wf[["start", "end"]].min().min()))
        hi = max(0.0, float(wf[["start", "end"]].max().max()))
        span = (hi - lo) or 0.01
        ax.set_xlim(lo - 0.05 * span, hi + 0.05 * span)
        percent_axis(ax, "x", nbins=5)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel("P&L, % of NAV", fontsize=7.5)
        tot = f" ({pct(totals[p])})" if totals is not None else ""
        ax.set_title("\n".join(wrap(f"{p}{tot}", cell[2] * fig.get_size_inches()[0] * 72 - 70, 8.5)),
                     loc="left", fontsize=8.5)


# ---- VaR / ES --------------------------------------------------------------------------
def var_table(view: "StressView") -> "pd.DataFrame":
    """One row per (portfolio, method): VaR and ES at each level, before and stressed."""
    import pandas as pd

    v = view.var
    rows = []
    for (p, m), part in v.groupby(["portfolio", "method"], sort=False):
        row = {"portfolio": p, "method": m}
        for _, r in part.iterrows():
            lv = f"{r['level'] * 100:.0f}"
            for what in ("var", "es"):
                row[f"{what}{lv}_before"] = r[f"{what}_before"]
                row[f"{what}{lv}_stress"] = r[f"{what}_stress"]
        rows.append(row)
    return pd.DataFrame(rows)


def draw_var(fig: "Figure", rect: Rect, view: "StressView", table: bool = True) -> None:
    """Bars: VaR and ES at the highest level, before (light) and stressed (dark), one
    method; below, every method and level in a table."""
    import numpy as np

    v = view.var
    fh = fig.get_size_inches()[1] * 72
    if v.empty:
        fig.text(rect[0], rect[1] + rect[3], "No VaR computed.", va="top")
        return
    methods = list(dict.fromkeys(v["method"]))
    show = "historical" if "historical" in methods else methods[0]
    level = float(v["level"].max())
    sel = v[(v["method"] == show) & (v["level"] == level)].set_index("portfolio")
    ports = list(dict.fromkeys(v["portfolio"]))
    area = sub_rect(rect, 0, 0.60 if table else 0, 1, 1)
    ax = fig.add_axes(inset(fig, area, left=52, bottom=40, right=8, top=40))
    x = np.arange(len(ports))
    bars = [("var_before", "#f4a582", f"VaR {level:.0%} before"),
            ("var_stress", "#d6604d", f"VaR {level:.0%} stressed"),
            ("es_before", "#92c5de", f"ES {level:.0%} before"),
            ("es_stress", "#2166ac", f"ES {level:.0%} stressed")]
    width = 0.2
    for i, (col, color, label) in enumerate(bars):
        vals = sel.reindex(ports)[col].to_numpy(dtype=float)
        ax.bar(x + (i - 1.5) * width, vals, width=width * 0.92, color=color, label=label)
    col_pt = ax.get_position().width * fig.get_size_inches()[0] * 72 / max(len(ports), 1)
    ax.set_xticks(x, ["\n".join(wrap(p, col_pt - 6, 7.5)) for p in ports], fontsize=7.5)
    percent_axis(ax, "y")
    ax.set_ylabel("loss, % of NAV")
    ax.set_title(f"{show.capitalize()} VaR and ES at {level:.0%} by portfolio", loc="left", pad=22)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=4, fontsize=7, borderaxespad=0.2)
    ax.grid(axis="x", visible=False)
    if not table:
        return
    tab = var_table(view)
    rules = block_rules(tab["portfolio"])
    tab["portfolio"] = once_per_block(tab["portfolio"], tab["portfolio"])
    f = lambda a: pct(a, 1, sign=False)  # noqa: E731
    cols = [Column("portfolio", "Portfolio", align="left", wrap=18),
            Column("method", "Method", align="left")]
    for lv in sorted(set(v["level"])):
        k = f"{lv * 100:.0f}"
        cols += [Column(f"var{k}_before", f"VaR {k}% before", f, wrap=8),
                 Column(f"var{k}_stress", f"VaR {k}% stressed", f, wrap=8),
                 Column(f"es{k}_before", f"ES {k}% before", f, wrap=8),
                 Column(f"es{k}_stress", f"ES {k}% stressed", f, wrap=8)]
    trect = sub_rect(rect, 0, 0.08, 1, 0.57)
    fit = draw_table(fig, trect, tab, cols, max_font=7.5, min_font=5.5, rules_after=rules,
                     stretch=True)
    y = trect[1] + trect[3] - table_height(fit) / fh - 4 / fh
    extra = "" if fit.rows_fit == len(tab) else f" {len(tab) - fit.rows_fit} more rows in var_es.csv."
    note(fig, rect[0], y, "Losses over the horizon as a share of NAV. VaR: the loss exceeded "
         "with the given tail probability; ES: the average loss beyond it (with the fractional "
         "tail atom). Regimes: " + "; ".join(view.notes) + "." + extra, rect[2])


# ---- reverse stress --------------------------------------------------------------------
def draw_reverse(fig: "Figure", rect: Rect, view: "StressView") -> None:
    from stress.report.words import reverse_statements

    fh = fig.get_size_inches()[1] * 72
    statements = reverse_statements(view)
    used = draw_paragraphs(fig, sub_rect(rect, 0, 0.45, 1, 1), statements, font=11, min_font=8)
    r = view.reverse.copy()
    cols = [Column("portfolio", "Portfolio", align="left", wrap=26),
            Column("loss", "Loss", lambda a: pct(a, 0, sign=False)),
            Column("k", "k (DeepSeek units)", lambda a: num(a, 2, sign=True)),
            Column("pnl_per_unit", "P&L of k = +1, % of NAV", lambda a: pct(a, 1)),
            Column("plausible", "Most plausible joint shock", align="left", wrap=40)]
    cols = [c for c in cols if c.key in r.columns]
    top = rect[1] + rect[3] - used - 20 / fh
    fig.text(rect[0], top, "Reverse stress by book", fontsize=9.5, weight="bold", va="bottom")
    fit = draw_table(fig, (rect[0], rect[1], rect[2], top - 4 / fh - rect[1]), r, cols,
                     stretch=True)
    y = top - 4 / fh - table_height(fit) / fh - 6 / fh
    note(fig, rect[0], y,
         "k solves P&L(k) = -loss x NAV for the AI-demand shock through each holding's "
         "event-based sensitivity b (with the market move of the scenario). The most plausible "
         "joint shock is the smallest move of the holdings, in Mahalanobis distance, that "
         "loses the same amount; its percentile says how unusual it is.", rect[2])
