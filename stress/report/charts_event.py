"""The event-study pages' drawings, from an :class:`~stress.report.views.EventView`.

Each ``draw_*`` function draws inside a figure-fraction rect (the page's content area)
and never touches pyplot's global state. Axes are in percent and trading days; a group
has the same colour on every page (``colors``: group name -> colour).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from stress.report.drawing import inset, note, percent_axis
from stress.fmt import num, pct, pval, stars, window
from stress.report.layout import INK, MUTED, color_of, sub_rect
from stress.report.tables import Column

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from stress.report.views import EventView

Rect = tuple[float, float, float, float]

DAYS = "trading days relative to day 0"


def label_of(view: "EventView", group: str) -> str:
    """The display name of a group ("All assets" for the pooled scope)."""
    if group == "all":
        return "All assets"
    return str(view.groups.loc[group, "label"]) if group in view.groups.index else str(group)


# ---- page 1: findings ------------------------------------------------------------------
def summary_frame(view: "EventView") -> "pd.DataFrame":
    """One row per group: the main window's CAAR, naive and robust tests, placebo p,
    recovered share by day +20 (the table under the findings)."""
    import pandas as pd

    rows = view.main_tests()
    rec = view.recovered
    out = []
    for g in view.groups.index:
        if g not in rows.index:
            continue
        r = rows.loc[g]
        share = float("nan")
        if rec is not None and len(rec):
            s = rec[(rec["group"] == g) & (rec["horizon"] == 20)]["share"]
            share = float(s.iloc[0]) if len(s) else float("nan")
        out.append({
            "group": g, "label": view.groups.loc[g, "label"], "n": int(r["n"]),
            "caar": r["caar"], "bmp_stat": r["bmp_stat"], "bmp_p": r["bmp_p"],
            "kp_stat": r["kp_stat"], "kp_p": r["kp_p"], "placebo_p": r.get("placebo_p"),
            "recovered_20": share,
        })
    return pd.DataFrame(out)



FINDINGS_NOTE = (
    "CAAR {w}: equal-weighted cumulative average abnormal return of the group. BMP t: "
    "Boehmer-Musumeci-Poulsen standardised cross-sectional test (naive: assumes independent "
    "assets). KP t: BMP corrected for the cross-correlation of residuals on a common event "
    "date (Kolari-Pynnonen). Placebo p: share of pre-event placebo sessions (no event) with a CAAR at "
    "least as large in absolute value. Recovered by +20: share of the day-0 move reversed by "
    "day +20 (negative: the move extended); '-' where the day-0 move is not significant "
    "(KP p >= 0.05).")


# ---- page 2: CAR paths -----------------------------------------------------------------
def draw_car_paths(fig: "Figure", rect: Rect, view: "EventView", colors: Mapping[str, str]) -> None:
    """All groups' CAAR paths on one panel, then one small panel per group with its band."""
    paths = view.paths
    groups = [g for g in view.groups.index if g in set(paths["group"])]
    n = len(groups)
    ncol = 2 if n > 1 else 1
    nrow = -(-n // ncol)
    top_share = 0.42 if n > 1 else 1.0
    ax = fig.add_axes(inset(fig, sub_rect(rect, 0, 1 - top_share, 1, 1), top=22))
    for g in groups:
        p = paths[paths["group"] == g]
        ax.plot(p["day"], p["caar"], color=color_of(g, colors), lw=1.8,
                label=str(view.groups.loc[g, "label"]))
    _event_axes(ax, "All groups: cumulative average abnormal return (CAAR)")
    ax.legend(loc="best", ncol=2 if n > 3 else 1)
    if n == 1:
        _band(ax, paths[paths["group"] == groups[0]], color_of(groups[0], colors))
        return
    grid = sub_rect(rect, 0, 0, 1, 1 - top_share - 0.03)
    ymin = float(paths[["caar", "lo"]].min().min())
    ymax = float(paths[["caar", "hi"]].max().max())
    pad = 0.05 * (ymax - ymin or 0.01)
    for i, g in enumerate(groups):
        r, c = divmod(i, ncol)
        cell = sub_rect(grid, c / ncol, 1 - (r + 1) / nrow, (c + 1) / ncol, 1 - r / nrow)
        axg = fig.add_axes(inset(fig, cell, left=44, bottom=30, top=16, right=10))
        p = paths[paths["group"] == g]
        col = color_of(g, colors)
        axg.plot(p["day"], p["caar"], color=col, lw=1.6)
        _band(axg, p, col)
        axg.set_ylim(ymin - pad, ymax + pad)
        _event_axes(axg, str(view.groups.loc[g, "label"]), small=True,
                    xlabel=r == nrow - 1 or i + ncol >= n)
        percent_axis(axg, "y", nbins=5)


def _band(ax: "Axes", p: "pd.DataFrame", color: str) -> None:
    ax.fill_between(p["day"], p["lo"], p["hi"], color=color, alpha=0.16, lw=0)


def _event_axes(ax: "Axes", title: str, small: bool = False, xlabel: bool = True) -> None:
    ax.axvline(0, color=MUTED, lw=0.8, ls="--")
    ax.axhline(0, color=INK, lw=0.6)
    ax.set_title(title, loc="left", fontsize=8.5 if small else 9.5)
    if xlabel:
        ax.set_xlabel(DAYS, fontsize=7.5 if small else 8.5)
    ax.set_ylabel("CAAR (%)", fontsize=7.5 if small else 8.5)
    percent_axis(ax, "y")
    if small:
        ax.tick_params(labelsize=7)


# ---- page 3: day-0 abnormal returns per asset ------------------------------------------
def draw_day0_bars(fig: "Figure", rect: Rect, view: "EventView", colors: Mapping[str, str],
                   with_note: bool = True) -> None:
    """Horizontal bars, one per asset, grouped; value and significance marks at the end."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    a = view.assets.copy()
    order = {g: i for i, g in enumerate(view.groups.index)}
    a["_g"] = a["group"].map(order).fillna(len(order))
    a = a.sort_values(["_g", "ar0"], ascending=[True, True]).reset_index(drop=True)
    n = len(a)
    fw, fh = (d * 72 for d in fig.get_size_inches())
    legend_h, note_h = 26 / fh, (16 if with_note else 0) / fh
    avail = rect[3] - legend_h - note_h
    want = (n * 0.30 * 72 + 50) / fh  # ~0.30 in per asset plus the axis labels
    height = min(avail, want)
    top = rect[1] + rect[3] - legend_h
    area = (rect[0], top - height, rect[2], height)
    ax = fig.add_axes(inset(fig, area, left=52, bottom=36, right=70, top=4))
    ys = list(range(n))[::-1]
    ax.barh(ys, a["ar0"].fillna(0), color=[color_of(g, colors) for g in a["group"]],
            height=0.72)
    ax.scatter(a["raw0"], ys, marker="o", s=14, facecolors="white", edgecolors=INK, lw=0.8,
               zorder=3)
    ax.set_yticks(ys, a["ticker"])
    fsize = max(5.5, min(8.0, 520 / max(n, 1)))
    ax.tick_params(axis="y", labelsize=fsize, length=0)
    ax.set_ylim(-0.7, n - 0.3)
    lo = float(min(a["ar0"].min(), a["raw0"].min(), 0))
    hi = float(max(a["ar0"].max(), a["raw0"].max(), 0))
    span = hi - lo or 0.01
    ax.set_xlim(lo - 0.04 * span, hi + 0.04 * span)
    for y, v, p in zip(ys, a["ar0"], a["p0"]):
        if v != v:
            ax.text(0, y, " no estimate", va="center", ha="left", fontsize=fsize, color=MUTED)
            continue
        ax.annotate(f"{pct(v)}{stars(p)}", (hi + 0.04 * span, y), xytext=(4, 0),
                    textcoords="offset points", va="center", ha="left", fontsize=fsize,
                    annotation_clip=False)
    ax.axvline(0, color=INK, lw=0.6)
    ax.grid(axis="y", visible=False)
    percent_axis(ax, "x")
    ax.set_xlabel("day-0 return (%): bar = abnormal return, circle = raw return")
    groups = [g for g in view.groups.index if g in set(a["group"])]
    handles = [Patch(color=color_of(g, colors), label=str(view.groups.loc[g, "label"])) for g in groups]
    handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec=INK, label="raw return"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(rect[0], rect[1] + rect[3]),
               ncol=min(4, len(handles)), fontsize=7.5, frameon=False, borderaxespad=0)
    if with_note:
        note(fig, rect[0], top - height - 4 / fh, DAY0_NOTE, rect[2])


DAY0_NOTE = ("Marks after the value: *** p < 0.01, ** p < 0.05, * p < 0.10 (two-sided t-test of "
         "the asset's own abnormal return, SCAR against its estimation-window residual sd; "
         "it ignores cross-correlation, see the tests page for group-level robust tests).")


# ---- page 4: tests table ---------------------------------------------------------------
def tests_frame(view: "EventView") -> "pd.DataFrame":
    """The tests table: one row per (group, window), "stat (p)" cells."""
    import pandas as pd

    from stress.report.views import TESTS

    t = view.tests
    order = {g: i for i, g in enumerate(view.groups.index)}
    t = t.assign(_g=t["group"].map(order).fillna(-1)).sort_values(["_g", "a", "b"])
    rows = []
    for _, r in t.iterrows():
        row = {"group": r["group"],
               "label": label_of(view, r["group"]),
               "window": window((int(r["a"]), int(r["b"]))), "n": int(r["n"]), "caar": pct(r["caar"], 2)}
        for key, _, _ in TESTS:
            s, p = r.get(f"{key}_stat"), r.get(f"{key}_p")
            row[key] = "n/a" if s is None or s != s else f"{num(s)}\n({pval(p)})"
            row[f"{key}_p"] = p
        row["placebo"] = pval(r.get("placebo_p"))
        row["placebo_p"] = r.get("placebo_p")
        rows.append(row)
    return pd.DataFrame(rows)


def tests_columns() -> list[Column]:
    from stress.report.views import TESTS

    cols = [Column("label", "Group", align="left", wrap=16), Column("window", "Window", align="left"),
            Column("n", "N"), Column("caar", "CAAR")]
    for key, label, kind in TESTS:
        cols.append(Column(key, f"{label} ({'naive' if kind == 'naive' else 'robust'})", wrap=10))
    cols.append(Column("placebo", "Placebo p (empirical)", wrap=10))
    return cols



TESTS_NOTE = (
    "Cells: statistic (two-sided p-value). Naive tests (Patell 1976; Boehmer-Musumeci-Poulsen "
    "1991) treat the assets as independent; the robust ones allow for the common event date: "
    "KP = BMP x sqrt((1-r)/(1+(N-1)r)) with r the mean residual correlation (Kolari-Pynnonen "
    "2010); crude = the Brown-Warner (1985) portfolio test on the estimation-window average "
    "abnormal returns; Corrado (1989) rank; generalised sign (Cowan 1992); placebo p from the "
    "same study on pre-event placebo sessions. Shaded: p < 0.05 (red: naive, green: robust). "
    "n/a: not defined for that window (see docs/methods.md).")


# ---- page 5: placebo distribution ------------------------------------------------------
def size_frame(view: "EventView") -> "pd.DataFrame | None":
    """Rejection rate of each test on the placebo sessions, one row per window."""
    from stress.report.views import TESTS

    z = view.size
    if z is None or z.empty:
        return None
    wide = z.pivot_table(index=["a", "b"], columns="test", values="rejection", sort=True)
    wide = wide.reindex([w for w in wide.index])
    out = wide.reset_index()
    out.insert(0, "window", [window((int(a), int(b))) for a, b in zip(out["a"], out["b"])])
    return out[["window"] + [k for k, _, _ in TESTS if k in out.columns]]


def draw_placebo(fig: "Figure", rect: Rect, view: "EventView", colors: Mapping[str, str]) -> None:
    """One histogram per group of the placebo CAARs, the event's CAAR marked (the size
    check is a table of its own on the page)."""
    import numpy as np

    pl = view.placebo
    present = set(pl["group"]) if len(pl) else set()
    groups = [g for g in view.groups.index if g in present] + (["all"] if "all" in present else [])
    fh = fig.get_size_inches()[1] * 72
    if not groups:
        fig.text(rect[0], rect[1] + rect[3], "No placebo run (--placebo 0).", va="top")
        return
    area = rect
    main = view.main_tests()
    n = len(groups)
    ncol = 1 if n <= 3 else 2
    nrow = -(-n // ncol)
    cell_h = min(area[3] / nrow, 3.2 * 72 / fh)
    for i, g in enumerate(groups):
        r, c = divmod(i, ncol)
        top = area[1] + area[3] - r * cell_h
        cell = (area[0] + c * area[2] / ncol, top - cell_h, area[2] / ncol, cell_h)
        ax = fig.add_axes(inset(fig, cell, left=44, bottom=34, top=18, right=12))
        vals = pl.loc[pl["group"] == g, "caar"].to_numpy(dtype=float)
        vals = vals[np.isfinite(vals)]
        col = color_of(g if g != "all" else None, colors)
        ev = float(main.loc[g, "caar"]) if g in main.index else float("nan")
        lo = min(vals.min(initial=0), ev if ev == ev else 0)
        hi = max(vals.max(initial=0), ev if ev == ev else 0)
        bins = np.linspace(lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo), 41)
        counts, _ = np.histogram(vals, bins=bins)
        ax.stairs(counts, bins, fill=True, color=col, alpha=0.6, lw=0)  # one patch, not 40
        if ev == ev:
            ax.axvline(ev, color=INK, lw=1.4)
            p = main.loc[g, "placebo_p"] if "placebo_p" in main else float("nan")
            ha = "left" if ev < np.median(vals) else "right"
            ax.annotate(f"event {pct(ev)}\nempirical p {pval(p)}", (ev, 0.97),
                        xycoords=("data", "axes fraction"), xytext=(4 if ha == "left" else -4, 0),
                        textcoords="offset points", ha=ha, va="top", fontsize=7.5,
                        bbox=dict(boxstyle="square,pad=0.15", fc="white", ec="none", alpha=0.85))
        ax.set_title(f"{label_of(view, g)}", loc="left", fontsize=8.5)
        percent_axis(ax, "x")
        ax.set_xlabel(f"CAAR {window(view.main_window)} (%), {len(vals)} placebo sessions",
                      fontsize=7.5)
        ax.set_ylabel("sessions", fontsize=7.5)
        ax.tick_params(labelsize=7)
    y = area[1] + area[3] - nrow * cell_h - 10 / fh
    if groups == ["all"]:
        gp = [f"{label_of(view, g)} {pval(main.loc[g, 'placebo_p'])}" for g in view.groups.index
              if g in main.index]
        y -= note(fig, rect[0], y, "The histogram pools all assets of the study. Empirical p of "
                  "each group's CAAR on the same placebo sessions: " + "; ".join(gp) + ".", rect[2])
        y -= 8 / fh


# ---- page 6: rebound -------------------------------------------------------------------
def draw_rebound(fig: "Figure", rect: Rect, view: "EventView", colors: Mapping[str, str]) -> None:
    """CAR from day 0 to the last horizon per group, horizons marked (the page puts the
    words and the table beside it)."""
    reb = view.rebound
    groups = [g for g in view.groups.index if g in set(reb["group"])]
    ax = fig.add_axes(inset(fig, rect, top=22))
    horizons = sorted(set(view.recovered["horizon"])) if len(view.recovered) else []
    for g in groups:
        p = reb[reb["group"] == g]
        ax.plot(p["day"], p["car"], color=color_of(g, colors), lw=1.8,
                label=str(view.groups.loc[g, "label"]))
        pts = p[p["day"].isin(horizons + [0])]
        ax.plot(pts["day"], pts["car"], "o", color=color_of(g, colors), ms=3.5)
    for h in horizons:
        ax.axvline(h, color=MUTED, lw=0.6, ls=":")
    ax.axhline(0, color=INK, lw=0.6)
    ax.set_title("CAR from day 0 (day 0 included): did the move reverse?", loc="left")
    ax.set_xlabel("trading days after the event (day 0 = event session)")
    ax.set_ylabel("CAAR since day 0 (%)")
    percent_axis(ax, "y")
    ax.legend(loc="best", ncol=2 if len(groups) > 3 else 1)
