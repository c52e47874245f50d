"""Findings in plain words, generated from the numbers (never typed by hand).

Each function takes a view (:mod:`stress.report.views`) and returns sentences or short
paragraphs. The rules, in docs/methods.md, "Reports": the headline group is the one
with the most negative main-window CAAR (the most positive if none fell); significance
is read at 1/5/10% from the clustering-robust Kolari-Pynnonen test and set beside the
naive BMP and Patell tests; "recovered" is the rebound share of the day-0 move.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from stress.fmt import num, p_phrase, pct, significance_words, window

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stress.report.views import EventView, StressView


def _main_rows(view: "EventView") -> "pd.DataFrame":
    rows = view.main_tests()
    return rows.reindex([g for g in view.groups.index if g in rows.index])


def _label(view: "EventView", group: str) -> str:
    g = view.groups
    return str(g.loc[group, "label"]) if group in g.index else group


def _day(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d:%A} {d.day} {d:%B %Y}"


def headline_group(view: "EventView") -> str | None:
    """The group that fell most in the main window (rose most if none fell)."""
    rows = _main_rows(view).dropna(subset=["caar"])
    if rows.empty:
        return None
    low = rows["caar"].idxmin()
    return low if rows.loc[low, "caar"] < 0 else rows["caar"].idxmax()


def event_findings(view: "EventView") -> list[str]:
    """The findings page's paragraphs, most important first."""
    out: list[str] = []
    rows = _main_rows(view)
    w = window(view.main_window)
    top = headline_group(view)
    when = _day(view.day0)
    moved = "" if view.day0 == view.event_date else f" (the event date {view.event_date} was not a session)"
    if top is None:
        return [f"{view.label}: no group has an abnormal return for {w}; see the warnings."]
    r = rows.loc[top]
    verb = "fell most" if r["caar"] < 0 else "rose most"
    day_words = "on day 0" if view.main_window == (0, 0) else f"over days {w}"
    out.append(
        f"{view.label}. Day 0 is {when}{moved}. Of the groups studied, {_label(view, top)} "
        f"{verb}: the average abnormal return {day_words} was {pct(r['caar'])} across "
        f"{int(r['n'])} assets."
    )
    out.append(_significance(r))
    if "placebo_p" in r and r["placebo_p"] == r["placebo_p"]:
        pl = view.placebo
        scope = top if (pl["group"] == top).any() else "all"  # per-group placebo CAARs if kept
        m = int(pl.loc[pl["group"] == scope, "caar"].notna().sum()) if len(pl) else 0
        count = max(0, round(float(r["placebo_p"]) * (m + 1)) - 1)
        floor = " (the smallest p possible with this many sessions)" if count == 0 else ""
        out.append(
            f"Placebo check: the same study of {_label(view, top)} on {m} sessions of the "
            f"pre-event year without an event gave a CAAR at least as large in absolute value {count} "
            f"time{'s' if count != 1 else ''}: empirical {p_phrase(r['placebo_p'])}{floor}. This "
            f"test needs no assumption about fat tails or correlation."
        )
    size = _size_words(view)
    if size:
        out.append(size)
    rec = _recovery(view, top)
    if rec:
        out.append(rec)
    others = [g for g in rows.index if g != top and rows.loc[g, "caar"] == rows.loc[g, "caar"]]
    if others:
        parts = [
            f"{_label(view, g)} {pct(rows.loc[g, 'caar'])} (KP {p_phrase(rows.loc[g, 'kp_p'])})"
            for g in others
        ]
        out.append(f"Other groups, average abnormal return {day_words}: " + "; ".join(parts) + ".")
    movers = _movers(view)
    if movers:
        out.append(movers)
    sens = sensitivity_words(view)
    if sens:
        out.append(sens)
    return out


