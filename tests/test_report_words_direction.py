"""Direction-aware words on simulated prices: an up event and a down event are planted
in random-walk prices, the event study is run on them, and the report's words must lead
with the group that moved most in the event's own direction, with words that fit the
sign of the rebound ("kept", "gave back", "extended")."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from stress.eventstudy import EventStudySpec, run_event_study
from stress.report.event_view import event_view
from stress.report.summary import lead_sentence
from stress.report.words import event_findings, headline_group, kept_words

GROUPS = {"winners": ["W1", "W2", "W3", "W4", "W5", "W6"],
          "losers": ["L1", "L2", "L3", "L4", "L5", "L6"],
          "quiet": ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]}
LABELS = {"winners": "Planted winners", "losers": "Planted losers", "quiet": "Quiet group"}
DAY0 = 320


def _prices(moves: dict[str, float], after: dict[str, float] | None = None, seed: int = 7):
    """Market-model prices (beta 1, 1% idiosyncratic sd) with a planted day-0 abnormal
    move per group and an optional further abnormal drift over days 1..20."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2023-01-02", periods=420)
    m = rng.normal(0.0003, 0.008, len(days))
    cols = {"SPY": m}
    for g, members in GROUPS.items():
        for t in members:
            r = m + rng.normal(0, 0.01, len(days))
            r[DAY0] += moves.get(g, 0.0)
            if after:
                r[DAY0 + 1:DAY0 + 21] += after.get(g, 0.0) / 20
            cols[t] = r
    rets = pd.DataFrame(cols, index=days)
    return 100 * (1 + rets).cumprod(), days[DAY0]


def _view(moves, direction, after=None):
    closes, day0 = _prices(moves, after)
    res = run_event_study(closes, day0.date().isoformat(), [], EventStudySpec(placebo=0), GROUPS)
    return replace(event_view(res, list(GROUPS), LABELS), direction=direction)


def test_up_event_leads_with_the_largest_rise_even_when_a_fall_is_larger():
    # the losers fall more (in absolute terms) than the winners rise, but it is an up event
    view = _view({"winners": 0.08, "losers": -0.12}, "up")
    assert headline_group(view) == "winners"
    lead = lead_sentence(view)
    assert "Planted winners rose most on day 0" in lead and "AI-demand-up event" in lead
    text = " ".join(event_findings(view))
    assert "Planted winners rose most" in text and "fell most" not in text
    low = text.lower()
    assert low.index("largest day-0 abnormal gains") < low.index("largest falls")


def test_down_event_leads_with_the_largest_fall_and_control_with_the_largest_move():
    view = _view({"winners": 0.12, "losers": -0.08}, "down")
    assert headline_group(view) == "losers"
    assert "Planted losers fell most on day 0" in lead_sentence(view)
    control = replace(view, direction="control")
    assert headline_group(control) == "winners"  # |+12%| > |-8%|
    assert "Planted winners rose most" in lead_sentence(control)


def test_rebound_words_fit_the_sign():
    # losers fall 10% on day 0, then give back half of it (abnormal +5% over 20 days)
    view = _view({"losers": -0.10}, "down", after={"losers": 0.05})
    rec = view.recovered.set_index(["group", "horizon"])["share"]
    share = rec[("losers", 20)]
    assert 0.3 < share < 0.7
    text = " ".join(event_findings(view))
    assert f"kept {round((1 - share) * 100):.0f}% (gave back {round(share * 100):.0f}%)" in text
    # the move extends: losers fall a further 5%
    ext = _view({"losers": -0.10}, "down", after={"losers": -0.05})
    s2 = ext.recovered.set_index(["group", "horizon"])["share"][("losers", 20)]
    assert s2 < 0
    assert "extended by a further" in " ".join(event_findings(ext))
    assert "-" not in kept_words(s2).split("further")[1]  # never a negative share in words


@pytest.mark.parametrize("share,words", [(0.25, "kept 75% (gave back 25%)"),
                                         (-0.4, "extended by a further 40%"),
                                         (1.2, "fully reversed (gave back 120%)"),
                                         (float("nan"), "-")])
def test_kept_words(share, words):
    assert kept_words(share) == words


def test_book_sentences_put_the_sign_in_the_verb_and_keep_the_var_caveat():
    """'cost 20.5%' for a loss and 'gave 2.5%' for a gain, never 'cost -20.5%'; the VaR
    row's own caveat (shortened window, thin tail) stands beside the VaR figures."""
    from types import SimpleNamespace

    import pandas as pd

    from stress.report.summary import book_sentences

    note = "before:x: window shortened to 207 complete days of 504 (a holding has no earlier prices)"
    summary = pd.DataFrame([
        {"portfolio": "loser", "replay": -0.205, "var_stress": 0.2, "es_stress": 0.2, "var_before": 0.06,
         "es_before": 0.08, "var_method": "historical", "level": 0.99, "var_note": note},
        {"portfolio": "winner", "replay": 0.025, "var_stress": 0.05, "es_stress": 0.06, "var_before": 0.02,
         "es_before": 0.03, "var_method": "historical", "level": 0.99, "var_note": ""},
    ])
    loser, winner = book_sentences(SimpleNamespace(summary=summary), "x")
    assert "replaying x cost 20.5% of NAV" in loser and "-20.5%" not in loser
    assert "replaying x gave 2.5% of NAV" in winner and "+2.5%" not in winner
    assert f"(before the event: 6.0% / 8.0%) - {note}" in loser
    assert "window shortened" not in winner
