"""The event catalogue, the event-date rule (day 0) and `stress events`."""

from __future__ import annotations

import csv
import json
import re
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from stress.cli import cli
from stress.errors import InputError
from stress.config import load_events
from stress.events import DIRECTIONS, map_to_session, relative_days

BASKET = ("VST", "CEG", "TLN", "NRG")


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(tmp_path, text, name="events.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
- id: first-event
  date: 2025-01-27
  direction: down
  kind: model-release
  title: First
  description: One line.
  source: https://example.com/a
- id: second-event
  date: 2024-09-20
  direction: up
  kind: nuclear-deal
  title: Second
  description: Another line.
  source: https://example.com/b
"""


# -- the shipped catalogue ------------------------------------------------------------


def test_catalogue_has_deepseek_and_both_directions_and_controls():
    cat = load_events()
    ds = cat.get("deepseek-r1")
    assert ds.date == date(2025, 1, 27) and ds.direction == "down"
    others = [e for e in cat if e.id != "deepseek-r1"]
    assert len(others) >= 10
    directions = [e.direction for e in others]
    assert directions.count("up") >= 3 and directions.count("down") >= 2
    assert directions.count("control") >= 1
    assert set(directions) <= set(DIRECTIONS)
    for e in cat:
        assert e.source.startswith(("http://", "https://")), e.id
        assert e.timing, f"{e.id}: no timing"
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", e.id)


def test_every_catalogue_date_is_a_session_of_the_real_market(sample_store):
    calendar = sample_store.read_closes(["SPY"])["SPY"].dropna().index
    for e in load_events():
        day0, shifted, note = map_to_session(e.date, calendar)
        # the catalogue stores the first session that could react: it must be a session
        assert not shifted, f"{e.id}: {note}"
        assert day0 == pd.Timestamp(e.date)


def _closes(sample_dir, ticker):
    with open(sample_dir / "daily-close" / f"{ticker}.csv", newline="") as f:
        return {row["Date"]: float(row["Close"]) for row in csv.DictReader(f)}


def _recorded(text, ticker):
    if re.search(rf"\b{ticker} n/a", text):
        return None
    m = re.search(rf"\b{ticker} ([+-]\d+\.\d)%", text)
    assert m, f"{ticker} missing in {text!r}"
    return float(m.group(1))


def test_recorded_reaction_checks_match_the_csvs_and_the_directions(sample_dir):
    """Recompute every day-0 move with plain loops over the CSV files: r = P0/P-1 - 1,
    basket = mean over the listed VST CEG TLN NRG, minus SPY."""
    closes = {t: _closes(sample_dir, t) for t in BASKET + ("SPY",)}
    spy_days = sorted(closes["SPY"])
    for e in load_events():
        text = e.reaction_check
        assert text, f"{e.id}: no reaction_check"
        day0 = e.date.isoformat()
        prev = spy_days[spy_days.index(day0) - 1]
        moves = {}
        for t, series in closes.items():
            if day0 in series and prev in series:
                moves[t] = series[day0] / series[prev] - 1.0
        for t in BASKET + ("SPY",):
            got = _recorded(text, t)
            if t not in moves:
                assert got is None, f"{e.id}: {t} has no day-0 return but {got} is recorded"
            else:
                assert got == pytest.approx(100 * moves[t], abs=0.051), (e.id, t)
        listed = [moves[t] for t in BASKET if t in moves]
        excess = sum(listed) / len(listed) - moves["SPY"]
        recorded = float(re.search(r"basket-SPY ([+-]\d+\.\d\d)%", text).group(1))
        assert recorded == pytest.approx(100 * excess, abs=0.0051), e.id
        if e.direction in ("up", "down"):
            agrees = (excess > 0) == (e.direction == "up")
            # a contradiction must be flagged, and a flag must be a real contradiction
            assert agrees != e.contradicts, f"{e.id}: basket-SPY {100 * excess:+.2f}% vs {e.direction}"


_NAMED = re.compile(r"(?<![\w-])([A-Z]{2,5}) ([+-]\d+\.\d)%")


def test_named_stock_moves_match_the_csvs(sample_dir):
    """Every "TICKER +x.x%" of a reaction check (the basket, SPY and the named stocks of
    the 2025-26 entries) is the CSV's day-0 close-to-close return, recomputed by hand."""
    days = sorted(_closes(sample_dir, "SPY"))
    checked = 0
    for e in load_events():
        day0 = e.date.isoformat()
        prev = days[days.index(day0) - 1]
        for ticker, recorded in _NAMED.findall(e.reaction_check):
            series = _closes(sample_dir, ticker)
            move = 100 * (series[day0] / series[prev] - 1.0)
            assert float(recorded) == pytest.approx(move, abs=0.051), (e.id, ticker, move)
            checked += 1
    assert checked >= 5 * len(load_events())


def test_catalogue_reaches_2026_with_both_directions_since_mid_2025():
    recent = [e for e in load_events() if e.date >= date(2025, 7, 1)]
    assert len(recent) >= 10 and max(e.date for e in recent) >= date(2026, 1, 1)
    dirs = [e.direction for e in recent]
    assert dirs.count("up") >= 4 and dirs.count("down") >= 2
    # the entries of 2025-07 on name the stocks the news is about, and those moved:
    # at least one named stock per entry moved 3% or more on day 0
    for e in recent:
        if e.id == "meta-vistra-oklo-terrapower":
            continue
        named = re.search(r"also (.*)$", e.reaction_check)
        assert named, e.id
        assert any(abs(float(m)) >= 3.0 for _, m in _NAMED.findall(named.group(1))), e.id


def test_deepseek_reaction_is_the_published_sell_off(sample_dir):
    vst = _closes(sample_dir, "VST")
    assert vst["2025-01-27"] / vst["2025-01-24"] - 1 == pytest.approx(-0.283, abs=0.001)


# -- map_to_session and relative_days -------------------------------------------------


def test_weekend_and_holiday_dates_move_to_the_next_real_session(sample_store):
    calendar = sample_store.read_closes(["SPY"])["SPY"].dropna().index
    for given, want in [("2025-01-25", "2025-01-27"), ("2025-01-26", "2025-01-27"),
                        ("2024-12-25", "2024-12-26"), ("2024-09-21", "2024-09-23")]:
        day0, shifted, note = map_to_session(given, calendar)
        assert day0 == pd.Timestamp(want) and shifted
        assert given in note and want in note and "not a trading day" in note
    day0, shifted, note = map_to_session(date(2025, 1, 27), calendar)
    assert day0 == pd.Timestamp("2025-01-27") and not shifted and "2025-01-27" in note
    with pytest.raises(InputError, match=r"2026-08-04.*2015-01-02 to 2026-08-03"):
        map_to_session("2026-08-04", calendar)
    with pytest.raises(InputError, match=r"2014-12-31"):
        map_to_session("2014-12-31", calendar)
    assert map_to_session("2026-08-03", calendar)[0] == pd.Timestamp("2026-08-03")


def test_map_to_session_agrees_with_a_plain_scan_on_a_calendar_with_holes():
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2020-01-01", "2020-12-31")
    calendar = days[rng.random(len(days)) > 0.2]  # drop ~20% of weekdays: "holidays"
    start = calendar[0].date()
    for k in range((calendar[-1].date() - start).days + 1):
        d = start + timedelta(days=k)
        want = next(c for c in calendar if c.date() >= d)
        day0, shifted, _ = map_to_session(d, calendar)
        assert day0 == want and shifted == (want.date() != d)


def test_a_long_gap_is_pointed_out():
    calendar = pd.DatetimeIndex(["2001-09-10", "2001-09-17", "2001-09-18"])
    day0, shifted, note = map_to_session("2001-09-11", calendar)
    assert day0 == pd.Timestamp("2001-09-17") and shifted
    assert "6 calendar days later" in note


def test_relative_days_counts_trading_days():
    calendar = pd.DatetimeIndex(["2025-01-23", "2025-01-24", "2025-01-27", "2025-01-28"])
    got = relative_days(calendar, pd.Timestamp("2025-01-27"))
    assert got.dtype.kind == "i"
    assert [int(x) for x in got] == [i - 2 for i in range(4)]
    with pytest.raises(InputError, match="2025-01-25"):
        relative_days(calendar, pd.Timestamp("2025-01-25"))


# -- get / select ---------------------------------------------------------------------


def test_get_by_id_date_and_ad_hoc_date(tmp_path):
    cat = load_events(write(tmp_path, GOOD))
    assert cat.get("first-event").date == date(2025, 1, 27)
    assert cat.get(" FIRST-EVENT ").id == "first-event"
    assert cat.get("2024-09-20").id == "second-event"
    adhoc = cat.get("2024-09-21")
    assert adhoc.id == "2024-09-21" and adhoc.date == date(2024, 9, 21) and adhoc.ad_hoc
    with pytest.raises(InputError, match="not a valid calendar date"):
        cat.get("2025-02-30")
    with pytest.raises(InputError, match=r"'frist-event'.*did you mean first-event"):
        cat.get("frist-event")
    with pytest.raises(InputError, match="unknown event 'zzz'"):
        cat.get("zzz")


def test_select_by_ids_and_directions(tmp_path):
    cat = load_events(write(tmp_path, GOOD))
    assert cat.select(directions=["up"]).ids == ("second-event",)
    assert cat.select(ids=["second-event", "first-event"]).ids == ("second-event", "first-event")
    assert cat.select(ids=["first-event"], directions=["up"]).ids == ()
    with pytest.raises(InputError, match="sideways"):
        cat.select(directions=["sideways"])
    with pytest.raises(InputError, match="nope"):
        cat.select(ids=["nope"])


def test_two_events_on_one_date_make_a_date_lookup_ambiguous(tmp_path):
    text = GOOD.replace("2024-09-20", "2025-01-27")
    cat = load_events(write(tmp_path, text))
    with pytest.raises(InputError, match="first-event, second-event"):
        cat.get("2025-01-27")


# -- bad files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, pattern",
    [
        ("id: second-event", "id: first-event", r"line 8: .*duplicate event id 'first-event'"),
        ("date: 2024-09-20", "date: 2024-09-31", r"line 8: event 'second-event': .*not a valid"),
        ("date: 2024-09-20", "date: 20/09/2024", r"event 'second-event': date '20/09/2024' is not YYYY"),
        ("date: 2024-09-20", "date: 2024-09-20 10:00:00", r"event 'second-event': .*has a time"),
        ("direction: up", "direction: sideways", r"event 'second-event': direction 'sideways'"),
        ("  source: https://example.com/b\n", "", r"event 'second-event': missing source"),
        ("https://example.com/b", "example.com/b", r"event 'second-event': source .*not an http"),
        ("title: Second", "titel: Second", r"event 'second-event': unknown field 'titel'"),
        ("id: second-event", "id: Second_Event", r"event 'Second_Event': id must be kebab-case"),
        ("- id: second-event\n  date", "- date", r"line 8: event #2: missing id"),
    ],
)
def test_bad_catalogues_name_file_line_and_event(tmp_path, old, new, pattern):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new), "mine.yaml")
    with pytest.raises(InputError, match=pattern) as info:
        load_events(path)
    assert "mine.yaml" in str(info.value) and "\n" not in str(info.value)


