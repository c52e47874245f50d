"""One rule for unknown tickers in every command (issue 12): one line naming every ticker
(capped with "and N more"), the config file when they came from one, exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from stress.cli import cli
from stress.data.unknown import capped

ROOT = Path(__file__).resolve().parents[1]


def _run(*args, env=None):
    return CliRunner().invoke(cli, ["--offline", *map(str, args)], env=env)


def _one_line(res):
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    return lines[0]


def test_capped_names_the_first_and_counts_the_rest():
    names = [f"T{i}" for i in range(5000)]
    text = capped(names, 20)
    assert text == " ".join(names[:20]) + " and 4,980 more"
    assert capped(["A", "B"], 20) == "A B"


@pytest.mark.parametrize("args", [
    ["event-study", "deepseek-r1", "VST", "NOSUCH", "ZZZZ"],
    ["event-study", "deepseek-r1", "VST", "--model", "factor", "--factors", "SPY,NOSUCH,ZZZZ"],
    ["sensitivity", "VST", "NOSUCH", "ZZZZ"],
])
def test_every_command_names_every_unknown_ticker_exit_2(sample_home, args):
    line = _one_line(_run(*args))
    assert "NOSUCH" in line and "ZZZZ" in line and "VST" not in line.split("fetch")[0]


def test_sensitivity_no_longer_drops_an_unknown_ticker_with_a_warning(sample_home):
    res = _run("sensitivity", "VST", "NOSUCH")
    assert res.exit_code == 2 and "NOSUCH" in res.stderr


def test_unknown_tickers_from_the_universe_name_the_file(sample_home, tmp_path):
    cfg = tmp_path / "cfg"
    shutil.copytree(ROOT / "configs", cfg)
    u = cfg / "universe.yaml"
    u.write_text(u.read_text().replace("tickers: [VST, CEG, TLN, NRG]", "tickers: [VST, CEG, TLN, NRG, NOPE1]"))
    for cmd in (["event-study", "deepseek-r1", "--group", "ai_power"], ["sensitivity", "--group", "ai_power"]):
        line = _one_line(_run(*cmd, env={"STRESS_CONFIG_DIR": str(cfg)}))
        assert line.startswith(f"error: {u} (group ai_power): no prices for ") and "NOPE1" in line


def test_five_thousand_unknown_tickers_give_a_short_line(sample_home, tmp_path):
    book = tmp_path / "many.csv"
    book.write_text("ticker,shares\nVST,1\n" + "".join(f"Q{i:04d},1\n" for i in range(5000)))
    line = _one_line(_run("run", book, "--shock", "-1"))
    assert len(line) < 1000 and "and 4,980 more" in line and "Q0000 (line 3)" in line


def test_yaml_ticker_on_stays_a_ticker(tmp_path):
    from stress.config import load_universe
    from stress.portfolio.files import read_portfolio

    u = tmp_path / "universe.yaml"
    u.write_text("market: SPY\ngroups:\n  semis: [ON, Y, NVDA]\n  flags: {tickers: [NO, OFF]}\n")
    assert load_universe(u).tickers() == ("ON", "Y", "NVDA", "NO", "OFF")
    b = tmp_path / "book.yaml"
    b.write_text("positions:\n  - {ticker: ON, shares: 10}\n")
    assert read_portfolio(b).tickers == ("ON",)
