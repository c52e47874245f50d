"""``stress event-study`` on the real data, as a user runs it, and its bad inputs."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from stress.cli import cli


def _run(*args):
    return CliRunner().invoke(cli, ["--offline", "event-study", *args])


def test_json_deepseek_ai_power(sample_home):
    res = _run("deepseek-r1", "VST", "CEG", "TLN", "NRG", "--json", "--placebo", "200")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["event"]["id"] == "deepseek-r1" and d["event"]["day0"] == "2025-01-27"
    assets = {a["ticker"]: a for a in d["assets"]}
    assert set(assets) == {"VST", "CEG", "TLN", "NRG"}
    assert round(assets["VST"]["return_day0"], 3) == -0.283 and assets["VST"]["ar_day0"] < -0.20
    for a in assets.values():
        assert {"n_estimation", "intercept", "beta", "sigma", "windows"} <= set(a)
        assert [w["window"] for w in a["windows"]] == [[0, 0], [-1, 1], [0, 5], [0, 20]]
        assert {"car", "bhar", "t", "p"} <= set(a["windows"][0])
    agg = d["aggregate"][0]
    assert agg["window"] == [0, 0] and agg["n"] == 4 and agg["caar"] < -0.15
    assert set(agg["tests"]) == {"patell", "bmp", "kp", "crude", "rank", "gsign"}
    assert all({"stat", "p"} == set(v) for v in agg["tests"].values())
    assert d["placebo"]["used"] > 50 and len(d["placebo"]["windows"]) == 4
    assert d["rebound"]["horizons"] == [5, 20, 60] and d["rebound"]["assets"]


def test_groups_table_and_csv(sample_home, tmp_path):
    out = tmp_path / "out"
    res = _run("deepseek-r1", "--group", "ai_power", "--group", "utilities", "--placebo", "100", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "Aggregate, group ai_power" in res.stdout and "Aggregate, group utilities" in res.stdout
    assert "Rebound" in res.stdout and "Placebo" in res.stdout
    for name in ("ar", "car", "tests", "placebo", "placebo_size", "rebound"):
        assert (out / f"{name}.csv").is_file(), name
    tests = pd.read_csv(out / "tests.csv")
    assert set(tests["scope"]) == {"all", "ai_power", "utilities"}
    duk = pd.read_csv(out / "car.csv").query("ticker == 'DUK' and window_start == 0 and window_end == 0")
    assert float(duk["car"].iloc[0]) > 0


def test_factor_model_and_options(sample_home):
    res = _run("2025-01-27", "VST", "--factors", "SPY,XLU", "--window", "0,0", "--estimation", "-200,-11",
               "--placebo", "0", "--returns", "log", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["settings"]["model"] == "factor" and set(d["assets"][0]["betas"]) == {"SPY", "XLU"}
    assert d["assets"][0]["n_estimation"] == 190 and d["placebo"] is None


def test_weekend_date_moves_and_warns(sample_home):
    res = _run("2025-01-25", "VST", "--placebo", "0", "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["event"]["day0"] == "2025-01-27"
    assert "not a trading day" in res.stderr


@pytest.mark.parametrize(
    "args, code, text",
    [
        (["no-such-event", "VST"], 2, "unknown event"),
        (["2031-03-03", "VST"], 2, "outside the market data"),
        (["deepseek-r1", "--group", "nope"], 2, "unknown group"),
        (["deepseek-r1", "NOSUCH"], 2, "no prices for NOSUCH"),  # unknown tickers: exit 2 everywhere
        (["2023-07-03", "TLN"], 2, "no asset left"),
        (["deepseek-r1"], 2, "give tickers or --group"),
        (["deepseek-r1", "VST", "--window", "5,1"], 2, "start 5 is after end 1"),
        (["deepseek-r1", "VST", "--model", "factor"], 2, "needs factor tickers"),
    ],
)
def test_bad_inputs_one_line(sample_home, args, code, text):
    res = _run(*args, "--placebo", "0")
    assert res.exit_code == code, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert text in res.stderr and "Traceback" not in res.output
    assert len([ln for ln in lines if ln.startswith(("error", "Error"))]) == 1


def test_default_placebo_uses_all_qualifying_sessions_quietly(sample_home):
    res = _run("deepseek-r1", "VST", "CEG", "TLN", "NRG", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    p = d["placebo"]
    # every qualifying session of the 250-session pool, no "N asked" warning
    assert p["n"] == p["used"] == p["candidates"] > 50 and p["pool"] == 250
    assert p["requested"] is None and p["first_date"] < p["last_date"] < "2025-01-27"
    assert "asked" not in res.stderr
    # the size check: ONE warning line naming every window with a flagged test
    lines = [ln for ln in res.stderr.splitlines() if "size check" in ln]
    assert len(lines) == 1
    for w in p["windows"]:
        label = f"[{w['window'][0]},{w['window'][1]}]"
        assert (label in lines[0]) == bool(w["flagged"])
        for t in w["flagged"]:
            assert f"{t} {w['rejection_rate'][t]:.1%}" in lines[0]
    table = _run("deepseek-r1", "VST", "CEG", "TLN", "NRG")
    assert f"Placebo: {p['n']} sessions" in table.stdout and "of the 250 sessions before day 0" in table.stdout


def test_explicit_placebo_count_above_the_pool_warns(sample_home):
    res = _run("deepseek-r1", "VST", "--placebo", "1000", "--window", "0,0", "--json")
    assert res.exit_code == 0, res.output
    p = json.loads(res.stdout)["placebo"]
    assert p["requested"] == 1000 and p["n"] == p["candidates"] < 250
    line = next(ln for ln in res.stderr.splitlines() if "asked" in ln)
    assert "1000" in line and str(p["n"]) in line and "--placebo-pool" in line


def test_small_samples_are_flagged_beside_the_cross_sectional_tests(sample_home):
    """The issue's two-asset case (BMP t = -2109, KP -827 on [-1,1]): the table, JSON and
    CSV say the sample is small beside BMP, KP, rank and gsign; not with 5 assets."""
    import json

    from click.testing import CliRunner

    from stress.cli import cli

    def go(*args):
        return CliRunner().invoke(cli, ["--offline", "event-study", "deepseek-r1", *args])

    two = go("VST", "CEG", "--placebo", "0")
    assert two.exit_code == 0, two.output
    agg = [line for line in two.stdout.splitlines() if line.startswith("[-1,1]")][0]
    assert agg.count(" !") == 4  # BMP, KP, rank, gsign; not Patell or crude
    assert "! small sample: N = 2 < 5 assets" in two.stdout
    data = json.loads(go("VST", "CEG", "--placebo", "0", "--json").stdout)
    a = data["aggregate"][0]
    assert a["n"] == 2 and a["small_sample"].startswith("small sample: N = 2 < 5")
    assert a["small_sample_tests"] == ["bmp", "kp", "rank", "gsign"]
    five = json.loads(go("VST", "CEG", "TLN", "NRG", "GEV", "--placebo", "0", "--json").stdout)
    assert five["aggregate"][0]["n"] == 5 and five["aggregate"][0]["small_sample"] is None