def _significance(r: "pd.Series") -> str:
    naive = (
        f"Naive tests, which treat the assets as independent, give BMP t = {num(r['bmp_stat'])} "
        f"({p_phrase(r['bmp_p'])}) and Patell Z = {num(r['patell_stat'])} ({p_phrase(r['patell_p'])})"
    )
    corr = r.get("r", float("nan"))
    corr_txt = f" (mean residual correlation r = {num(corr)})" if corr == corr else ""
    robust = (
        f"Because every asset was hit on the same day their residuals move together{corr_txt}; "
        f"the Kolari-Pynnonen correction turns the BMP t into {num(r['kp_stat'])} "
        f"({p_phrase(r['kp_p'])}), {significance_words(r['kp_p'])}, and the crude-dependence "
        f"test gives t = {num(r['crude_stat'])} ({p_phrase(r['crude_p'])})."
    )
    if (r["bmp_p"] < 0.05) and not (r["kp_p"] < 0.05):
        robust += " The naive verdict does not survive the correction."
    from stress.eventstudy.result import small_sample_note

    note = small_sample_note(int(r["n"]))
    if note:  # beside the statistics it qualifies
        robust += f" Caution, {note}."
    return f"{naive}. {robust}"


def _size_words(view: "EventView") -> str | None:
    """How often each test rejects on placebo sessions (should be the test level)."""
    z = view.size
    if z is None or z.empty:
        return None
    a, b = view.main_window
    z = z[(z["a"] == a) & (z["b"] == b)].set_index("test")["rejection"]
    if z.empty or "bmp" not in z or "kp" not in z:
        return None
    lv = float(view.size["level"].iloc[0])
    n = int(view.size["n_dates"].iloc[0])
    return (
        f"Size check on {n} placebo sessions (no event): at the {lv:.0%} level the naive BMP "
        f"test rejects on {pct(z['bmp'], 0, sign=False)} of them and Patell on "
        f"{pct(z.get('patell', float('nan')), 0, sign=False)}, against "
        f"{pct(z['kp'], 0, sign=False)} for KP and {pct(z.get('crude', float('nan')), 0, sign=False)} "
        f"for the crude-dependence test; a test that rejects far more often than {lv:.0%} "
        f"without an event overstates significance."
    )


def _recovery(view: "EventView", group: str) -> str | None:
    rec = view.recovered
    if rec is None or rec.empty:
        return None
    rows = rec[rec["group"] == group].set_index("horizon")["share"]
    if rows.empty:
        return None
    h = 20 if 20 in rows.index else int(rows.index.max())
    share = rows.loc[h]
    reb = view.rebound[(view.rebound["group"] == group) & (view.rebound["day"] == h)]
    if share != share:
        if len(reb) and reb["car"].iloc[0] == reb["car"].iloc[0]:
            return (f"The day-0 move is not significant (KP p >= 0.05), so no recovery share is "
                    f"given (CAR from day 0 to +{h}: {pct(reb['car'].iloc[0])}).")
        return f"Recovery by day +{h} cannot be measured (missing prices after the event)."
    car = f" (CAR from day 0 to +{h}: {pct(reb['car'].iloc[0])})" if len(reb) else ""
    if share < 0:
        lead = f"By day +{h} there was no rebound: the move extended by a further {pct(-share, 0, sign=False)} of its day-0 size{car}."
    else:
        lead = f"By day +{h}, {pct(share, 0, sign=False)} of the day-0 move had been recovered{car}."
    rest = [f"day +{int(k)}: {pct(v, 0, sign=False)}" for k, v in rows.items() if k != h and v == v]
    return lead + (" Recovered share by " + ", ".join(rest) + "." if rest else "")