def test_empty_or_unparsable_files(tmp_path):
    with pytest.raises(InputError, match="non-empty list"):
        load_events(write(tmp_path, "events: []\n"))
    with pytest.raises(InputError, match="invalid YAML"):
        load_events(write(tmp_path, "- id: [unclosed\n"))
    with pytest.raises(InputError, match="cannot read"):
        load_events(tmp_path / "missing.yaml")
    assert load_events(write(tmp_path, "events:\n" + GOOD)).ids == ("first-event", "second-event")


# -- CLI ------------------------------------------------------------------------------


def test_cli_list_table_and_json():
    res = run("events", "list")
    assert res.exit_code == 0
    line = next(l for l in res.stdout.splitlines() if l.startswith("deepseek-r1 "))
    assert line.split()[1:4] == ["2025-01-27", "Mon", "down"]
    assert res.stdout.splitlines()[0].split() == ["id", "date", "weekday", "direction", "kind", "title"]
    res = run("events", "list", "--direction", "control", "--json")
    assert res.exit_code == 0
    rows = json.loads(res.stdout)["events"]
    assert rows and all(r["direction"] == "control" for r in rows)
    assert set(rows[0]) >= {"id", "date", "weekday", "direction", "kind", "title",
                            "description", "source", "timing", "notes", "reaction_check"}


