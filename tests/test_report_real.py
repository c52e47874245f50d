"""The DeepSeek report on the real data, through the CLI: the PDF's text carries the
numbers, checked against independent computations (a plain OLS market model, a hand
replay of the portfolio) and against the computations' public APIs; page count and
titles; reruns with --fixed-date are byte-identical; an event outside the data is one
clear error."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from stress.cli import cli
from stress import fmt

ROOT = Path(__file__).resolve().parents[1]
BOOKS = [ROOT / "configs/portfolios/ai_power.csv", ROOT / "configs/portfolios/utility_income.csv"]
ARGS = ["--offline", "report", "deepseek-r1", "--group", "ai_power", "--group", "utilities",
        "--placebo", "30", "--sims", "1000", "--fixed-date", "2025-02-01",
        "--portfolio", str(BOOKS[0]), str(BOOKS[1])]  # a shell glob: extra files after EVENT


@pytest.fixture(scope="module")
def home(sample_store_path, tmp_path_factory) -> Path:
    h = tmp_path_factory.mktemp("report-home")
    shutil.copy(sample_store_path, h / "prices.sqlite")
    return h


def _run(home: Path, args: list[str]):
    return CliRunner().invoke(cli, args, env={"STRESS_HOME": str(home)}, catch_exceptions=False)


@pytest.fixture(scope="module")
def report(home, tmp_path_factory):
    """One full report (event study, sensitivity, two books): its PDF, text per page, CSVs."""
    from pypdf import PdfReader

    out = tmp_path_factory.mktemp("report-out")
    res = _run(home, ARGS + ["--out", str(out / "deepseek.pdf"), "--out-dir", str(out / "csv")])
    assert res.exit_code == 0, res.output
    reader = PdfReader(out / "deepseek.pdf")
    pages = [p.extract_text() for p in reader.pages]
    return {"dir": out, "reader": reader, "pages": pages, "text": "\n".join(pages), "output": res.output}


def _market_model_ar0(closes: pd.DataFrame, ticker: str, day0: str) -> float:
    """Day-0 abnormal return by a plain OLS market model on days [-250, -11]."""
    r = closes[[ticker, "SPY"]].pct_change().iloc[1:]
    pos = r.index.get_loc(pd.Timestamp(day0))
    est = r.iloc[pos - 250: pos - 10].dropna()
    x = np.column_stack([np.ones(len(est)), est["SPY"]])
    (a, b), *_ = np.linalg.lstsq(x, est[ticker].to_numpy(), rcond=None)
    return float(r[ticker].iloc[pos] - a - b * r["SPY"].iloc[pos])


@pytest.mark.sample_data
def test_pages_and_titles(report):
    from stress.report.sections import TITLES

    flat = [p.replace("\n", " ") for p in report["pages"]]
    assert "Executive summary" in flat[0] and "Contents" in flat[1]
    assert "Report date 2025-02-01" in flat[0] and "Data cut-off: prices to 2026-08-03" in flat[0]
    expected = [TITLES[k] for k in ("findings", "book", "paths", "day0", "tests", "placebo",
                                    "rebound", "sensitivity", "fingerprint", "holdings",
                                    "heatmap", "var", "reverse", "glossary", "limitations",
                                    "methods")]
    expected += [TITLES["waterfall"] + ": deepseek-r1", TITLES["waterfall"] + ": deepseek-repeat"]
    for title in expected:
        assert any(title in page for page in flat), title
        assert title in flat[1]  # listed in the contents
    outline = [o.title for o in report["reader"].outline if not isinstance(o, list)]
    assert outline[0] == "Executive summary" and "Glossary" in outline
    n = len(report["pages"])
    for i, page in enumerate(report["pages"], start=1):
        assert f"page {i} of {n}" in page
        assert "prices to 2026-08-03" in page and "model market" in page and "market SPY" in page
        assert "/work/" not in page and "/tmp/" not in page  # no local absolute paths
    meta = report["reader"].metadata
    assert meta.title.startswith("DeepSeek") and "deepseek-r1" in meta.subject
    assert meta.creation_date.date().isoformat() == "2025-02-01"


def _page(report, title: str) -> str:
    """The first page after the summary and the contents that shows ``title``."""
    return next(p for p in report["pages"][2:] if title in p.replace("\n", " "))


@pytest.mark.sample_data
def test_vst_day0_abnormal_return_matches_an_independent_ols(report, sample_store):
    closes = sample_store.read_closes(["VST", "SPY"])
    ar = _market_model_ar0(closes, "VST", "2025-01-27")
    assert ar < -0.20
    day0_page = _page(report, "Day-0 abnormal return by asset")
    assert "VST" in day0_page
    assert f"{fmt.pct(ar)}***" in day0_page  # the bar label, with its significance marks
    raw = closes["VST"].loc["2025-01-27"] / closes["VST"].loc["2025-01-24"] - 1
    assert round(raw, 3) == -0.283


@pytest.mark.sample_data
def test_kp_statistic_and_words_match_the_event_study(report, sample_store):
    from stress.config import load_events, load_universe
    from stress.eventstudy import EventStudySpec, run_event_study

    u = load_universe()
    groups = {g: list(u.group(g).tickers) for g in ("ai_power", "utilities")}
    closes = sample_store.read_closes([t for m in groups.values() for t in m] + ["SPY"])
    res = run_event_study(closes, "deepseek-r1", [], EventStudySpec(placebo=30), groups,
                          catalogue=load_events())
    agg = res.window((0, 0), "ai_power")
    kp, bmp = agg.tests["kp"], agg.tests["bmp"]
    # the KP formula, independently: BMP * sqrt((1 - r) / (1 + (N - 1) r))
    r, n = agg.mean_corr, agg.n
    assert kp[0] == pytest.approx(bmp[0] * np.sqrt((1 - r) / (1 + (n - 1) * r)), rel=1e-9)
    findings = _page(report, "Findings of the event study").replace("\n", " ")
    assert "AI-power producers fell most" in findings
    assert f"was {fmt.pct(agg.caar)} across {n} assets" in findings
    assert f"turns the BMP t into {fmt.num(kp[0])} ({fmt.p_phrase(kp[1])})" in findings
    assert f"BMP t = {fmt.num(bmp[0])}" in findings
    tests_page = _page(report, "Significance tests")
    assert f"{fmt.num(kp[0])}\n({fmt.pval(kp[1])})" in tests_page or fmt.num(kp[0]) in tests_page
    # utilities rose on day 0
    assert res.window((0, 0), "utilities").caar > 0


@pytest.mark.sample_data
def test_replay_pnl_on_the_page_matches_a_hand_computation(report, sample_store):
    book = pd.read_csv(BOOKS[0], comment="#")
    cash = float(book.loc[book["ticker"] == "CASH", "shares"].sum())
    pos = book[book["ticker"] != "CASH"]
    closes = sample_store.read_closes(list(pos["ticker"]))
    as_of = closes.dropna().index[-1]
    values = pos["shares"].to_numpy() * closes.loc[as_of, list(pos["ticker"])].to_numpy()
    ret = (closes.loc["2025-01-27"] / closes.loc["2025-01-24"] - 1)[list(pos["ticker"])].to_numpy()
    pnl_pct = float(values @ ret / (values.sum() + cash))
    heatmap = _page(report, "Portfolio P&L by scenario")
    assert fmt.pct(pnl_pct) in heatmap
    assert pnl_pct < -0.15
    grid = pd.read_csv(report["dir"] / "csv" / "pnl_grid.csv").set_index("scenario")
    assert grid.loc["deepseek-r1", "ai_power"] == pytest.approx(pnl_pct, rel=1e-9)
    # reverse stress: a shock of k units costs the book 10% (the sentence and its number)
    rev = pd.read_csv(report["dir"] / "csv" / "reverse_stress.csv").set_index("portfolio")
    k = rev.loc["ai_power", "k"]
    assert -1.5 < k < 0  # less than two DeepSeeks loses 10% of a concentrated AI-power book
    assert f"A shock of {fmt.num(k, 2, sign=True)} DeepSeek units" in _page(report, "Reverse stress by book").replace("\n", " ")


@pytest.mark.sample_data
def test_csv_tables_behind_the_charts(report):
    names = {p.stem for p in (report["dir"] / "csv").glob("*.csv")}
    assert {"tests", "car_paths", "day0_assets", "placebo", "rebound", "sensitivity", "holdings",
            "pnl_grid", "var_es", "reverse_stress"} <= names
    day0 = pd.read_csv(report["dir"] / "csv" / "day0_assets.csv").set_index("ticker")
    assert day0.loc["VST", "ar0"] < -0.20
    paths = pd.read_csv(report["dir"] / "csv" / "car_paths.csv")
    tests = pd.read_csv(report["dir"] / "csv" / "tests.csv")
    # the CAR path at day 0 minus day -1 is the day-0 CAAR of the group
    p = paths[paths["group"] == "ai_power"].set_index("day")["caar"]
    caar0 = tests[(tests["group"] == "ai_power") & (tests["a"] == 0) & (tests["b"] == 0)]["caar"].iloc[0]
    assert p.loc[0] - p.loc[-1] == pytest.approx(caar0, abs=1e-12)


def test_recovery_share_only_for_significant_day0_moves(report):
    """ai_power fell significantly (KP p < 0.05): its recovery share is 1 - CAR(0,h)/CAR(0,0)
    from the CAR path; utilities' day-0 move is not significant: no share, and the page says so."""
    csv = report["dir"] / "csv"
    tests = pd.read_csv(csv / "tests.csv")
    kp_p = tests[(tests["a"] == 0) & (tests["b"] == 0)].set_index("group")["kp_p"]
    assert kp_p["ai_power"] < 0.05 <= kp_p["utilities"]
    share = pd.read_csv(csv / "recovered.csv").set_index(["group", "horizon"])["share"]
    path = pd.read_csv(csv / "rebound.csv").set_index(["group", "day"])["car"]
    expected = 1 - path[("ai_power", 20)] / path[("ai_power", 0)]
    assert share[("ai_power", 20)] == pytest.approx(expected, rel=1e-12)
    assert share[("utilities", 20)] != share[("utilities", 20)]  # NaN: not given
    assert "the day-0 move is not significant" in report["text"].replace("\n", " ")


