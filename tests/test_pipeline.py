"""The one pipeline (stress.analysis): a book's figures depend on that book alone, the CLI
and the report give the same figures for the same book, and no step below the commands
reads a file."""

from __future__ import annotations

import ast
import builtins
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from stress.cli import cli

ROOT = Path(__file__).resolve().parents[1]
BOOKS = sorted((ROOT / "configs" / "portfolios").glob("*.csv"))

pytestmark = pytest.mark.sample_data


@pytest.fixture(scope="module")
def home(sample_store_path, tmp_path_factory) -> Path:
    h = tmp_path_factory.mktemp("pipeline-home")
    shutil.copy(sample_store_path, h / "prices.sqlite")
    return h


def _json(home: Path, args: list[str]) -> dict:
    res = CliRunner().invoke(cli, ["--offline", *args, "--json"], env={"STRESS_HOME": str(home)},
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


RUN = ["run", "--scenario", "deepseek-r1", "--scenario", "rates-spike", "--shock", "-1",
       "--custom", "VST=-0.30,SPY=-0.02", "--var", "--sims", "2000", "--reverse", "0.10"]


def _book(payload: dict, name: str) -> dict:
    return next(b for b in payload["portfolios"] if b["name"] == name)


def test_a_books_figures_do_not_depend_on_the_other_books(home):
    """The nuclear book alone and with the four other sample books: P&L, bands,
    plausibility, VaR/ES and reverse stress are identical (not merely close)."""
    nuclear = ROOT / "configs/portfolios/nuclear.csv"
    alone = _book(_json(home, [*RUN, str(nuclear)]), "nuclear")
    together = _book(_json(home, [*RUN, *map(str, BOOKS)]), "nuclear")
    assert len(BOOKS) == 5
    for a, b in zip(alone["scenarios"], together["scenarios"]):
        assert a["id"] == b["id"]
        assert (a["pnl"], a["pnl_pct"], a["band"]) == (b["pnl"], b["pnl_pct"], b["band"])
        assert a["plausibility"] == b["plausibility"]
    assert alone["var"] == together["var"]
    assert alone["reverse"] == together["reverse"]
    assert alone["settings"] == together["settings"]
    custom = next(s for s in alone["scenarios"] if s["kind"] == "custom")
    assert custom["plausibility"]["mahalanobis"] > 0


def test_cli_json_and_report_tables_agree(home, tmp_path):
    """The same book and settings: `stress run --json` and the report's CSV tables give
    the same VaR/ES, reverse-stress distance and replay P&L (one pipeline, one default
    number of Monte Carlo draws)."""
    book = ROOT / "configs/portfolios/ai_power.csv"
    cli_json = _book(_json(home, ["run", str(book), "--scenario", "deepseek-r1", "--var",
                                  "--reverse", "0.10"]), "ai_power")
    out = tmp_path / "tables"
    res = CliRunner().invoke(
        cli, ["--offline", "report", "deepseek-r1", "--group", "ai_power", "--placebo", "0",
              "--no-sensitivity", "--scenario", "deepseek-r1", "--portfolio", str(book),
              "--out", str(tmp_path / "r.pdf"), "--out-dir", str(out), "--fixed-date", "2025-02-01"],
        env={"STRESS_HOME": str(home)}, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    var = pd.read_csv(out / "var_es.csv")
    for row in cli_json["var"]:
        if row["regime"] != "before:deepseek-r1":
            continue
        got = var[(var["method"] == row["method"]) & np.isclose(var["level"], row["confidence"])]
        assert len(got) == 1
        assert got["var_before"].iloc[0] == pytest.approx(row["var_pct"], rel=1e-12)
        assert got["es_before"].iloc[0] == pytest.approx(row["es_pct"], rel=1e-12)
    rev = pd.read_csv(out / "reverse_stress.csv")
    assert rev["mahalanobis"].iloc[0] == pytest.approx(
        cli_json["reverse"]["plausible"]["mahalanobis"], rel=1e-12)
    grid = pd.read_csv(out / "pnl_grid.csv", index_col=0)
    replay = next(s for s in cli_json["scenarios"] if s["id"] == "deepseek-r1")
    assert grid.loc["deepseek-r1"].iloc[0] == pytest.approx(replay["pnl_pct"], rel=1e-12)


def test_no_step_below_the_commands_reads_a_file(sample_store, monkeypatch):
    """With the configs read and the market data loaded, the event study, the
    sensitivities and the book runs open no file at all."""
    from stress import analysis
    from stress.config import load_configs
    from stress.eventstudy import EventStudySpec
    from stress.market import market_data
    from stress.portfolio.files import read_portfolio
    from stress.scenarios.runner import RunOptions
    from stress.scenarios.catalogue import shock_spec
    from stress.sensitivity import SensitivitySpec

    configs = load_configs()
    md = market_data(sample_store.read_closes(sample_store.tickers()), configs.universe.market)
    books = [read_portfolio(ROOT / "configs/portfolios/nuclear.csv")]
    specs = [configs.scenarios.get("deepseek-r1"), shock_spec(-1.0)]

    def refuse(*a, **k):
        raise AssertionError(f"a file was opened below the commands: {a[:1]}")

    for target, name in ((builtins, "open"), (io, "open"), (Path, "open"), (Path, "read_text")):
        monkeypatch.setattr(target, name, refuse)
    study = analysis.event_study(md, configs, "deepseek-r1", ["VST", "CEG"], EventStudySpec(placebo=20))
    sens = analysis.sensitivities(md, configs, SensitivitySpec(tickers=("VST", "DUK")))
    run = analysis.stress_books(md, configs, books, specs, RunOptions(var=True, n_sims=500, reverse=0.1))
    monkeypatch.undo()
    assert study.asset("VST").ar_day0 < -0.2
    assert sens.table.loc["VST", "b"] > 0
    assert run.books[0].grid.pnl_pct[0, 0] < 0


# modules that may read files or the store: the data layer, config and paths, the commands
ALLOWED = ("stress/data/", "stress/cli/", "stress/config.py", "stress/paths.py",
           "stress/market.py", "stress/tables_out.py", "stress/atomic.py", "stress/report/pdf.py",
           "stress/portfolio/files.py", "stress/portfolio/batch.py", "stress/scale/")
IO_CALLS = {"open", "read_text", "read_bytes", "read_csv", "read_parquet", "load_yaml",
            "load_events", "load_scenarios", "load_universe", "load_configs", "PriceStore",
            "connect"}


def test_io_calls_live_at_the_edges():
    """No call of a file reader, config loader or the store in the numeric packages."""
    found = []
    for path in sorted((ROOT / "stress").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(ALLOWED):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                if name in IO_CALLS:
                    found.append(f"{rel}:{node.lineno} {name}")
    assert not found, found


def test_results_share_one_vocabulary(sample_store):
    """Event study, sensitivity and run results export the same way: to_frame, to_dict
    (JSON-ready) and summary (text); the words follow the repository's vocabulary."""
    from stress import analysis
    from stress.config import load_configs
    from stress.eventstudy import EventStudySpec
    from stress.market import market_data
    from stress.portfolio.files import read_portfolio
    from stress.scenarios.runner import RunOptions
    from stress.sensitivity import SensitivitySpec

    configs = load_configs()
    md = market_data(sample_store.read_closes(sample_store.tickers()), configs.universe.market)
    results = [
        analysis.event_study(md, configs, "deepseek-r1", ["VST", "NRG"], EventStudySpec(placebo=0)),
        analysis.sensitivities(md, configs, SensitivitySpec(tickers=("VST",))),
        analysis.stress_books(md, configs, [read_portfolio(ROOT / "configs/portfolios/nuclear.csv")],
                              [configs.scenarios.get("deepseek-r1")], RunOptions(var=True, n_sims=500)),
    ]
    for res in results:
        assert isinstance(res.to_frame(), pd.DataFrame) and len(res.to_frame())
        json.dumps(res.to_dict(), default=str)
        assert isinstance(res.summary(), str) and res.summary()
    es, sens, run = results
    assert es.asset("VST").intercept == es.to_dict()["assets"][0]["intercept"]
    assert "intercept" in sens.table.columns and "alpha" not in sens.table.columns
    assert {r["confidence"] for r in run.books[0].var_rows()} == {0.95, 0.99}
    assert "-17.6" in run.summary() or "nuclear" in run.summary()
