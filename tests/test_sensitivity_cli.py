"""`stress sensitivity` on the CLI, as a user runs it, on the real prices."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from stress.cli import cli

pytestmark = pytest.mark.sample_data


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_json_for_two_groups(sample_home):
    res = run("--offline", "sensitivity", "--group", "ai_power", "--group", "utilities", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assets = {a["ticker"]: a for a in out["assets"]}
    assert list(assets)[:4] == ["VST", "CEG", "TLN", "NRG"] and "DUK" in assets
    vst = assets["VST"]
    assert vst["group"] == "ai_power"
    assert set(vst["event"]) >= {"b", "se", "ci", "n_events", "r2"}
    assert set(vst["factor"]) >= {"beta_ai", "se", "ci", "beta_mkt"}
    assert vst["event"]["ci"][0] > 0 and vst["factor"]["ci"][0] > 0
    assert vst["comparison"]["actual_ar"] < -0.2
    assert set(vst["shrunk"]) >= {"b", "w", "group_mean"}
    assert assets["DUK"]["comparison"]["actual_ar"] > 0
    ids = [e["id"] for e in out["events"]]
    ds = out["events"][ids.index("deepseek-r1")]
    assert ds["s"] == -1.0 and ds["day0"] == "2025-01-27"
    assert out["settings"]["basket"] == ["VST", "CEG", "TLN", "NRG"]
    assert all(e["direction"] in ("up", "down") for e in out["events"])


def test_table_and_out_dir(sample_home, tmp_path):
    out = tmp_path / "sens"
    res = run("--offline", "sensitivity", "VST", "DUK", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "VST" in res.stdout and "closer" in res.stdout and "beta_ai" in res.stdout
    for name in ("sensitivity.csv", "shocks.csv", "comparison.csv", "rolling.csv"):
        with open(out / name) as fh:
            rows = list(csv.DictReader(fh))
        assert rows, name
    with open(out / "rolling.csv") as fh:
        rolling = list(csv.DictReader(fh))
    assert {r["ticker"] for r in rolling} == {"VST", "DUK"}
    assert rolling[-1]["date"] == "2026-08-03"


def test_options_change_the_estimate(sample_home):
    res = run("--offline", "sensitivity", "VST", "--window", "0,1", "--factor", "VST+CEG-XLU",
              "--basket", "CEG,TLN", "--as-of", "2025-12-31", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["settings"]["window"] == [0, 1] and out["settings"]["factor"] == "VST+CEG-XLU"
    assert out["settings"]["as_of"] == "2025-12-31"
    assert any("part of the factor" in w for w in out["warnings"])
    assert "meta-vistra-oklo-terrapower" not in [e["id"] for e in out["events"]]  # after as-of


@pytest.mark.parametrize(
    "args, code, text",
    [
        (["VST", "--events", "deepseek-r1,nope,stargate"], 2, "unknown event 'nope'"),
        (["VST", "--events", "deepseek-r1,stargate"], 2, "at least 3"),
        (["VST", "--basket", "VST,ZZZZ"], 2, "basket ticker ZZZZ"),  # unknown: exit 2 everywhere
        (["VST", "--factor", "SMH+"], 2, "--factor"),
        (["VST", "--window", "2,1"], 2, "--window"),
        (["--group", "nope"], 2, "unknown group"),
        ([], 2, "name tickers or a --group"),
    ],
)
def test_bad_inputs_one_line(sample_home, args, code, text):
    res = run("--offline", "sensitivity", *args)
    assert res.exit_code == code, res.output
    assert text in res.stderr
    assert res.stderr.strip().count("\n") == 0
    assert "Traceback" not in res.output + res.stderr
