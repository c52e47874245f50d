"""`stress run --books FILE --scenarios FILE` on the real prices, in process: values from
the closes read straight from the CSV files, scenario P&L and VaR/ES from the formula,
the grid in Parquet, and one-line errors."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from stress.cli import cli
from tests.conftest import close_on

pytestmark = pytest.mark.sample_data

BOOKS = "book,ticker,shares\nalpha,VST,100\nalpha,NVDA,40\nalpha,CASH,5000\nbeta,XLU,200\nbeta,CEG,30\n"


def invoke(*args):
    return CliRunner().invoke(cli, ["--offline", "run", *map(str, args)])


def files(tmp_path, n=4_000, seed=2):
    (tmp_path / "books.csv").write_text(BOOKS)
    rng = np.random.default_rng(seed)
    cols = ["VST", "NVDA", "XLU", "CEG", "SPY"]
    frame = pd.DataFrame(rng.normal(0, 0.03, (n, 5)), columns=cols)
    frame.insert(0, "scenario", [f"s{i}" for i in range(n)])
    frame.to_csv(tmp_path / "set.csv", index=False, float_format="%.17g")
    return tmp_path / "books.csv", tmp_path / "set.csv", frame


def reference(sample_dir, frame, as_of):
    """Book values from the CSV closes, P&L of every scenario, sorted VaR/ES."""
    books = {"alpha": {"VST": 100, "NVDA": 40}, "beta": {"XLU": 200, "CEG": 30}}
    out = {}
    for name, pos in books.items():
        values = {t: q * close_on(sample_dir, t, as_of) for t, q in pos.items()}
        pnl = sum(v * frame[t].to_numpy() for t, v in values.items())
        losses = np.sort(-pnl)
        n = len(losses)
        res = {}
        for a in (0.95, 0.99):
            k = math.ceil(round(n * a, 9))
            var = losses[k - 1]
            res[a] = (var, (losses[k:].sum() / n + var * (k / n - a)) / (1 - a))
        nav = sum(values.values()) + (5000 if name == "alpha" else 0)
        out[name] = (res, nav, pnl)
    return out


def test_scenario_set_var_es_and_grid_from_the_formula(sample_home, sample_dir, tmp_path):
    books, scen, frame = files(tmp_path)
    grid = tmp_path / "grid.parquet"
    r = invoke("--books", books, "--scenarios", scen, "--chunk-size", 700, "--grid-out", grid, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    as_of = out["settings"]["as_of"]
    assert as_of == "2026-08-03"
    ref = reference(sample_dir, frame, as_of)
    for b in out["books"]:
        res, nav, pnl = ref[b["book"]]
        assert b["nav"] == pytest.approx(nav, rel=1e-12)
        assert set(b["var"]) == {"scenarios"}
        for a in (0.95, 0.99):
            assert b["var"]["scenarios"][str(a)] == pytest.approx(res[a][0], rel=1e-12)
            assert b["es"]["scenarios"][str(a)] == pytest.approx(res[a][1], rel=1e-12)
        assert b["worst_scenario"] == f"s{int(np.argmin(pnl))}"
    g = pd.read_parquet(grid)
    assert len(g) == 2 * len(frame) and out["settings"]["grid_rows"] == len(g)
    wide = g.pivot(index="scenario", columns="book", values="pnl").loc[frame["scenario"]]
    for name in ("alpha", "beta"):
        np.testing.assert_allclose(wide[name].to_numpy(), ref[name][2], rtol=1e-12, atol=1e-8)


def test_out_writes_var_and_es_contributions(sample_home, sample_dir, tmp_path):
    """contributions.csv: -value x (the tail scenarios' returns weighted 1/(n(1-a)), the
    VaR scenario by (k/n - a)/(1 - a)), written out here from the formula."""
    books, scen, frame = files(tmp_path, n=3_000)
    r = invoke("--books", books, "--scenarios", scen, "--chunk-size", 500, "--out", tmp_path / "o")
    assert r.exit_code == 0, r.output
    var = pd.read_csv(tmp_path / "o" / "var.csv")
    con = pd.read_csv(tmp_path / "o" / "contributions.csv")
    ref = reference(sample_dir, frame, "2026-08-03")
    n, a = len(frame), 0.99
    k = math.ceil(round(n * a, 9))
    for name, pos in (("alpha", ("VST", "NVDA")), ("beta", ("XLU", "CEG"))):
        rows = con[con.book == name].set_index("ticker")
        assert list(rows.index) == list(pos)
        es = var[(var.book == name) & (var.method == "scenarios")]["es_0.99"].item()
        assert rows["es_0.99_contribution"].sum() == pytest.approx(es, rel=1e-9)
        order = np.argsort(ref[name][2])  # most negative P&L first
        tail, at_var = order[: n - k], order[n - k]
        for t in pos:
            r_t = frame[t].to_numpy()
            expect = -rows.loc[t, "value"] * (r_t[tail].sum() / (n * (1 - a))
                                              + r_t[at_var] * (k / n - a) / (1 - a))
            assert rows.loc[t, "es_0.99_contribution"] == pytest.approx(expect, rel=1e-9)


def test_var_methods_text_and_propagated_ticker(sample_home, tmp_path):
    books, scen, frame = files(tmp_path, n=1_000)
    frame.drop(columns=["CEG"]).to_csv(tmp_path / "noceg.csv", index=False)
    r = invoke("--books", books, "--scenarios", tmp_path / "noceg.csv", "--var", "--sims", 3000)
    assert r.exit_code == 0, r.output
    assert "propagated from its columns: CEG" in r.output
    for m in ("scenarios", "historical", "normal", "montecarlo"):
        assert re.search(rf"^alpha\s+{m}\s", r.stdout, re.M), m
    assert "VaR95%" in r.output and "Worst scenario of 1,000 per book" in r.output


def test_every_bad_book_row_one_line(sample_home, tmp_path):
    (tmp_path / "b.csv").write_text("book,ticker,shares\na,VST,x\nb,,3\nc,NOPE,1\n")
    (tmp_path / "s.csv").write_text("VST,SPY\n0.1,0.0\n")
    r = invoke("--books", tmp_path / "b.csv", "--scenarios", tmp_path / "s.csv")
    assert r.exit_code == 2
    assert r.output.count("\n") == 1 and r.output.startswith("error: ")
    assert "book a, line 2: VST: shares 'x' is not a number" in r.output
    assert "book b, line 3: empty ticker" in r.output


@pytest.mark.parametrize("args, expect", [
    (["--books", "B", "--scenario", "deepseek-r1"], "--scenario: not available with --books"),
    (["--books", "B", "--var", "--top", "3"], "--top: not available with --books"),
    (["--books", "B", "--var", "PF"], "PORTFOLIO files: not available with --books"),
    (["--books", "B"], "nothing to run"),
    (["--books", "B", "--var", "--grid-out", "g.parquet"], "--grid-out: the grid is books x the"),
    (["--scheduler", "local", "--var"], "need --books FILE"),
    (["--books", "B", "--var", "--sims", "1000000000000"], "needs about"),
])
def test_batch_usage_errors_one_line(sample_home, tmp_path, args, expect):
    (tmp_path / "b.csv").write_text("book,ticker,shares\na,VST,1\n")
    args = [str(tmp_path / "b.csv") if a in ("B", "PF") else a for a in args]
    r = invoke(*args)
    assert r.exit_code == 2, r.output
    assert r.output.count("\n") == 1 and expect in r.output
