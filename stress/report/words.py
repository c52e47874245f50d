"""Findings in plain words, generated from the numbers (never typed by hand).

Each function takes a view (:mod:`stress.report.views`) and returns sentences or short
paragraphs. The rules, in docs/methods.md, "Reports": the headline group is the one
that moved most in the event's own direction (fell most for a down event, rose most for
an up event, the largest absolute move for a control), significant groups first; significance
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


def headline_group(view: "EventView", level: float = 0.05) -> str | None:
    """The group that moved most in the event's own direction in the main window: the
    most negative CAAR for a ``down`` event, the most positive for an ``up`` event, the
    largest absolute CAAR otherwise (controls). Groups whose move is significant by the
    robust KP test (p < ``level``) come first; without one, the largest move in the
    event's direction (or, if none moved that way, the largest absolute move)."""
    rows = _main_rows(view).dropna(subset=["caar"])
    if rows.empty:
        return None
    sign = {"down": -1.0, "up": 1.0}.get(view.direction, 0.0)
    score = rows["caar"] * sign if sign else rows["caar"].abs()
    sig = rows["kp_p"] < level if "kp_p" in rows else rows["caar"] != rows["caar"]
    if sign:
        along = score > 0
        for pick in (sig & along, along):
            if pick.any():
                return score[pick].idxmax()
        return rows["caar"].abs().idxmax()
    return score[sig].idxmax() if sig.any() else score.idxmax()


def move_verb(caar: float) -> str:
    """"fell" or "rose" by the sign of a move."""
    return "fell" if caar < 0 else "rose"


def kept_words(share: float) -> str:
    """A rebound share (of the day-0 move reversed by a horizon) in words that fit its
    sign: "kept 65% (gave back 35%)", "extended by a further 20%", "fully reversed
    (gave back 120%)"; "-" when not measured."""
    if share != share:
        return "-"
    if share < 0:
        return f"extended by a further {pct(-share, 0, sign=False)}"
    if share >= 1:
        return f"fully reversed (gave back {pct(share, 0, sign=False)})"
    return f"kept {pct(1 - share, 0, sign=False)} (gave back {pct(share, 0, sign=False)})"


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
    verb = f"{move_verb(r['caar'])} most"
    if view.direction in ("up", "down") and (r["caar"] < 0) != (view.direction == "down"):
        verb = f"{move_verb(r['caar'])} most, against the event's expected direction"
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
    """How often each test rejects on placebo sessions (should be the test level). With
    ``view.group_size`` the rates of the headline group's assets on their own, the same
    numbers as ``stress event-study --group NAME``; else those of all assets."""
    z = view.size
    scope = "all assets of the study"
    if view.group_size is not None and view.group_size[1] is not None and len(view.group_size[1]):
        g, z = view.group_size
        scope = f"{_label(view, g)} alone, as `stress event-study --group {g}` tests it"
    if z is None or z.empty:
        return None
    a, b = view.main_window
    rates = z[(z["a"] == a) & (z["b"] == b)].set_index("test")["rejection"]
    if rates.empty or "bmp" not in rates or "kp" not in rates:
        return None
    lv = float(z["level"].iloc[0])
    n = int(z["n_dates"].iloc[0])
    return (
        f"Size check on {n} placebo sessions (no event; {scope}): at the {lv:.0%} level the "
        f"naive BMP test rejects on {pct(rates['bmp'], 1, sign=False)} of them and Patell on "
        f"{pct(rates.get('patell', float('nan')), 1, sign=False)}, against "
        f"{pct(rates['kp'], 1, sign=False)} for KP and {pct(rates.get('crude', float('nan')), 1, sign=False)} "
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
    lead = f"By day +{h} the group {kept_words(share)} of its day-0 move{car}."
    rest = [f"day +{int(k)}: {kept_words(v)}" for k, v in rows.items() if k != h and v == v]
    return lead + (" At " + "; ".join(rest) + "." if rest else "")


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
    if view.direction == "up":
        parts = [x.replace("largest gains", "largest day-0 abnormal gains")
                 .replace("largest day-0 abnormal falls", "largest falls") for x in parts[::-1]]
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
    cells = view.cells
    if cells is not None and len(cells):
        ok = cells[cells["attainable"]]
        if len(ok):
            w = ok.loc[ok["pnl_pct"].idxmin()]
            out.append(f"The worst attainable cell of the scenario grid: {w['portfolio']} under "
                       f"\"{labels.get(w['scenario'], w['scenario'])}\", {pct(w['pnl_pct'])} of NAV "
                       f"({w['plausibility']}).")
        bad = cells[~cells["attainable"]]
        if len(bad):
            out.append(f"{len(bad)} cell{'s' if len(bad) != 1 else ''} of the grid "
                       f"{'are' if len(bad) != 1 else 'is'} not attainable (a held asset's linear "
                       "return is below -100%) and not used as a headline.")
    r = view.reverse.dropna(subset=["k"]) if len(view.reverse) else view.reverse
    if len(r):
        loss = pct(float(r["loss"].iloc[0]), 0, sign=False)
        att = r["attainable"] if "attainable" in r else [True] * len(r)
        parts = [f"{p} {num(k, 2, sign=True)}" if a else f"{p} not attainable"
                 for p, k, a in zip(r["portfolio"], r["k"], att)]
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
        text = (f"A shock of {num(k, 2, sign=True)} DeepSeek units ({size}) costs {r['portfolio']} "
                f"{pct(r['loss'], 0, sign=False)} of NAV.")
        if not r.get("attainable", True):
            text = (f"{r['portfolio']}: no attainable AI shock costs {pct(r['loss'], 0, sign=False)} "
                    f"of NAV. The linear answer, {num(k, 2, sign=True)} DeepSeek units, is not "
                    f"attainable: {r.get('note') or 'it needs returns below -100%'}.")
        out.append(text)
    return out


def confounder_words(view: "EventView", upto: int | None = None) -> str | None:
    """The other catalogue events inside the study's windows and rebound horizon (up to
    day ``upto``), each with its day and the windows it falls in; and up to which day the
    rebound is the event's own."""
    confs = [c for c in view.confounders if upto is None or c.day <= upto]
    if not confs:
        return None
    parts = []
    for c in confs:
        where = ", ".join(window(w) for w in c.windows)
        parts.append(f"{c.title or c.id} ({c.id}, day {c.day:+d}, {c.day0}"
                     + (f"; inside {where}" if where else "; inside the rebound horizon") + ")")
    later = [c.day for c in view.confounders if c.day > 0]
    clean = (f" The rebound is the event's own only up to day +{min(later) - 1}; later moves "
             "share their days with these events." if later else "")
    return ("Other catalogue events fall inside the windows: " + "; ".join(parts) + "." + clean)
