"""The scenario catalogue: every event is a replay; named scenarios parse; a bad entry is
one line naming the file and the scenario."""

from __future__ import annotations

import pytest

from stress.errors import InputError
from stress.config import load_events
from stress.config import load_scenarios
from stress.scenarios.catalogue import replay_spec, shock_spec


@pytest.fixture(scope="module")
def events():
    return load_events()


def test_every_event_is_a_replay_and_named_ones_load(events):
    cat = load_scenarios(events=events)
    for e in events:
        s = cat.get(e.id)
        assert (s.kind, s.event, s.window, s.regime) == ("replay", e.id, (0, 0), e.id)
    assert cat.get("deepseek-x2").k == -2
    assert cat.get("jevons-rebound").k == 0.5
    assert cat.get("deepseek-r1-week").window == (0, 4)
    assert dict(cat.get("vst-crash").shocks) == {"VST": -0.30, "SPY": -0.02}
    assert cat.get("vst-crash").regime == "deepseek-r1"
    assert cat.regime_sessions == 60


def test_unknown_scenario_suggests(events):
    cat = load_scenarios(events=events)
    with pytest.raises(InputError, match="did you mean .*deepseek-r1"):
        cat.get("deepseek-r2")


def test_flag_specs(events):
    cat = load_scenarios(events=events)
    assert replay_spec(cat.get("deepseek-r1"), (0, 4)).id == "deepseek-r1[0,4]"
    with pytest.raises(InputError):
        replay_spec(cat.get("deepseek-x2"), (0, 4))
    assert shock_spec(-1.5).id == "shock(k=-1.5)"
    assert shock_spec(-1, -0.02).market_move == -0.02


@pytest.mark.parametrize(
    "body, expect",
    [
        ("- {id: x, kind: shock}", "scenario 'x': k must be a number"),
        ("- {id: x, kind: boom, k: 1}", "kind must be one of"),
        ("- {id: x, kind: replay, event: nope}", "event 'nope' is not in"),
        ("- {id: x, kind: replay, event: deepseek-r1, window: [2, 1]}", "window must be [a, b]"),
        ("- {id: x, kind: custom, shocks: []}", "shocks must be a mapping"),
        ("- {id: deepseek-r1, kind: shock, k: 1}", "defined twice"),
        ("- {id: x, kind: shock, k: 1, colour: red}", "unknown field 'colour'"),
        ("- {id: x, kind: shock, k: 1, regime: nope}", "regime 'nope' is not an event"),
    ],
)
def test_bad_entries(tmp_path, events, body, expect):
    p = tmp_path / "scenarios.yaml"
    p.write_text("scenarios:\n" + "  " + body + "\n")
    with pytest.raises(InputError) as exc:
        load_scenarios(p, events=events)
    assert expect in str(exc.value) and str(p) in str(exc.value)