def test_cli_list_by_kind():
    res = run("events", "list", "--kind", "compute-contract", "--json")
    rows = json.loads(res.stdout)["events"]
    assert res.exit_code == 0 and len(rows) >= 3 and {r["kind"] for r in rows} == {"compute-contract"}
    res = CliRunner().invoke(cli, ["events", "list", "--kind", "nope"])
    assert res.exit_code == 2 and "unknown event kind 'nope'" in res.stderr


def test_cli_show_prints_all_fields_and_day0(sample_home):
    res = run("--offline", "events", "show", "microsoft-constellation-crane")
    assert res.exit_code == 0
    for field in ("id", "date", "direction", "kind", "title", "description", "source",
                  "timing", "reaction_check", "day0"):
        assert re.search(rf"^{field}\s", res.stdout, re.M), field
    assert "day 0 is 2024-09-20 (Fri)" in res.stdout
    res = run("--offline", "events", "show", "2024-09-21", "--json")
    assert res.exit_code == 0
    got = json.loads(res.stdout)
    assert got["id"] == "2024-09-21" and got["day0"]["date"] == "2024-09-23"
    assert got["day0"]["shifted"] is True


def test_cli_unknown_event_is_one_line_exit_2():
    res = run("events", "show", "deepsek-r1")
    assert res.exit_code == 2
    assert res.stderr.strip().count("\n") == 0
    assert res.stderr.startswith("error: ") and "deepseek-r1" in res.stderr
    assert "Traceback" not in res.output + res.stderr


def test_cli_bad_file_is_one_line_exit_2(tmp_path):
    path = write(tmp_path, GOOD.replace("direction: up", "direction: sideways"))
    res = run("events", "list", "--file", str(path))
    assert res.exit_code == 2
    assert res.stderr.strip().count("\n") == 0 and "sideways" in res.stderr