@pytest.mark.sample_data
def test_fixed_date_reruns_are_identical(home, tmp_path):
    light = ["--offline", "report", "deepseek-r1", "--group", "ai_power", "--placebo", "20",
             "--no-sensitivity", "--fixed-date", "2025-02-01", "--paper", "letter"]
    a, b, c = tmp_path / "a.pdf", tmp_path / "b.pdf", tmp_path / "c.pdf"
    for out in (a, b):
        res = _run(home, light + ["--out", str(out)])
        assert res.exit_code == 0, res.output
    assert a.read_bytes() == b.read_bytes()
    # serial (no forked workers for the charts and backtests): the same bytes
    res = CliRunner().invoke(cli, light + ["--out", str(c)], catch_exceptions=False,
                             env={"STRESS_HOME": str(home), "STRESS_THREADS": "1"})
    assert res.exit_code == 0, res.output
    assert c.read_bytes() == a.read_bytes()


@pytest.mark.sample_data
def test_event_outside_the_data_is_one_clear_line(home):
    res = CliRunner().invoke(cli, ["--offline", "report", "2031-03-03", "--group", "ai_power"],
                             env={"STRESS_HOME": str(home)})
    assert res.exit_code == 2  # the same line and code as `stress event-study`: bad input
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: event date 2031-03-03")
    assert "2026-08-03" in lines[0] and "Traceback" not in res.output