def _movers(view: "EventView", n: int = 3) -> str | None:
    a = view.assets.dropna(subset=["ar0"]).sort_values("ar0")
    if a.empty:
        return None
    worst = [f"{t} {pct(v)}" for t, v in zip(a["ticker"][:n], a["ar0"][:n]) if v < 0]
    best = [f"{t} {pct(v)}" for t, v in zip(a["ticker"][::-1][:n], a["ar0"][::-1][:n]) if v > 0]
    parts = []
    if worst:
        parts.append("largest day-0 abnormal falls: " + ", ".join(worst))
    if best:
        parts.append("largest gains: " + ", ".join(best))
    return (parts[0][0].upper() + "; ".join(parts)[1:] + ".") if parts else None


def sensitivity_words(view: "EventView") -> str | None:
    """Which assets have event-based sensitivities with intervals above zero."""
    s = view.sensitivity
    if s is None or s.empty or "b" not in s:
        return None
    ok = s.dropna(subset=["b"])
    if ok.empty:
        return None
    above = ok[ok["b_lo"] > 0].sort_values("b", ascending=False)
    top = ok.sort_values("b", ascending=False).iloc[0]
    txt = (
        f"Event-based AI-shock sensitivity (abnormal return per DeepSeek unit) is highest for "
        f"{top['ticker']}: b = {num(top['b'])} (95% CI {num(top['b_lo'])} to {num(top['b_hi'])})"
    )
    if len(above):
        txt += f"; intervals lie above zero for {len(above)} of {len(ok)} assets ({', '.join(above['ticker'])})"
    else:
        txt += f"; no interval lies above zero among {len(ok)} assets"
    return txt + "."


def stress_findings(view: "StressView", event_id: str | None = None) -> list[str]:
    """Three sentences on the books: the event's replay, the worst cell of the grid, and
    the reverse-stress sizes."""
    out: list[str] = []
    g = view.grid
    if g is None or g.empty:
        return out
    labels = dict(zip(view.scenarios["id"], view.scenarios["label"])) if len(view.scenarios) else {}
    if event_id and event_id in g.index:
        row = g.loc[event_id]
        parts = [f"{p} {pct(v)}" for p, v in row.items()]
        out.append(f"Replaying {labels.get(event_id, event_id)} (buy and hold, day 0) on the "
                   f"portfolios, P&L as a share of NAV: " + "; ".join(parts) + ".")
    vals = g.to_numpy(dtype=float)
    if (vals == vals).any():
        import numpy as np

        i, j = np.unravel_index(np.nanargmin(vals), vals.shape)
        sid, book = g.index[i], g.columns[j]
        out.append(f"The worst cell of the scenario grid: {book} under \"{labels.get(sid, sid)}\", "
                   f"{pct(vals[i, j])} of NAV.")
    r = view.reverse.dropna(subset=["k"]) if len(view.reverse) else view.reverse
    if len(r):
        loss = pct(float(r["loss"].iloc[0]), 0, sign=False)
        parts = [f"{p} {num(k, 2, sign=True)}" for p, k in zip(r["portfolio"], r["k"])]
        out.append(f"Reverse stress: the AI-demand shock that costs {loss} of NAV, in DeepSeek "
                   f"units (DeepSeek = -1): " + "; ".join(parts) + ".")
    return out


def reverse_statements(view: "StressView") -> list[str]:
    """"A shock of k DeepSeek units costs this book 10%", one per portfolio and loss."""
    out = []
    for _, r in view.reverse.iterrows():
        if r["k"] != r["k"]:
            out.append(f"{r['portfolio']}: {r.get('note') or 'no AI shock produces this loss'}.")
            continue
        k = float(r["k"])
        size = (f"{abs(k):.0%} of a DeepSeek repeat" if k < 0 and abs(k) < 1
                else f"{abs(k):.1f} times DeepSeek's size, downward" if k < 0
                else f"an AI-demand boom {abs(k):.1f} times DeepSeek's size")
        out.append(
            f"A shock of {num(k, 2, sign=True)} DeepSeek units ({size}) costs {r['portfolio']} "
            f"{pct(r['loss'], 0, sign=False)} of NAV."
        )
    return out
