"""The event fingerprint: day-0 CAAR by group x catalogue event with the KP test."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from stress.cli import cli
from stress.config import load_events
from stress.eventstudy import EventStudySpec, run_event_study
from stress.eventstudy.fingerprint import event_fingerprint

GROUPS = {"ai_power": ["VST", "CEG", "TLN", "NRG"], "utilities": ["DUK", "SO", "D", "AEP"]}


def _hand_ar0(closes, ticker, day0):
    """Market-model AR on day 0 by hand: OLS (np.polyfit) of r on r_SPY over days
    -250..-11, AR = r0 - a - b r_SPY,0."""
    r = closes[[ticker, "SPY"]].pct_change()
    pos = r.index.get_loc(day0)
    est = r.iloc[pos - 250: pos - 10].dropna()
    b, a = np.polyfit(est["SPY"], est[ticker], 1)
    return r[ticker].iloc[pos] - a - b * r["SPY"].iloc[pos]


def test_fingerprint_cells_are_group_caars_checked_by_hand(sample_store):
    cat = load_events()
    evs = [cat.get("deepseek-r1"), cat.get("microsoft-constellation-crane"), cat.get("amazon-200bn-capex")]
    closes = sample_store.read_closes(sorted({t for m in GROUPS.values() for t in m} | {"SPY"}))
    fp = event_fingerprint(closes, evs, GROUPS)
    assert fp.events == tuple(e.id for e in evs) and fp.groups == ("ai_power", "utilities")
    for ev in evs:
        for g, members in GROUPS.items():
            c = fp.cell(ev.id, g)
            want = np.mean([_hand_ar0(closes, t, closes.index[closes.index.get_indexer([str(ev.date)])[0]])
                            for t in members])
            assert c.caar == pytest.approx(want, rel=1e-8), (ev.id, g)
            single = run_event_study(closes, ev, (), EventStudySpec(placebo=0, windows=((0, 0),)), {g: members})
            assert (c.stat, c.p) == pytest.approx(single.window((0, 0), g).tests["kp"])
            assert c.p <= c.p_bh <= 1 and c.p <= c.p_holm <= 1
    # DeepSeek: the AI-power names crashed, the regulated utilities did not
    assert fp.cell("deepseek-r1", "ai_power").caar < -0.15 < fp.cell("deepseek-r1", "utilities").caar
    table = fp.pivot()
    assert table.shape == (3, 2) and table.loc["deepseek-r1", "ai_power"] == fp.cell("deepseek-r1", "ai_power").caar
    assert len(fp.to_frame()) == 6 and json.dumps(fp.to_dict(), default=str)


def test_cli_fingerprint(sample_home, tmp_path):
    res = CliRunner().invoke(cli, ["--offline", "events", "fingerprint", "--group", "ai_power", "--direction",
                                   "down", "--json", "--out", str(tmp_path / "o")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got["groups"] == ["ai_power"] and "deepseek-r1" in got["events"]
    assert (tmp_path / "o" / "fingerprint.csv").is_file()
    res = CliRunner().invoke(cli, ["--offline", "events", "fingerprint", "--group", "ai_power", "--kind", "sell-off"])
    assert res.exit_code == 0 and "ai-bubble-selloff-2025-08" in res.stdout and "%" in res.stdout