@pytest.mark.sample_data
def test_recovery_page_dates_match_the_closes(report, sample_store):
    """The Jevons page: the first session after DeepSeek whose close is back at the close
    of 2025-01-24, found directly in the closes, is the date on the page and in the CSV."""
    rec = pd.read_csv(report["dir"] / "csv" / "recovery_assets.csv").set_index("ticker")
    closes = sample_store.read_closes(["VST", "CEG", "TLN", "NRG"])
    expected = {"TLN": "2025-02-18", "NRG": "2025-02-18", "VST": "2025-06-27", "CEG": "2025-07-31"}
    for t, want in expected.items():
        c = closes[t].dropna()
        pre = c.loc["2025-01-24"]
        after = c.loc["2025-01-28":]
        first = after[after >= pre].index[0].date().isoformat()
        assert first == want
        assert rec.loc[t, "date"] == want
        n = int(c.index.get_loc(after[after >= pre].index[0]) - c.index.get_loc(pd.Timestamp("2025-01-27")))
        assert rec.loc[t, "sessions"] == n
    page = _page(report, "Recovery: was the move reversed").replace("\n", " ")
    assert "2025-07-31" in page and "2025-02-18" in page


@pytest.mark.sample_data
def test_confounders_are_named_beside_the_windows(report):
    conf = pd.read_csv(report["dir"] / "csv" / "confounders.csv").set_index("id")
    assert conf.loc["td-cowen-microsoft-leases", "day"] == 18
    assert "[0,+20]" in conf.loc["td-cowen-microsoft-leases", "windows"]
    findings = _page(report, "Findings of the event study").replace("\n", " ")
    assert "td-cowen-microsoft-leases, day +18" in findings
    assert "own only up to day +17" in findings
    tests = pd.read_csv(report["dir"] / "csv" / "tests.csv")
    note = tests[(tests["a"] == 0) & (tests["b"] == 20)]["note"].iloc[0]
    assert "td-cowen-microsoft-leases (day +18)" in note


@pytest.mark.sample_data
def test_an_unattainable_reverse_shock_is_never_a_plain_headline(home, tmp_path):
    """diversified_6040 needs k = -5.84 DeepSeek units to lose 10%, which takes VST below
    -100%: the summary, the reverse-stress page and reverse_stress.csv say it is not
    attainable, as the CLI does."""
    from pypdf import PdfReader

    book = ROOT / "configs/portfolios/diversified_6040.csv"
    res = _run(home, ["--offline", "report", "deepseek-r1", "--group", "ai_power", "--placebo", "0",
                      "--no-sensitivity", "--sims", "1000", "--portfolio", str(book),
                      "--out", str(tmp_path / "r.pdf"), "--out-dir", str(tmp_path / "csv")])
    assert res.exit_code == 0, res.output
    rev = pd.read_csv(tmp_path / "csv" / "reverse_stress.csv").set_index("portfolio")
    k = rev.loc["diversified_6040", "k"]
    assert k < -5 and not rev.loc["diversified_6040", "attainable"]
    assert "below -100%" in rev.loc["diversified_6040", "note"]
    pages = [p.extract_text().replace("\n", " ") for p in PdfReader(tmp_path / "r.pdf").pages]
    assert "no attainable AI shock costs 10%" in pages[0]
    assert f"the linear answer {fmt.num(k, 2, sign=True)} needs returns below -100%" in pages[0]
    reverse = next(p for p in pages[2:] if "Reverse stress by book" in p)
    assert "is not attainable" in reverse and f"A shock of {fmt.num(k, 2, sign=True)}" not in reverse
