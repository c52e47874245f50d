"""Shocks and books that would give impossible numbers (issue 12): refused with one line,
or reported with the tickers whose returns fall below -100%."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from stress.cli import cli
from stress.errors import InputError
from stress.scenarios.hypothetical import MAX_K, below_total_loss, check_shock

BOOKS = Path(__file__).resolve().parents[1] / "configs" / "portfolios"


def invoke(*args):
    return CliRunner().invoke(cli, ["--offline", "run", *map(str, args)])


@pytest.mark.parametrize("k, m, text", [
    (1e9, 0.0, "--shock 1e+09: |k| above 100"),
    (-MAX_K - 1, 0.0, "|k| above"),
    (float("inf"), 0.0, "not a finite number"),
    (-1.0, float("nan"), "--market-move nan: not a finite number"),
    (-1.0, -5.0, "--market-move -5 (-500%): a return of -100% or worse is impossible"),
    (-1.0, -1.0, "-100% or worse"),
    (-1.0, 11.0, "above +1000%"),
])
def test_check_shock_refuses_impossible_sizes(k, m, text):
    with pytest.raises(InputError) as err:
        check_shock(k, m)
    assert text in str(err.value)


def test_check_shock_accepts_plausible_sizes():
    for k, m in [(-1.0, 0.0), (MAX_K, -0.99), (-3.0, 0.5)]:
        check_shock(k, m)


def test_below_total_loss_names_masked_assets_worst_first():
    r = np.array([-1.5, -0.5, -3.0, -1.2, -1.0])
    names = np.array(["A", "B", "C", "D", "E"])
    mask = np.array([True, True, True, False, True])
    assert below_total_loss(r, names, mask) == [("C", -3.0), ("A", -1.5)]  # D not held, E exactly -100%


def test_run_shock_minus_50_says_which_returns_fall_below_minus_100(sample_home):
    r = invoke(BOOKS / "ai_power.csv", "--shock", "-50", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    pos = data["portfolios"][0]["scenarios"][0]["positions"]
    below = sorted((p["ticker"] for p in pos if p["return"] < -1), key=lambda t: t)
    assert "VST" in below  # the issue's -1166%
    warn = [line for line in r.stderr.splitlines() if "below -100%" in line]
    assert len(warn) == 1 and all(t in warn[0] for t in below)
    vst = next(p for p in pos if p["ticker"] == "VST")
    assert f"VST {vst['return']:.1%}" in warn[0]


@pytest.mark.parametrize("args, text", [
    (["--shock", "1e9"], "--shock 1e+09"),
    (["--shock", "-1", "--market-move", "-5"], "--market-move -5"),
    (["--shock", "-1", "--market-move", "nan"], "--market-move nan"),
    (["--reverse", "0.1", "--market-move", "nan"], "--market-move nan"),
    (["--top", "0"], "--top 0"),
    (["--top", "-1"], "--top -1"),
])
def test_run_refuses_impossible_options_in_one_line(sample_home, args, text):
    r = invoke(BOOKS / "ai_power.csv", *args)
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0]


@pytest.mark.parametrize("body, text", [
    ("VST,1e306\nCEG,1e306\n", "position values beyond 1e+15 (line 2: VST"),
    ("VST,0\nCEG,0\n", "every quantity is zero and there is no cash: nothing to value"),
])
def test_books_that_overflow_or_hold_nothing_are_one_line(sample_home, tmp_path, body, text):
    book = tmp_path / "book.csv"
    book.write_text("ticker,shares\n" + body)
    r = invoke(book, "--shock", "-1")
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{book}: " in lines[0] and text in lines[0], r.stderr
    assert "RuntimeWarning" not in r.output + r.stderr
