"""The sensitivity page: both estimates per asset with 95% intervals, grouped, and the
DeepSeek-day move each one implies next to the actual abnormal return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from stress.report.drawing import inset, percent_axis
from stress.report.layout import INK, MUTED, color_of, sub_rect

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from stress.report.views import EventView

SUBTITLE = ("Left: event-based b, abnormal return per DeepSeek unit (WLS over the catalogue's "
            "AI-demand events). Middle: loading on the AI factor (Newey-West). Right: the "
            "reference-day move each method predicts out of sample, and the actual. Lines: 95% "
            "intervals.")


def draw_sensitivity(fig: "Figure", rect, view: "EventView", colors: Mapping[str, str]) -> None:
    import numpy as np
    from matplotlib.lines import Line2D

    s = view.sensitivity.copy()
    order = {g: i for i, g in enumerate(view.groups.index)}
    s["_g"] = s["group"].map(order).fillna(len(order))
    s = s.sort_values(["_g", "b"], ascending=[True, False], na_position="last").reset_index(drop=True)
    n = len(s)
    ys = list(range(n))[::-1]
    cols = [color_of(g, colors) for g in s["group"]]
    fsize = max(5.5, min(8.0, 520 / max(n, 1)))
    body = sub_rect(rect, 0, 0.05, 1, 1)
    panels = [sub_rect(body, 0, 0, 0.38, 1), sub_rect(body, 0.38, 0, 0.66, 1),
              sub_rect(body, 0.66, 0, 1, 1)]
    axes = []
    for i, p in enumerate(panels):
        ax = fig.add_axes(inset(fig, p, left=46 if i == 0 else 8, bottom=46, right=8, top=16))
        ax.set_ylim(-0.7, n - 0.3)
        if i == 0:
            ax.set_yticks(ys, s["ticker"])
        else:  # the rows are labelled once, on the left panel: no ticks to build here
            ax.set_yticks([])
        ax.tick_params(axis="y", labelsize=fsize, length=0)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="y", visible=False)
        ax.axvline(0, color=INK, lw=0.6)
        axes.append(ax)
    a0, a1, a2 = axes
    _intervals(a0, s["b"], s["b_lo"], s["b_hi"], ys, cols, "o")
    a0.set_title("Event-based b", loc="left", fontsize=9)
    a0.set_xlabel("abnormal return per\nDeepSeek unit (%)", fontsize=7.5)
    percent_axis(a0, "x", nbins=5)
    _intervals(a1, s["beta_ai"], s["ai_lo"], s["ai_hi"], ys, cols, "s")
    a1.set_title("Factor-based beta_ai", loc="left", fontsize=9)
    a1.set_xlabel("loading on the AI factor\n(return per unit factor return)", fontsize=7.5)
    from matplotlib.ticker import MaxNLocator

    a1.xaxis.set_major_locator(MaxNLocator(nbins=5))
    up = [y + 0.17 for y in ys]
    dn = [y - 0.17 for y in ys]
    if "implied_event_lo" in s:
        a2.hlines(up, s["implied_event_lo"], s["implied_event_hi"], colors=cols, lw=1.2, alpha=0.7)
        a2.hlines(dn, s["implied_factor_lo"], s["implied_factor_hi"], colors=cols, lw=1.2, alpha=0.7)
    a2.scatter(s["implied_event"], up, marker="o", s=16, color=cols, zorder=3)
    a2.scatter(s["implied_factor"], dn, marker="s", s=16, facecolors="white", edgecolors=cols,
               zorder=3, lw=1)
    a2.scatter(s["actual"], ys, marker="x", s=24, color=INK, zorder=4, lw=1.2)
    pts = np.concatenate([np.asarray(s[c], dtype=float) for c in ("implied_event", "implied_factor", "actual")])
    pts = pts[np.isfinite(pts)]
    if pts.size:
        lo, hi = min(pts.min(), 0.0), max(pts.max(), 0.0)
        pad = 0.08 * (hi - lo or 0.01)
        a2.set_xlim(lo - pad, hi + pad)  # intervals beyond the points are clipped at the edge
    ref, day = view.reference
    a2.set_title(f"{ref}: implied vs actual", loc="left", fontsize=9)
    a2.set_xlabel(f"abnormal return on day 0\n{day} (%)", fontsize=7.5)
    percent_axis(a2, "x", nbins=5)
    for y, why in zip(ys, s.get("reason", [""] * n)):
        if isinstance(why, str) and why:
            a0.text(0.02, y, why[:40], transform=a0.get_yaxis_transform(), fontsize=6,
                    color=MUTED, va="center")
    handles = [
        Line2D([], [], marker="o", ls="", color=INK, label="event-based, -b without the event"),
        Line2D([], [], marker="s", ls="", mfc="white", mec=INK, label="factor-based (implied)"),
        Line2D([], [], marker="x", ls="", color=INK, label="actual abnormal return"),
    ]
    from matplotlib.patches import Patch

    groups = [g for g in view.groups.index if g in set(s["group"])]
    handles += [Patch(color=color_of(g, colors), label=str(view.groups.loc[g, "label"])) for g in groups]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(rect[0], rect[1] - 0.01),
               ncol=4, fontsize=7, frameon=False)


def _intervals(ax, est, lo, hi, ys, cols, marker) -> None:
    import numpy as np

    est = np.asarray(est, dtype=float)
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    ax.hlines(ys, lo, hi, colors=cols, lw=1.6, alpha=0.8)
    ax.scatter(est, ys, marker=marker, s=18, color=cols, zorder=3)
