"""Plain-words verdicts of the backtests, computed from their numbers.

Every phrase is chosen by a rule on a number (the sign, a p-value against the test size,
a ratio against fixed cut-offs), never written by hand for one data set. The rules are in
docs/methods.md, "Backtests", "Verdicts".
"""

from __future__ import annotations

import numpy as np

#: shares of day-0 variance explained, with the word used for them: below "most", the
#: nearest of 1/2, 1/3, 1/4, 1/5, 1/10 and 0 (cut-offs halfway between them), so that
#: R^2 = 0.19 reads "about a fifth", not "about a tenth"
_SHARE_WORDS = ((0.9, "nearly all"), (0.6, "most"), (0.42, "about half"), (0.29, "about a third"),
                (0.225, "about a quarter"), (0.15, "about a fifth"), (0.05, "about a tenth"),
                (0.0, "almost none"))


def share_words(r2: float) -> str:
    """Words for an out-of-sample R^2 (share of the squared moves explained)."""
    if not np.isfinite(r2):
        return "an unknown share"
    if r2 < 0:
        return "none"
    return next(w for cut, w in _SHARE_WORDS if r2 >= cut)


def _p(p: float) -> str:
    return "-" if not np.isfinite(p) else f"{p:.2g}"


def var_verdict(r) -> str:
    """One sentence per method at the highest confidence, then the ES test and events."""
    size = r.settings["size"]
    cov = r.coverage
    top = max(r.settings["confidences"])
    h = r.settings.get("horizon", 1)
    unit = "days" if h == 1 else f"{h}-day periods"
    parts = []
    for _, c in cov[cov["confidence"] == top].iterrows():
        ratio = c["hits"] / c["expected"] if c["expected"] else float("nan")
        if c["p_pof"] < size:
            judged = ("too many exceptions: it understates the risk" if c["hits"] > c["expected"]
                      else "too few exceptions: it overstates the risk")
        else:
            judged = "consistent with its confidence"
        s = (f"{c['method']} VaR {top:.0%}: {c['hits']} exceptions in {c['n']} {unit} where "
             f"{c['expected']:.1f} were expected ({ratio:.1f}x, Kupiec p {_p(c['p_pof'])}), {judged}")
        if c["p_ind"] < size:
            s += f"; the exceptions cluster (Christoffersen p {_p(c['p_ind'])})"
        if c["z2"] < c["z2_critical"]:
            s += f"; its ES understates the losses beyond VaR (Z2 {c['z2']:+.2f} < {c['z2_critical']:+.2f})"
        else:
            s += f"; its ES is not rejected (Z2 {c['z2']:+.2f}, critical {c['z2_critical']:+.2f})"
        if h == 1 and top == 0.99:
            s += f"; Basel zone {c['basel_zone']} ({c['basel_hits']} in the last {c['basel_n']} days)"
        parts.append(s + ".")
    exc = r.exceptions
    named = exc[(exc["event"] != "") & (exc["confidence"] == top)]
    if len(named):
        days = ", ".join(f"{e} ({d if h == 1 else f'{d} to {end}'})" for d, end, e in
                         named[["date", "end", "event"]].drop_duplicates().itertuples(index=False))
        parts.append(f"Catalogue events among the {top:.0%} exception {unit}: {days}.")
    return f"{r.book}: " + " ".join(parts)


def sensitivity_verdict(r) -> str:
    """How much of the day-0 moves each model explains out of sample, and what it misses."""
    g = r.by_group
    parts = []
    for model, label in (("event", "the one-factor AI shock (b x s)"),
                         ("multi", "the multi-factor shock"),
                         ("factor", "the daily AI factor (beta_ai)")):
        row = g[(g["group"] == "all") & (g["model"] == model)]
        if not len(row):
            continue
        x = row.iloc[0]
        if not x["n"]:
            parts.append(f"{label[0].upper()}{label[1:]} made no out-of-sample prediction "
                         f"(too few events or data).")
            continue
        cover = x["coverage"]
        band = r.settings["band"]
        cover_w = ("as often as it should" if abs(cover - band) <= 0.1 else
                   "too rarely" if cover < band else "more often than it should (too wide)")
        worse = " and does worse than predicting no abnormal move" if x["oos_r2"] < 0 else ""
        parts.append(
            f"Out of sample, {label} explains {share_words(x['oos_r2'])} of the day-0 moves "
            f"(R^2 {x['oos_r2']:+.2f}, {int(x['n'])} asset-events){worse}, gets the sign right "
            f"{x['sign_hit']:.0%} of the time, and its {band:.0%} band holds the actual move "
            f"{cover:.0%} of the time ({cover_w})."
        )
    ev = r.by_event
    missed = ev[(ev["model"] == "event") & ev["missed"]]
    if not (ev["model"] == "event").any():
        pass
    elif len(missed):
        worst = missed.assign(gap=(missed["actual"] - missed["predicted"]).abs())
        worst = worst.sort_values("gap", ascending=False).head(5)
        bits = [f"{e.group} on {e.event} (actual {e.actual:+.1%} vs {e.predicted:+.1%}"
                + (f", {e.ratio:.0f}x" if e.ratio == e.ratio and e.ratio >= 1.5 else "") + ")"
                for e in worst.itertuples()]
        parts.append("Not captured by the one-factor shock: " + "; ".join(bits) + ".")
    else:
        parts.append("No group's day-0 move fell outside the one-factor bands on most of its assets.")
    return " ".join(parts)


def propagation_verdict(r) -> str:
    """Band coverage over all events and the events the propagation missed most."""
    ev = r.events
    if not len(ev):
        return "No event could be backtested."
    band = r.settings["band"]
    a = r.assets
    cover = float(a["inside"].mean()) if len(a) else float("nan")
    cover_w = ("about as often as it should" if abs(cover - band) <= 0.05 else
               "too rarely: the conditional bands are too narrow on event days" if cover < band
               else "more often than it should: the bands are too wide")
    s = (f"Across {len(ev)} events, the {band:.0%} conditional bands held the actual day-0 return "
         f"of the propagated assets {cover:.0%} of the time ({cover_w}).")
    worst = ev.sort_values("coverage").head(3)
    s += " Lowest coverage: " + "; ".join(
        f"{i} {row.coverage:.0%} (conditioning moves this far from normal have probability "
        f"{row['tail']:.2g})"
        for i, row in worst.iterrows()) + "."
    return s
