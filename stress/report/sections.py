"""The evidence sections of the report, from the views: text and tables as document
blocks (:mod:`stress.report.doc`), charts as matplotlib drawings embedded as vectors.

Event study: findings, the books' holdings (with ``--portfolio``), CAR paths, day-0
abnormal returns (holdings first), tests, placebo, rebound, sensitivity (holdings
first), the event fingerprint, the recovery page. The stress-test sections are
:mod:`stress.report.sections_stress`.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Mapping, Sequence

from stress.fmt import num, pct, pval, stars, window
from stress.report import charts_event as ce
from stress.report.doc import Chart, Section, Table, Text
from stress.report.layout import color_of
from stress.report.tables import Column, block_rules, once_per_block
from stress.report.words import confounder_words

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stress.report.views import EventView

#: Section titles, also what the tests look for.
TITLES = {
    "summary": "Executive summary",
    "findings": "Findings of the event study",
    "book": "Your holdings in the event",
    "paths": "Cumulative abnormal returns by group",
    "day0": "Day-0 abnormal return by asset",
    "tests": "Significance tests: naive and clustering-robust",
    "placebo": "Placebo distribution",
    "rebound": "Rebound after the event",
    "sensitivity": "AI-shock sensitivity by asset",
    "fingerprint": "Event fingerprint: each group on each catalogue event",
    "holdings": "Portfolios: holdings and NAV",
    "heatmap": "Portfolio P&L by scenario",
    "waterfall": "Contributions to P&L",
    "var": "VaR and expected shortfall: before the event and stressed",
    "recovery": "Recovery: was the move reversed, and how fast?",
    "reverse": "Reverse stress",
    "glossary": "Glossary",
    "limitations": "Limitations",
    "methods": "Methods appendix: the formulas used",
}

TEXT_W = 7.07  # inches of text width on A4 (the narrower paper); charts use it


def _fr(fn, **kw):
    """A chart drawing over the whole figure (the section's text width)."""
    return lambda fig: fn(fig, (0.0, 0.0, 1.0, 1.0), **kw)


def _bars_height(n: int) -> float:
    return min(8.3, 0.9 + 0.2 * max(n, 1))


# ---- event study -----------------------------------------------------------------------
def event_sections(view: "EventView", colors: Mapping[str, str], paragraphs: Sequence[str],
                   held: Sequence[str] = (), fingerprint=None,
                   labels: Mapping[str, str] | None = None, recovery=None) -> list[Section]:
    w = window(view.main_window)
    out = [_findings(view, colors, paragraphs)]
    if held:
        out.append(_book(view, held, colors))
    out.append(Section(
        TITLES["paths"],
        [Chart(_fr(ce.draw_car_paths, view=view, colors=colors), _paths_height(view))],
        subtitle=("Equal-weighted CAAR by group, cumulated from the first path day; shaded band: "
                  "+-1.96 standard errors of the CAAR allowing for the assets' mean residual "
                  "correlation (the KP r; formula in the methods appendix)."),
        tables={"car_paths": view.paths}))
    out.append(_day0(view, held, colors))
    out.append(_tests(view))
    out.append(Section(
        TITLES["placebo"],
        [Chart(_fr(ce.draw_placebo, view=view, colors=colors),
               _placebo_height(view))]
        + _size_blocks(view),
        subtitle=(f"CAAR {w} of the same study on pre-event sessions without an event; the vertical "
                  "line is the event. Empirical p = share of placebo |CAAR| >= event |CAAR|."),
        tables={"placebo": view.placebo}))
    out.append(_rebound(view, colors))
    if recovery is not None:
        out.append(recovery_section(recovery, view, held))
    if view.sensitivity is not None and len(view.sensitivity):
        out.append(_sensitivity(view, held, colors))
    if fingerprint is not None:
        out.append(_fingerprint(fingerprint, labels or {}, view))
    return out


def _paths_height(view: "EventView") -> float:
    """One panel for one group; with more, the panel of all groups and one small panel
    per group, two per row (inches)."""
    n = len(set(view.paths["group"])) if len(view.paths) else 1
    return 4.6 if n <= 1 else min(7.9, 3.2 + 1.6 * -(-n // 2))


def _placebo_height(view: "EventView") -> float:
    """Room for the histograms as ce.draw_placebo lays them out (about 3 inches a row)."""
    pl = view.placebo
    n = len(set(pl["group"])) if len(pl) else 1
    ncol = 1 if n <= 3 else 2
    return min(6.6, 0.3 + 3.0 * -(-n // ncol)) if n > 1 else 3.3


def _findings(view: "EventView", colors, paragraphs) -> Section:
    summary = ce.summary_frame(view)
    w = window(view.main_window)
    if len(summary):
        from stress.report.words import kept_words

        summary = summary.assign(kept_20=[kept_words(s) for s in summary["recovered_20"]])
    cols = [Column("label", "Group", align="left", wrap=26), Column("n", "N"),
            Column("caar", f"CAAR {w}", pct), Column("bmp_stat", "BMP t (naive)", num),
            Column("bmp_p", "p", pval), Column("kp_stat", "KP t (robust)", num),
            Column("kp_p", "p", pval), Column("placebo_p", "Placebo p", pval),
            Column("kept_20", "Day-0 move by +20", align="left", wrap=22)]
    tcolors = {(i, "label"): color_of(g, colors) for i, g in enumerate(summary.get("group", []))}
    blocks: list = [Text(p, "bullet") for p in paragraphs]
    blocks += [Text("Key figures by group", "h2"),
               Table(summary, cols, text_colors=tcolors),
               Text(ce.FINDINGS_NOTE.format(w=w).replace(
                   "Recovered by +20: share of the day-0 move reversed by day +20 (negative: the "
                   "move extended)", "Day-0 move by +20: the share of the day-0 move kept or "
                   "given back by day +20").replace("(KP p >= 0.05)", "(KP p >= 0.05)"), "note")]
    blocks += [Text(n, "caveat") for n in view.notes]
    conf = confounder_words(view, upto=max(b for _, b in view.tests[["a", "b"]].itertuples(index=False)))
    if conf:
        blocks.append(Text(conf, "caveat"))
    blocks += [Text(w, "caveat") for w in view.warnings if "size check" not in w]
    return Section(TITLES["findings"], blocks,
                   subtitle=f"{view.label} ({view.event_id}); day 0 = {view.day0}",
                   tables={"findings_summary": summary, "confounders": confounders_frame(view)})


def confounders_frame(view: "EventView") -> "pd.DataFrame":
    """One row per confounding catalogue event: id, title, direction, day 0, its day
    relative to the studied day 0, and the windows it falls in."""
    import pandas as pd

    return pd.DataFrame([{"id": c.id, "title": c.title, "direction": c.direction, "day0": c.day0,
                          "day": c.day, "windows": " ".join(window(w) for w in c.windows)}
                         for c in view.confounders],
                        columns=["id", "title", "direction", "day0", "day", "windows"])


def book_frame(view: "EventView", held: Sequence[str]) -> "pd.DataFrame":
    """One row per held ticker: its group (or "no group"), day-0 AR and its t-test, the
    main-window CAR, the event-based sensitivity b with its interval, and a note (short
    estimation history, no estimate)."""
    import pandas as pd

    a = view.assets.set_index("ticker") if len(view.assets) else pd.DataFrame()
    s = view.sensitivity.set_index("ticker") if view.sensitivity is not None else pd.DataFrame()
    mw = f"car_[{view.main_window[0]},{view.main_window[1]}]"
    wide = max((c for c in a.columns if c.startswith("car_[")), default=None,
               key=lambda c: int(c.split(",")[1].rstrip("]")))
    rows = []
    for t in held:
        r = a.loc[t] if t in a.index else None
        notes = []
        if r is None:
            notes.append("not in the event study (no prices around the event)")
        elif "excluded" in a.columns and isinstance(r.get("excluded"), str) and r.get("excluded"):
            notes.append(str(r["excluded"]))
        n_est = r.get("n_estimation") if r is not None else None
        if n_est is not None and n_est == n_est and n_est < 200:
            notes.append(f"short history: {int(n_est)} estimation sessions")
        b = s.loc[t] if t in s.index else None
        if b is not None and isinstance(b.get("reason"), str) and b.get("reason"):
            notes.append(str(b["reason"]))
        g = r.get("group") if r is not None else None
        rows.append({
            "ticker": t, "group": g if isinstance(g, str) and g else "no group",
            "ar0": r.get("ar0") if r is not None else float("nan"),
            "p0": r.get("p0") if r is not None else float("nan"),
            "car_main": r.get(mw) if r is not None else float("nan"),
            "car_wide": r.get(wide) if r is not None and wide else float("nan"),
            "b": b.get("b") if b is not None else float("nan"),
            "b_lo": b.get("b_lo") if b is not None else float("nan"),
            "b_hi": b.get("b_hi") if b is not None else float("nan"),
            "note": "; ".join(notes),
        })
    return pd.DataFrame(rows, columns=["ticker", "group", "ar0", "p0", "car_main", "car_wide",
                                       "b", "b_lo", "b_hi", "note"])


def _book(view: "EventView", held: Sequence[str], colors) -> Section:
    frame = book_frame(view, held)
    labels = {g: str(view.groups.loc[g, "label"]) for g in view.groups.index}
    shown = frame.assign(group=[labels.get(g, g) for g in frame["group"]],
                         ar0s=[f"{pct(v)}{stars(p)}" if v == v else "n/a"
                               for v, p in zip(frame["ar0"], frame["p0"])],
                         bci=[f"{num(b)} [{num(lo)}, {num(hi)}]" if b == b else "n/a"
                              for b, lo, hi in zip(frame["b"], frame["b_lo"], frame["b_hi"])])
    wide = [c for c in view.assets.columns if c.startswith("car_[")]
    widest = max(wide, key=lambda c: int(c.split(",")[1].rstrip("]")), default="")
    cols = [Column("ticker", "Ticker", align="left"), Column("group", "Group", align="left", wrap=18),
            Column("ar0s", "Day-0 AR"), Column("car_main", f"CAR {window(view.main_window)}", pct),
            Column("car_wide", f"CAR {widest[4:]}" if widest else "CAR", pct),
            Column("bci", "b per DeepSeek unit [95% CI]"),
            Column("note", "Note", align="left", wrap=34)]
    tcolors = {(i, "ticker"): color_of(g, colors) for i, g in enumerate(frame["group"])}
    return Section(TITLES["book"], [
        Table(shown, cols, text_colors=tcolors),
        Text("Every holding of the books is in the event study and the sensitivity estimate, "
             "whether or not it belongs to a universe group. Day-0 AR: market-model abnormal "
             "return on day 0 (*** p < 0.01, ** p < 0.05, * p < 0.10, the asset's own t-test). "
             "b: abnormal return per DeepSeek unit (DeepSeek = -1), event-based WLS, with its 95% "
             "interval.", "note")],
        subtitle="The books' own holdings first: group (or no group), abnormal returns and "
                 "AI-shock sensitivity.",
        tables={"book_holdings": frame})


def _day0(view: "EventView", held: Sequence[str], colors) -> Section:
    a = view.assets
    blocks: list = []
    if held:
        mine = a[a["ticker"].isin(set(held))]
        rest = a[~a["ticker"].isin(set(held))]
        if len(mine):
            blocks += [Text("The books' holdings", "h2"),
                       Chart(_fr(ce.draw_day0_bars, view=replace(view, assets=mine), colors=colors,
                                 with_note=False), _bars_height(len(mine)))]
        if len(rest):
            blocks += [Text("The rest of the universe groups", "h2"),
                       (Chart(_fr(ce.draw_day0_bars, view=replace(view, assets=rest), colors=colors,
                                  with_note=False), _bars_height(len(rest))),
                        Text(ce.DAY0_NOTE, "note"))]
        else:
            blocks.append(Text(ce.DAY0_NOTE, "note"))
    else:
        blocks += [(Chart(_fr(ce.draw_day0_bars, view=view, colors=colors, with_note=False),
                          _bars_height(len(a))), Text(ce.DAY0_NOTE, "note"))]
    return Section(TITLES["day0"], blocks,
                   subtitle="Abnormal return on day 0 (the market model's forecast error) and the "
                            "raw return, per asset, grouped; grey: in no universe group.",
                   tables={"day0_assets": view.assets})


def _tests(view: "EventView") -> Section:
    from stress.report.views import TESTS

    frame = ce.tests_frame(view)
    shade = {}
    for i, (_, r) in enumerate(frame.iterrows()):
        for key, _, kind in TESTS:
            p = r.get(f"{key}_p")
            if p is not None and p == p and p < 0.05:
                shade[(i, key)] = "#fde0dd" if kind == "naive" else "#d9f0d3"
        p = r.get("placebo_p")
        if p is not None and p == p and p < 0.05:
            shade[(i, "placebo")] = "#d9f0d3"
    shown = frame.copy()
    shown["label"] = once_per_block(frame["label"], frame["group"])
    small = sorted({ce.label_of(view, g) for g, n in zip(frame["group"], frame["n"]) if n < 10})
    blocks: list = [Table(shown, ce.tests_columns(), cell_colors=shade,
                          rules_after=block_rules(frame["group"]), font=6.5, padding=1.0),
                    Text(ce.TESTS_NOTE.replace(" (see docs/methods.md)", "").replace(
                        "see docs/methods.md", "see the methods appendix"), "note")]
    if small:
        blocks.append(Text(f"Small N: {', '.join(small)} ha{'s' if len(small) == 1 else 've'} fewer "
                           "than 10 assets; the cross-sectional tests (BMP, KP, sign) rest on few "
                           "observations and the rank and sign tests are coarse.", "caveat"))
    conf = confounder_words(view, upto=int(view.tests["b"].max()) if len(view.tests) else None)
    if conf:
        blocks.append(Text(conf, "caveat"))
    # the size check in full stands beside its table on the placebo page; here, one line
    blocks += [Text(w.split(":", 2)[0] + ": " + w.split(":", 2)[1].split("(no event)")[0].strip()
                    + " (no event); the rates per window and test are on the placebo page.",
                    "caveat") for w in view.warnings if "size check" in w and w.count(":") >= 2]
    inside = {}
    for c in view.confounders:
        for w in c.windows:
            inside.setdefault(tuple(w), []).append(f"{c.id} (day {c.day:+d})")
    tests = view.tests.assign(note=["; ".join(
        (["small N: fewer than 10 assets"] if n < 10 else [])
        + ([f"other events inside: {', '.join(inside[(a, b)])}"] if (a, b) in inside else []))
        for n, a, b in zip(view.tests["n"], view.tests["a"], view.tests["b"])])
    return Section(TITLES["tests"], blocks,
                   subtitle="CAAR per group and event window; statistic and two-sided p-value of "
                            "each test.", tables={"tests": tests})


def _size_blocks(view: "EventView") -> list:
    from stress.report.views import TESTS

    size = ce.size_frame(view)
    if size is None:
        return []
    labels = {k: lb for k, lb, _ in TESTS}
    lv = float(view.size["level"].iloc[0])
    cols = [Column("window", "Window", align="left")] + [
        Column(k, labels[k], lambda v: pct(v, 0, sign=False)) for k in size.columns[1:]]
    shade = {(i, k): "#fde0dd" for i in range(len(size)) for k in size.columns[1:]
             if size.iloc[i][k] > 2 * lv}
    return [Text(f"Size check: share of placebo sessions on which each test rejects at {lv:.0%} "
                 f"(all assets of the study; ideally {lv:.0%})", "h2"),
            Table(size, cols, cell_colors=shade)] + [
        Text(w, "caveat") for w in view.warnings if "size check" in w]


def _rebound(view: "EventView", colors) -> Section:
    import pandas as pd

    from stress.report.words import kept_words

    blocks: list = [Chart(_fr(ce.draw_rebound, view=view, colors=colors), 4.6)]
    reb = view.rebound
    if len(view.recovered):
        wide = view.recovered.pivot(index="group", columns="horizon", values="share")
        wide = wide.reindex([g for g in view.groups.index if g in wide.index])
        day0 = reb[reb["day"] == 0].set_index("group")["car"]
        tab = pd.DataFrame({"group": list(wide.index),
                            "label": [view.groups.loc[g, "label"] for g in wide.index],
                            "day0": [day0.get(g, float("nan")) for g in wide.index]})
        cols = [Column("label", "Group", align="left", wrap=24), Column("day0", "Day-0 CAAR", pct)]
        for h in wide.columns:
            tab[f"h{h}"] = [kept_words(v) for v in wide[h].to_numpy()]
            cols.append(Column(f"h{h}", f"By +{h}", align="left", wrap=16))
        tcolors = {(i, "label"): color_of(g, colors) for i, g in enumerate(wide.index)}
        blocks += [Text("What became of the day-0 move", "h2"), Table(tab, cols, text_colors=tcolors),
                   Text("Kept: the share of the day-0 abnormal move still in the CAR from day 0 "
                        "to the horizon; gave back: the share reversed; extended: the move grew. "
                        "'-' = the day-0 move is not significant (KP p >= 0.05), so no share is "
                        "given.", "note")]
    conf = confounder_words(view)
    if conf:
        blocks.append(Text(conf, "caveat"))
    return Section(TITLES["rebound"], blocks,
                   subtitle="Average CAR from day 0 to the last horizon, and how much of the day-0 "
                            "move was kept by each horizon.",
                   tables={"rebound": view.rebound, "recovered": view.recovered})


def recovery_section(rec, view: "EventView", held: Sequence[str] = ()) -> Section:
    """The Jevons page: per group one sentence, how many members regained their pre-event
    close (or gave a gain back) and how fast, CAAR and BHAR to +250; per asset the
    sessions and the date; the catalogue events inside the horizons."""
    import pandas as pd

    up = view.direction == "up"
    g = rec.to_frame("groups")
    a = rec.to_frame("assets")
    hs = list(rec.horizons)
    blocks: list = [Text(x.sentence, "bullet") for x in rec.groups if x.sentence]
    gcols = [Column("label", "Group", align="left", wrap=22), Column("n", "N"),
             Column("caar0", "Day-0 mean (mkt-adj.)", pct),
             Column("back", "Back at the pre-event close", align="left", wrap=16),
             Column("first", "First", align="left", wrap=16), Column("last", "Last", align="left", wrap=16)]
    g["back"] = [f"{int(b)} of {int(n)}" + (f", median {m:.0f} sessions" if m == m else "")
                 for b, n, m in zip(g["n_back"], g["n"], g["median_sessions"])]
    for h in hs:
        gcols += [Column(f"caar_0_{h}", f"CAR [0,+{h}]", pct), Column(f"bhar_0_{h}", f"BHAR [0,+{h}]", pct)]
    blocks += [Text("By group", "h2"), Table(g, gcols, font=6.5),
               Text("Back at the pre-event close: the first session after day 0 whose close is "
                    "back at (or beyond) the close before day 0, for every member (one that fell "
                    "regained it, one that rose gave its gain back); the sentences above count "
                    "only the members that moved the group's way. Day-0 mean and CAR: "
                    "market-adjusted (r - r_m, r_m the market index of the settings), "
                    "summed; BHAR: compounded return minus the compounded market return. Data "
                    f"to {rec.data_end}.", "note")]
    order = {t: i for i, t in enumerate(held)}
    a = a.assign(_o=[order.get(t, len(order)) for t in a["ticker"]]).sort_values(
        ["_o", "move0"], kind="stable").drop(columns="_o").reset_index(drop=True)
    a["held"] = ["yes" if t in order else "" for t in a["ticker"]]
    acols = [Column("ticker", "Ticker", align="left"), Column("held", "Held"),
             Column("groups", "Group", align="left", wrap=14), Column("move0", "Day-0 return", pct),
             Column("status", "Pre-event close", align="left", wrap=30), Column("date", "On", align="left")]
    for h in hs:
        acols += [Column(f"car_0_{h}", f"CAR [0,+{h}]", pct)]
    blocks += [Text("By asset" + (" (the books' holdings first)" if held else ""), "h2"),
               Table(a, acols, font=6.5, padding=1.4)]
    confs = [c for c in rec.confounders]
    if confs:
        blocks.append(Text("Other catalogue events inside [0,+" + str(max(hs)) + "]: " + "; ".join(
            f"{c.title or c.id} ({c.id}, day {c.day:+d}, {c.day0})" for c in confs)
            + ". The longer horizons read these events too: a CAR or BHAR to +250 is not the "
            "event's effect alone.", "caveat"))
    title = ("Was the gain kept?" if up else "Was the sell-off overdone? Recovery after the event")
    return Section(TITLES["recovery"], blocks, subtitle=title + (
        " The Jevons question: cheaper AI, more AI, more power demand." if not up else ""),
        tables={"recovery_groups": g, "recovery_assets": a,
                "recovery_confounders": pd.DataFrame([c.to_dict() for c in confs])})


def _sensitivity(view: "EventView", held: Sequence[str], colors) -> Section:
    from stress.report import charts_sensitivity as cs

    s = view.sensitivity
    blocks: list = []
    parts = ([("The books' holdings", s[s["ticker"].isin(set(held))]),
              ("The rest of the universe groups", s[~s["ticker"].isin(set(held))])]
             if held else [("", s)])
    for title, part in parts:
        if not len(part):
            continue
        if title:
            blocks.append(Text(title, "h2"))
        blocks.append(Chart(_fr(cs.draw_sensitivity, view=replace(view, sensitivity=part),
                                colors=colors), min(8.0, 1.5 + 0.19 * len(part))))
    blocks += [Text(w, "caveat") for w in view.sensitivity_warnings]
    noted = s[s["reason"].astype(str) != ""] if "reason" in s else s.iloc[:0]
    if len(noted):
        blocks.append(Text("No or partial estimate: " + "; ".join(
            f"{t}: {r}" for t, r in zip(noted["ticker"], noted["reason"])) + ".", "caveat"))
    return Section(TITLES["sensitivity"], blocks, subtitle=cs.SUBTITLE.replace(
        "Left:", "Per asset, left:"), tables={"sensitivity": view.sensitivity})


def _fingerprint(fp, labels: Mapping[str, str], view: "EventView") -> Section:
    frame = fp.to_frame()
    h = min(7.2, 1.6 + 0.19 * len(fp.events))
    blocks = [Chart(partial(draw_fingerprint, fp=fp, labels=labels, focus=view.event_id), h),
              Text(f"Cells: CAAR {window(fp.window)} of the group (columns) on the catalogue event "
                   "(rows), in percent; marks: KP-adjusted BMP test, * p < 0.10, ** p < 0.05, "
                   "*** p < 0.01 (unadjusted; Holm and Benjamini-Hochberg adjusted p-values over "
                   "the whole table are in fingerprint.csv). Red: fell, blue: rose. The event of "
                   "this report is in bold.", "note")]
    if fp.warnings:
        blocks.append(Text("Left out of some cells: " + "; ".join(fp.warnings[:8])
                           + ("; ..." if len(fp.warnings) > 8 else "")
                           + " (the warnings `stress events fingerprint` prints).", "caveat"))
    return Section(TITLES["fingerprint"], blocks,
                   subtitle="How each group reacted to each AI-demand event of the catalogue, on "
                            "its day 0, with the clustering-robust test.",
                   tables={"fingerprint": frame})


def draw_fingerprint(fig, fp, labels: Mapping[str, str], focus: str = "") -> None:
    """Heatmap: rows = catalogue events, columns = groups, cell = CAAR with stars."""
    import numpy as np
    from matplotlib.colors import TwoSlopeNorm

    from stress.report.drawing import inset
    from stress.report.layout import INK

    caar = fp.pivot("caar").to_numpy(dtype=float)
    p = fp.pivot("p").to_numpy(dtype=float)
    n_e, n_g = caar.shape
    ax = fig.add_axes(inset(fig, (0, 0, 1, 1), left=150, bottom=8, right=8, top=52))
    m = float(np.nanmax(np.abs(caar))) if np.isfinite(caar).any() else 0.01
    m = min(m, 0.15) or 0.01
    ax.imshow(caar, cmap="RdBu", norm=TwoSlopeNorm(0, -m, m), aspect="auto")
    for i in range(n_e):
        for j in range(n_g):
            v = caar[i, j]
            txt = f"{v * 100:+.1f}{stars(p[i, j])}" if v == v else "n/a"
            ax.text(j, i, txt, ha="center", va="center", fontsize=6.5,
                    color="white" if v == v and abs(v) > 0.6 * m else INK)
    ax.set_yticks(range(n_e), list(fp.events), fontsize=7)
    for lbl in ax.get_yticklabels():
        if lbl.get_text() == focus:
            lbl.set_fontweight("bold")
    ax.xaxis.tick_top()
    from stress.report.text import wrap

    col_pt = ax.get_position().width * fig.get_size_inches()[0] * 72 / max(n_g, 1)
    # wrapped to the column, level: a long group name never runs into the next one
    ax.set_xticks(range(n_g), ["\n".join(wrap(labels.get(g, g), col_pt - 4, 7)[:4])
                               for g in fp.groups], fontsize=7, ha="center", va="bottom",
                  linespacing=1.1)
    ax.tick_params(length=0)
    ax.grid(False)
    for s in ax.spines.values():
        s.set_visible(False)


# ---- stress test -----------------------------------------------------------------------
