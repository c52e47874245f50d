"""``stress run`` through click's CliRunner on the real data (sample_home)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from stress.cli import cli
from conftest import close_on

BOOKS = Path(__file__).resolve().parents[1] / "configs" / "portfolios"


def invoke(*args):
    return CliRunner().invoke(cli, ["--offline", "run", *map(str, args)])


def test_default_replays_deepseek(sample_home):
    r = invoke(BOOKS / "ai_power.csv")
    assert r.exit_code == 0, r.output
    assert "deepseek-r1" in r.output and "top losers" in r.output and "VST" in r.output


def test_all_scenarios_json_and_out(sample_home, sample_dir, tmp_path):
    out = tmp_path / "out"
    r = invoke(BOOKS / "ai_power.csv", BOOKS / "utility_income.csv", BOOKS / "grid_buildout.yaml",
               "--all-scenarios", "--json", "--out", out)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    books = data["portfolios"]
    assert [Path(b["file"]).name for b in books] == ["ai_power.csv", "utility_income.csv", "grid_buildout.yaml"]
    ids = [s["id"] for s in books[0]["scenarios"]]
    assert {"deepseek-r1", "deepseek-x2", "jevons-rebound", "vst-crash", "brexit-vote"} <= set(ids)
    ds = books[0]["scenarios"][ids.index("deepseek-r1")]
    vst = next(p for p in ds["positions"] if p["ticker"] == "VST")
    assert vst["return"] == pytest.approx(close_on(sample_dir, "VST", "2025-01-27") / close_on(sample_dir, "VST", "2025-01-24") - 1)
    assert vst["value"] == pytest.approx(1200 * close_on(sample_dir, "VST", "2026-08-03"))
    assert ds["pnl"] == pytest.approx(sum(p["pnl"] for p in ds["positions"]))
    assert ds["pnl_pct"] == pytest.approx(ds["pnl"] / books[0]["nav"])
    assert books[1]["scenarios"][ids.index("deepseek-r1")]["pnl"] > 0  # utilities rose
    brexit = books[0]["scenarios"][ids.index("brexit-vote")]
    assert "VST" in brexit["propagated"] and "NRG" not in brexit["propagated"]
    x2 = books[0]["scenarios"][ids.index("deepseek-x2")]
    rep = books[0]["scenarios"][ids.index("deepseek-repeat")]
    assert x2["pnl"] == pytest.approx(2 * rep["pnl"])
    assert x2["band"]["lo"] < x2["pnl"] < x2["band"]["hi"]
    assert {p.name for p in out.iterdir()} == {"grid.csv", "positions.csv"}
    with open(out / "grid.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 * len(ids)


def test_custom_var_reverse(sample_home):
    r = invoke(BOOKS / "nuclear.csv", "--custom", "VST=-0.30,SPY=-0.02", "--var", "--sims", "2000",
               "--reverse", "0.10", "--json")
    assert r.exit_code == 0, r.output
    book = json.loads(r.stdout)["portfolios"][0]
    assert [s["id"] for s in book["scenarios"]] == ["custom(VST=-0.3,SPY=-0.02)"]
    vst = next(p for p in book["scenarios"][0]["positions"] if p["ticker"] == "VST")
    assert vst["return"] == pytest.approx(-0.30) and vst["source"] == "shocked"
    regimes = {row["regime"] for row in book["var"]}
    assert regimes == {"current", "before:deepseek-r1", "stressed:deepseek-r1"}
    assert all(row["var"] > 0 for row in book["var"])
    rev = book["reverse"]
    assert rev["ai_shock"]["pnl"] == pytest.approx(-0.10 * book["nav"])
    assert rev["plausible"]["pnl"] == pytest.approx(-0.10 * book["nav"])
    text = invoke(BOOKS / "nuclear.csv", "--shock", "-1", "--var", "--sims", "2000", "--reverse", "0.1")
    assert text.exit_code == 0, text.output
    assert "VaR / ES" in text.output and "Reverse stress" in text.output and "shock(k=-1)" in text.output


def test_reverse_beyond_a_total_loss_is_flagged(sample_home):
    """A long-only book cannot lose 200% of NAV: the linear answers need returns below
    -100%, and the run says so (per book and answer) instead of printing them silently."""
    r = invoke(BOOKS / "ai_power.csv", "--reverse", "2", "--json")
    assert r.exit_code == 0, r.output
    rev = json.loads(r.stdout)["portfolios"][0]["reverse"]
    below = [t["ticker"] for t in rev["plausible"]["top"] if t["return"] < -1]
    assert below  # the premise: the plausible shock needs a holding below -100%
    lines = [ln for ln in r.stderr.splitlines() if "below -100%" in ln]
    assert len(lines) == 2  # the AI-shock k and the most plausible shock
    assert all(ln.startswith("warning: ai_power: reverse 200% of NAV") for ln in lines)
    assert all(t in lines[1] for t in below)
    ok = invoke(BOOKS / "ai_power.csv", "--reverse", "0.1", "--json")
    rev = json.loads(ok.stdout)["portfolios"][0]["reverse"]
    assert min(t["return"] for t in rev["plausible"]["top"]) > -1
    assert "below -100%" not in ok.stderr


def test_window_widens_the_replay(sample_home):
    r = invoke(BOOKS / "ai_power.csv", "--scenario", "deepseek-r1", "--window", "0,4", "--json")
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)["scenarios"][0]
    assert (s["id"], s["t0"], s["t1"], s["sessions"]) == ("deepseek-r1[0,4]", "2025-01-24", "2025-01-31", 5)


def test_list_scenarios(sample_home):
    r = invoke("--list-scenarios")
    assert r.exit_code == 0 and "jevons-rebound" in r.output and "deepseek-r1" in r.output


@pytest.mark.parametrize(
    "args, expect",
    [
        (["--scenario", "deepseek-r2"], "unknown scenario 'deepseek-r2'"),
        (["--scenario", "deepseek-x2", "--window", "0,4"], "--window"),
        (["--window", "4,0"], "start 4 is after end 0"),
        (["--custom", "VST=oops"], "'VST=oops' is not TICKER=RETURN"),
        (["--reverse", "-0.1"], "--reverse -0.1"),
    ],
)
def test_bad_options_one_line(sample_home, args, expect):
    r = invoke(BOOKS / "ai_power.csv", *args)
    assert r.exit_code == 2, r.output
    assert expect in r.output and "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1


def test_bad_portfolio_file_one_line(sample_home, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("ticker,shares\nVST,100\nNOPE,5\nCEG,x\n")
    r = invoke(bad)
    assert r.exit_code == 2 and "line 4: CEG: shares 'x' is not a number" in r.stderr
    bad.write_text("ticker,shares\nVST,100\nNOPE,5\nFAKE,1\n")
    r = invoke(bad)
    assert r.exit_code == 2
    assert "NOPE (line 3)" in r.stderr and "FAKE (line 4)" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_as_of_after_the_data_warns_with_the_date_used(sample_home):
    r = invoke(BOOKS / "ai_power.csv", "--as-of", "2030-01-01")
    assert r.exit_code == 0, r.output
    assert ("warning: --as-of 2030-01-01 is not a stored session; valued as of 2026-08-03, "
            "the last stored session on or before it") in r.stderr


def test_blas_single_threaded_unless_the_user_says(monkeypatch):
    from stress.cli import BLAS_THREADS, single_threaded_blas

    for name in BLAS_THREADS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "4")  # the user's own setting is kept
    single_threaded_blas()
    import os

    assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["OMP_NUM_THREADS"] == "1"
    assert os.environ["MKL_NUM_THREADS"] == "4"
