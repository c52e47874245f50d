"""The stress-test pages' drawings, from a :class:`~stress.report.views.StressView`:
holdings and NAV, the portfolio x scenario heatmap, contribution waterfalls, VaR/ES
before and under stress, and the reverse-stress statements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from stress.report.drawing import inset, percent_axis
from stress.fmt import pct
from stress.report.layout import INK, color_of, sub_rect
from stress.report.tables import Column, draw_table, fit_table, once_per_block
from stress.report.text import measure, wrap

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from stress.report.views import StressView

Rect = tuple[float, float, float, float]
LOSS, GAIN = "#b2182b", "#2166ac"



def _var_subtitle(view: "StressView") -> str:
    v = view.var
    h = int(v["horizon"].iloc[0]) if len(v) and "horizon" in v else 1
    return (f"{h}-day VaR and ES as positive losses, % of NAV; 'before': the covariance window "
            "ending the session before the event's day 0 (it holds no day of the event); "
            "'stressed': day 0 and the sessions after (dates in the notes).")


# ---- holdings --------------------------------------------------------------------------
def exposure_frame(view: "StressView") -> "pd.DataFrame":
    """Weights summed by (portfolio, group), fractions of NAV."""
    h = view.holdings.assign(group=view.holdings["group"].fillna("other"))
    return h.groupby(["portfolio", "group"], sort=False)["weight"].sum().reset_index()



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



# ---- heatmap ---------------------------------------------------------------------------
def draw_heatmap(fig: "Figure", rect: Rect, view: "StressView", with_defs: bool = True,
                 marks: Mapping[tuple[str, str], str] | None = None) -> None:
    """The P&L grid as a heatmap. ``marks``: (scenario, portfolio) -> a word shown
    instead of the number (e.g. "n.a." for a cell that is not attainable); such cells
    are left uncoloured, never coloured by their linear value."""
    import numpy as np
    from matplotlib.colors import TwoSlopeNorm

    grid = view.grid
    labels = view.scenarios.set_index("id")["label"] if len(view.scenarios) else {}
    rows = [str(labels.get(s, s)) for s in grid.index]
    vals = grid.to_numpy(dtype=float).copy()
    n_s, n_p = vals.shape
    marks = dict(marks or {})
    shown = [[marks.get((s, p)) for p in grid.columns] for s in grid.index]
    for i in range(n_s):
        for j in range(n_p):
            if shown[i][j]:
                vals[i, j] = float("nan")
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
            txt = shown[i][j] or (pct(v) if v == v else "n/a")
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


def draw_var(fig: "Figure", rect: Rect, view: "StressView") -> None:
    """Bars: VaR and ES at the highest level, before (light) and stressed (dark), one
    method (every method and level is the page's table)."""
    import numpy as np

    v = view.var
    if v.empty:
        fig.text(rect[0], rect[1] + rect[3], "No VaR computed.", va="top")
        return
    methods = list(dict.fromkeys(v["method"]))
    show = "historical" if "historical" in methods else methods[0]
    level = float(v["level"].max())
    sel = v[(v["method"] == show) & (v["level"] == level)].set_index("portfolio")
    ports = list(dict.fromkeys(v["portfolio"]))
    ax = fig.add_axes(inset(fig, rect, left=52, bottom=40, right=8, top=40))
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


# ---- reverse stress --------------------------------------------------------------------
