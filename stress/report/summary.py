"""Page 1: the executive summary, in plain words, from the views' numbers.

The lead sentence names the group that moved most in the event's own direction
(:func:`stress.report.words.headline_group`); then per book the event replay's P&L, the
worst attainable scenario with its plausibility, stressed VaR/ES, and the AI shock that
costs the reverse-stress loss (or "not attainable"); the report date and the data's
cut-off are stated at the top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from stress.fmt import num, p_phrase, pct, significance_words, window
from stress.report.doc import Section, Table, Text
from stress.report.tables import Column

if TYPE_CHECKING:  # pragma: no cover
    from stress.report.views import EventView, StressView


def lead_sentence(view: "EventView") -> str:
    """"On day 0 (Monday 27 January 2025), AI power fell most: ..." (direction-aware)."""
    from stress.report.words import _day, _label, _main_rows, headline_group, move_verb

    top = headline_group(view)
    if top is None:
        return f"{view.label}: no group has an abnormal return; see the warnings."
    r = _main_rows(view).loc[top]
    w = view.main_window
    when = "on day 0" if w == (0, 0) else f"over days {window(w)}"
    expected = {"down": "an AI-demand-down event", "up": "an AI-demand-up event"}.get(
        view.direction, "a control event (no expected direction)")
    return (f"{view.label} ({expected}; day 0 {_day(view.day0)}): {_label(view, top)} "
            f"{move_verb(r['caar'])} most {when}, an average abnormal return of {pct(r['caar'])} "
            f"across {int(r['n'])} assets, {significance_words(r['kp_p'])} by the "
            f"clustering-robust KP test ({p_phrase(r['kp_p'])}).")


def summary_section(view: "EventView", stress: "StressView | None", *, report_date: str,
                    cutoff: str, sources: str, warnings: Sequence[str] = (),
                    recovery=None) -> Section:
    blocks: list = [
        Text(f"Report date {report_date}. Data cut-off: prices to {cutoff} ({sources}).", "note"),
        Text(lead_sentence(view), "lead"),
    ]
    blocks += [Text(s, "bullet") for s in _event_bullets(view)]
    if recovery is not None:
        from stress.report.words import headline_group

        top = headline_group(view)
        sent = [g.sentence for g in recovery.groups if g.name == top and g.sentence]
        if sent:
            blocks.append(Text(("Was the gain kept? " if view.direction == "up" else
                                "Was the move reversed? ") + sent[0], "bullet"))
    if stress is not None and stress.summary is not None and len(stress.summary):
        blocks.append(Text("Your books", "h2"))
        blocks += [Text(s, "bullet") for s in book_sentences(stress, view.event_id)]
        blocks.append(Table(_book_table(stress), _book_columns(stress)))
    if warnings:
        blocks.append(Text(f"{len(warnings)} caveat{'s' if len(warnings) != 1 else ''} from the "
                           "computations are printed beside the figures they qualify.", "note"))
    return Section("Executive summary", blocks,
                   subtitle=f"{view.label} ({view.event_id}); day 0 = {view.day0}",
                   tables={"summary": stress.summary} if stress is not None and stress.summary is not None else {})


def _event_bullets(view: "EventView") -> list[str]:
    from stress.report.words import _main_rows, _recovery, headline_group

    out = []
    rows = _main_rows(view).dropna(subset=["caar"])
    top = headline_group(view)
    sig = rows[(rows["kp_p"] < 0.05) & (rows.index != top)]
    if len(sig):
        out.append("Also significant (KP p < 0.05): " + "; ".join(
            f"{view.groups.loc[g, 'label']} {pct(rows.loc[g, 'caar'])}" for g in sig.index) + ".")
    quiet = rows[(rows["kp_p"] >= 0.05)]
    if len(quiet):
        out.append("Not told apart from noise (KP p >= 0.05): " + "; ".join(
            f"{view.groups.loc[g, 'label']} {pct(rows.loc[g, 'caar'])}" for g in quiet.index) + ".")
    if top is not None:
        rec = _recovery(view, top)
        if rec:
            from stress.report.words import confounder_words

            conf = confounder_words(view, upto=20)
            out.append(rec + (f" {conf}" if conf else ""))
    return out


def book_sentences(stress: "StressView", event_id: str) -> list[str]:
    out = []
    for _, r in stress.summary.iterrows():
        parts = []
        if r.get("replay") == r.get("replay"):
            parts.append(f"replaying {event_id} {'cost' if r['replay'] < 0 else 'gave'} "
                         f"{pct(abs(r['replay']), sign=False)} of NAV")  # the verb carries the sign
        if r.get("worst"):
            parts.append(f"the worst attainable scenario is {r['worst']} at {pct(r['worst_pnl'])} "
                         f"({r['worst_plausibility']})")
        if r.get("var_stress") == r.get("var_stress") and "var_stress" in r:
            parts.append(f"stressed {r['var_method']} {r['level']:.0%} VaR {pct(r['var_stress'], 1, sign=False)}"
                         f" and ES {pct(r['es_stress'], 1, sign=False)} of NAV a day (before the event: "
                         f"{pct(r['var_before'], 1, sign=False)} / {pct(r['es_before'], 1, sign=False)})"
                         + (f" - {r['var_note']}" if r.get("var_note") else ""))
        if "k" in r and r.get("loss") == r.get("loss"):
            loss = pct(r["loss"], 0, sign=False)
            if r.get("k_attainable"):
                parts.append(f"an AI shock of {num(r['k'], 2, sign=True)} DeepSeek units costs {loss}")
            else:
                parts.append(f"no attainable AI shock costs {loss} (the linear answer "
                             f"{num(r['k'], 2, sign=True)} needs returns below -100%)")
        text = f"{r['portfolio']}: " + "; ".join(parts) + "."
        if r.get("unattainable"):
            text += f" Not attainable and left out: {r['unattainable']}."
        out.append(text)
    return out


def _book_table(stress: "StressView"):
    s = stress.summary.copy()
    s["shock"] = [num(k, 2, sign=True) if a else "not attainable"
                  for k, a in zip(s.get("k", []), s.get("k_attainable", []))]
    return s


def _book_columns(stress: "StressView") -> list[Column]:
    f = lambda v: pct(v, 1, sign=False)  # noqa: E731
    return [Column("portfolio", "Book", align="left", wrap=20),
            Column("replay", "Event replay", pct),
            Column("worst", "Worst attainable scenario", align="left", wrap=18),
            Column("worst_pnl", "P&L", pct),
            Column("var_stress", "Stressed VaR", f), Column("es_stress", "Stressed ES", f),
            Column("shock", "AI shock for the loss (DeepSeek units)", wrap=14)]
