"""Pooled event studies: formulas checked by independent computations, the pool of one
event equal to the single study, pairs files, and size under shared dates."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from stress.cli import cli
from stress.errors import InputError
from stress.eventstudy import EventStudySpec, run_event_study
from stress.eventstudy import robust
from stress.eventstudy.multiple import adjust
from stress.config import read_pairs
from stress.eventstudy.pairs import FirmEvent, from_catalogue
from stress.eventstudy.pooled import run_pooled_study

BASKET = ["VST", "CEG", "TLN", "NRG"]


# -- independent computations from the formulas -----------------------------------------


def _crv1(e, g):
    """One-way CRV1 variance of the mean of e: (G/(G-1)) sum_g (sum_{i in g} e_i)^2 / n^2."""
    n = e.size
    sums = {}
    for ei, gi in zip(e, g):
        sums[gi] = sums.get(gi, 0.0) + ei
    big_g = len(sums)
    return big_g / (big_g - 1.0) * sum(s * s for s in sums.values()) / n**2


def test_clustered_is_the_cameron_gelbach_miller_two_way_formula():
    rng = np.random.default_rng(1)
    n = 60
    firms = rng.integers(0, 12, n)
    dates = rng.integers(0, 9, n)
    scar = rng.standard_normal(n) + 0.3 + 0.5 * rng.standard_normal(9)[dates]
    e = scar - scar.mean()
    inter = [f"{f}-{d}" for f, d in zip(firms, dates)]
    var = _crv1(e, firms) + _crv1(e, dates) - _crv1(e, inter)
    t_want = scar.mean() / np.sqrt(var)
    df = min(len(set(firms)), len(set(dates))) - 1
    t, p = robust.clustered(scar, firms.astype(str), dates)
    assert t == pytest.approx(t_want, rel=1e-10)
    assert p == pytest.approx(2 * stats.t.sf(abs(t_want), df), rel=1e-10)
    assert np.isnan(robust.clustered(scar, firms, np.zeros(n))[0])  # one date: undefined


def test_date_portfolio_averages_per_date_then_t_across_dates():
    scar = np.array([1.0, 3.0, -1.0, 0.5, 2.5, 4.0])
    dates = np.array([5, 5, 7, 9, 9, 9])
    means = [2.0, -1.0, 7.0 / 3.0]
    m, sd = np.mean(means), np.std(means, ddof=1)
    t, p = robust.date_portfolio(scar, dates)
    assert t == pytest.approx(np.sqrt(3) * m / sd)
    assert p == pytest.approx(2 * stats.t.sf(abs(np.sqrt(3) * m / sd), 2))


def test_kp_adjustments_reduce_to_the_papers_formulas_for_one_event():
    rng = np.random.default_rng(2)
    n, r = 8, 0.2
    scar = rng.standard_normal(n) + 0.5
    dof = np.full(n, 238.0)
    z = scar.sum() / np.sqrt(n * 238.0 / 236.0)
    t = np.sqrt(n) * scar.mean() / scar.std(ddof=1)
    got = robust.kp_adjusted(scar, dof, r, n * (n - 1))
    # KP (2010): adjusted Patell Z sqrt(1/(1+(n-1)r)), adjusted BMP t sqrt((1-r)/(1+(n-1)r))
    assert got["adj_patell"][0] == pytest.approx(z / np.sqrt(1 + (n - 1) * r))
    assert got["adj_bmp"][0] == pytest.approx(t * np.sqrt((1 - r) / (1 + (n - 1) * r)))
    assert got["adj_bmp"][1] == pytest.approx(2 * stats.t.sf(abs(got["adj_bmp"][0]), n - 1))
    # no shared dates: nothing to adjust
    none = robust.kp_adjusted(scar, dof, r, 0)
    assert none["adj_patell"][0] == pytest.approx(z) and none["adj_bmp"][0] == pytest.approx(t)


def _grank_loops(sar_est, scar):
    """GRANK-T written out from Kolari and Pynnonen (2011), eqs. for GSAR, U, Z, t."""
    n, l1 = sar_est.shape
    sd = np.std(scar, ddof=1)
    u = np.full((n, l1 + 1), np.nan)
    for i in range(n):
        g = list(sar_est[i]) + [scar[i] / sd]
        present = [k for k in range(l1 + 1) if np.isfinite(g[k])]
        vals = [g[k] for k in present]
        for k in present:
            rank = sum(v < g[k] for v in vals) + (sum(v == g[k] for v in vals) + 1) / 2.0
            u[i, k] = rank / (len(present) + 1.0) - 0.5
    big_t = l1 + 1
    s2 = 0.0
    for k in range(big_t):
        col = [u[i, k] for i in range(n) if np.isfinite(u[i, k])]
        s2 += (len(col) / n) * np.mean(col) ** 2 / big_t
    z = np.mean(u[:, -1]) / np.sqrt(s2)
    t = z * np.sqrt((big_t - 2) / (big_t - 1 - z * z))
    return t, 2 * stats.t.sf(abs(t), big_t - 2)


def test_grank_matches_the_paper_formula_with_gaps():
    rng = np.random.default_rng(3)
    sar = rng.standard_normal((7, 40))
    sar[2, 5:9] = np.nan
    scar = rng.standard_normal(7) * 2 + 1.0
    t, p = robust.grank(sar, scar)
    t_want, p_want = _grank_loops(sar, scar)
    assert t == pytest.approx(t_want, rel=1e-10) and p == pytest.approx(p_want, rel=1e-10)


def test_holm_and_bh_against_their_definitions():
    p = np.array([0.01, 0.04, np.nan, 0.03, 0.20])
    got = adjust(p)
    ok = p[np.isfinite(p)]
    m = ok.size
    order = np.argsort(ok)
    holm = np.empty(m)
    run = 0.0
    for k, i in enumerate(order):
        run = max(run, min(1.0, (m - k) * ok[i]))
        holm[i] = run
    bh = np.empty(m)
    run = 1.0
    for k, i in reversed(list(enumerate(order))):
        run = min(run, m * ok[i] / (k + 1))
        bh[i] = run
    assert np.isnan(got["holm"][2]) and np.isnan(got["bh"][2])
    assert np.allclose(got["holm"][np.isfinite(p)], holm)
    assert np.allclose(got["bh"][np.isfinite(p)], bh)
    from statsmodels.stats.multitest import multipletests

    assert np.allclose(got["holm"][np.isfinite(p)], multipletests(ok, method="holm")[1])


# -- simulated data: a planted effect, and no effect with shared dates ------------------


def _panel(rng, n_firms=20, n_days=1400, rho=0.35, effect=None):
    """Market-model returns with a sector factor left out of the model (residuals
    correlated rho across firms on the same day); ``effect`` {day: AR} planted."""
    m = 0.01 * rng.standard_normal(n_days)
    f = rng.standard_normal(n_days)
    e = rng.standard_normal((n_days, n_firms))
    resid = 0.015 * (np.sqrt(rho) * f[:, None] + np.sqrt(1 - rho) * e)
    r = 0.0002 + 1.1 * m[:, None] + resid
    for day, ar in (effect or {}).items():
        r[day] += ar
    idx = pd.bdate_range("2015-01-05", periods=n_days)
    rets = pd.DataFrame(r, index=idx, columns=[f"F{i:02d}" for i in range(n_firms)])
    rets["MKT"] = m
    closes = 100 * (1 + rets).cumprod()
    return closes


def test_a_planted_effect_is_found_by_every_pooled_test():
    rng = np.random.default_rng(4)
    days = [300, 420, 560, 700, 850, 1000, 1150, 1300]
    closes = _panel(rng, effect={d: 0.03 for d in days}, rho=0.2)
    fes = [FirmEvent(t, closes.index[d].date(), f"e{d}", "up") for d in days for t in closes.columns[:12]]
    res = run_pooled_study(closes, fes, EventStudySpec(market="MKT", windows=((0, 0),), placebo=0))
    row = res.row((0, 0))
    assert row.n == 96 and row.firms == 12 and row.dates == 8
    assert row.caar == pytest.approx(0.03, abs=0.006)
    for test in ("bmp", "clustered", "date_portfolio", "adj_bmp", "adj_patell", "grank"):
        assert row.tests[test][1] < 0.05, test


def test_fitting_dates_in_chunks_changes_nothing(monkeypatch):
    """Dates are fitted in chunks, each on its own firm-events' columns: chunks of 2
    dates give the same result as one batch."""
    from stress.eventstudy import pooled

    rng = np.random.default_rng(8)
    closes = _panel(rng, n_firms=6, n_days=700, rho=0.3)
    fes = [FirmEvent(t, closes.index[d].date(), f"e{d}", "down" if d % 2 else "up")
           for d, ts in [(300, "F00 F01 F02"), (301, "F01 F03"), (420, "F04 F05 F00"), (555, "F02"), (600, "F03 F05")]
           for t in ts.split()]
    spec = EventStudySpec(market="MKT", windows=((0, 0), (-1, 2)), placebo=0)
    one = run_pooled_study(closes, fes, spec, {"g": ["F00", "F01"]}, signed=True)
    monkeypatch.setattr(pooled, "DATES_PER_BATCH", 2)
    many = run_pooled_study(closes, fes, spec, {"g": ["F00", "F01"]}, signed=True)
    assert one.to_frame("tests").equals(many.to_frame("tests"))
    assert one.to_frame("firm_events").equals(many.to_frame("firm_events"))
    assert one.row((0, 0)).shared_pairs == 3 * 2 + 2 + 3 * 2 + 2


def _count_rejections(rej: dict, scar, firms, dates, r: float) -> None:
    """Add to ``rej`` the 5% rejections of naive BMP, two-way clustered, date-portfolio
    and KP-adjusted BMP (mean correlation ``r``, 238 estimation days) on ``scar``."""
    rej["bmp"] += robust.bmp(scar)[1] < 0.05
    rej["clustered"] += robust.clustered(scar, firms, dates)[1] < 0.05
    rej["date_portfolio"] += robust.date_portfolio(scar, dates)[1] < 0.05
    pairs = robust.shared_date_pairs(dates)
    rej["adj_bmp"] += robust.kp_adjusted(scar, np.full(scar.size, 238.0), r, pairs)["adj_bmp"][1] < 0.05


def test_no_effect_naive_bmp_over_rejects_clustered_tests_hold_size():
    """Same 20 firms on 30 shared dates, residuals correlated 0.35 across firms: naive
    BMP rejects far too often; the clustered and date-portfolio tests stay near 5%."""
    rng = np.random.default_rng(20250127)
    n_pools, n_firms, n_dates = 300, 20, 30
    rej = {t: 0 for t in ("bmp", "clustered", "date_portfolio", "adj_bmp")}
    firms = np.repeat(np.arange(n_firms)[None, :], n_dates, 0).ravel()
    dates = np.repeat(np.arange(n_dates), n_firms)
    rho = 0.35
    for _ in range(n_pools):
        # SCARs of firm-events: a common date shock (the factor) plus firm noise
        f = rng.standard_normal(n_dates)
        scar = np.sqrt(rho) * f[dates] + np.sqrt(1 - rho) * rng.standard_normal(firms.size)
        _count_rejections(rej, scar, firms, dates, rho)
    rate = {t: v / n_pools for t, v in rej.items()}
    assert rate["bmp"] > 0.30, rate
    for t in ("clustered", "date_portfolio", "adj_bmp"):
        assert 0.03 <= rate[t] <= 0.07 or abs(rate[t] - 0.05) < 2.0 * np.sqrt(0.05 * 0.95 / n_pools), (t, rate)


def test_firm_effects_need_the_firm_dimension_of_the_clustering():
    """No mean effect, but each firm reacts to this kind of event in its own way (a firm
    component of variance 0.2, random sign, repeated across its 30 events) on top of the
    date shock (0.3): averaging per date leaves the firms' common component in every
    date mean, so the date-portfolio and KP tests over-reject; two-way clustering by
    firm and date holds its size."""
    rng = np.random.default_rng(1)
    n_pools, n_firms, n_dates, rd, rf = 400, 20, 30, 0.3, 0.2
    firms = np.repeat(np.arange(n_firms)[None, :], n_dates, 0).ravel()
    dates = np.repeat(np.arange(n_dates), n_firms)
    rej = {t: 0 for t in ("bmp", "clustered", "date_portfolio", "adj_bmp")}
    for _ in range(n_pools):
        f, g = rng.standard_normal(n_dates), rng.standard_normal(n_firms)
        scar = np.sqrt(rd) * f[dates] + np.sqrt(rf) * g[firms] + np.sqrt(1 - rd - rf) * rng.standard_normal(firms.size)
        _count_rejections(rej, scar, firms, dates, rd)
    rate = {t: v / n_pools for t, v in rej.items()}
    assert rate["bmp"] > 0.40 and rate["date_portfolio"] > 0.10 and rate["adj_bmp"] > 0.10, rate
    assert 0.03 <= rate["clustered"] <= 0.07, rate


def test_no_effect_full_pipeline_size_on_simulated_returns():
    """End to end through the fits: 30 pools of 15 firms x 20 shared dates with
    cross-correlated residuals and no effect; naive BMP over-rejects, the clustered and
    date-portfolio tests do not (30 pools: a coarse check; the 300-pool size checks
    above work on the SCARs; 100 pools gave BMP 49%, Patell 46%, clustered 3%, date
    portfolio 4%, adjusted BMP 3%, adjusted Patell 4%, GRANK 4%)."""
    rng = np.random.default_rng(11)
    rej = {t: 0 for t in ("bmp", "clustered", "date_portfolio", "grank")}
    n_pools = 30
    spec = EventStudySpec(market="MKT", windows=((0, 0),), placebo=0, estimation=(-120, -11))
    for _ in range(n_pools):
        closes = _panel(rng, n_firms=15, n_days=900, rho=0.35)
        days = np.sort(rng.choice(np.arange(150, 890), 20, replace=False))
        fes = [FirmEvent(t, closes.index[d].date(), f"e{d}") for d in days for t in closes.columns[:15]]
        row = run_pooled_study(closes, fes, spec).row((0, 0))
        for t in rej:
            rej[t] += row.tests[t][1] < 0.05
    rate = {t: v / n_pools for t, v in rej.items()}
    assert rate["bmp"] > 0.25, rate
    assert rate["clustered"] <= 0.15 and rate["date_portfolio"] <= 0.15, rate


# -- real data ---------------------------------------------------------------------------


def test_a_pool_of_one_event_equals_the_single_study(sample_store):
    closes = sample_store.read_closes(BASKET + ["SPY"])
    from stress.config import load_events

    ev = load_events().get("deepseek-r1")
    spec = EventStudySpec(placebo=0)
    single = run_event_study(closes, ev, BASKET, spec)
    pooled = run_pooled_study(closes, from_catalogue([ev], BASKET), spec)
    for agg in single.aggregate:
        row = pooled.row(agg.window)
        assert row.n == agg.n == 4 and row.firms == 4 and row.dates == 1
        assert row.caar == pytest.approx(agg.caar, rel=1e-12)
        for mine, theirs in (("patell", "patell"), ("bmp", "bmp"), ("adj_bmp", "kp")):
            assert row.tests[mine][0] == pytest.approx(agg.tests[theirs][0], rel=1e-9), mine
        assert row.mean_corr == pytest.approx(agg.mean_corr, rel=1e-9)
        bhar = np.mean([a.windows[single.spec.windows.index(agg.window)].bhar for a in single.assets])
        assert row.mean_bhar == pytest.approx(bhar, rel=1e-12)
    # DeepSeek day 0, by hand: the basket's market-model ARs are about -19% (raw -21%)
    assert pooled.row((0, 0)).caar < -0.15


def test_signed_pool_flips_down_events(sample_store):
    from stress.config import load_events

    cat = load_events()
    evs = [cat.get("deepseek-r1"), cat.get("microsoft-constellation-crane")]
    closes = sample_store.read_closes(BASKET + ["SPY"])
    spec = EventStudySpec(placebo=0, windows=((0, 0),))
    plain = run_pooled_study(closes, from_catalogue(evs, BASKET), spec)
    signed = run_pooled_study(closes, from_catalogue(evs, BASKET), spec, signed=True)
    ds_plain, ds_signed = plain.row((0, 0), "deepseek-r1"), signed.row((0, 0), "deepseek-r1")
    assert ds_signed.caar == pytest.approx(-ds_plain.caar)
    assert signed.row((0, 0), "microsoft-constellation-crane").caar == pytest.approx(
        plain.row((0, 0), "microsoft-constellation-crane").caar)
    assert any("multiplied by -1" in n for n in signed.notes)
    assert signed.row((0, 0)).caar > 0.15  # both AI-demand shocks point the same way


def write(tmp_path, text, name="pairs.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_pairs_weekend_date_maps_to_the_next_session(sample_store, tmp_path):
    closes = sample_store.read_closes(["CEG", "TLN", "SPY"])
    path = write(tmp_path, "ticker,date\nCEG,2024-09-21\nTLN,2024-03-04\n")
    res = run_pooled_study(closes, read_pairs(path), EventStudySpec(placebo=0, windows=((0, 0),)))
    ceg = next(f for f in res.firm_events if f.ticker == "CEG")
    assert ceg.date == "2024-09-21" and ceg.day0 == "2024-09-23"
    assert any("line 2" in w and "2024-09-23" in w and "not a trading day" in w for w in res.warnings)
    single = run_event_study(closes, "2024-09-21", ["CEG"], EventStudySpec(placebo=0, windows=((0, 0),)))
    assert ceg.windows[0][1] == pytest.approx(single.asset("CEG").windows[0].car, rel=1e-12)


@pytest.mark.parametrize("text, pattern", [
    ("ticker,date\nCEG,2024-09-20\nCEG,2024-09-20\n", r"pairs.csv, line 3: duplicate pair CEG 2024-09-20 \(first on line 2\)"),
    ("ticker,date\nCEG,2024-13-01\n", r"pairs.csv, line 2: date '2024-13-01' is not a valid date"),
    ("ticker,date\nCEG,20/09/2024\n", r"pairs.csv, line 2: date '20/09/2024'"),
    ("ticker,day\nCEG,2024-09-20\n", r"pairs.csv, line 1: expected a header"),
    ("ticker,date\n,2024-09-20\n", r"pairs.csv, line 2: empty ticker"),
    ("ticker,date\n", r"no firm-event rows"),
])
def test_bad_pairs_files_are_one_line_naming_file_and_line(tmp_path, text, pattern):
    with pytest.raises(InputError, match=pattern) as info:
        read_pairs(write(tmp_path, text))
    assert "\n" not in str(info.value)


def test_unknown_ticker_and_same_day0_twice_name_the_line(sample_store, tmp_path):
    closes = sample_store.read_closes(["CEG", "SPY"])
    with pytest.raises(Exception, match=r"pairs.csv, line 3: no prices for ZZZZ"):
        run_pooled_study(closes, read_pairs(write(tmp_path, "ticker,date\nCEG,2024-09-20\nZZZZ,2024-09-20\n")))
    twice = write(tmp_path, "ticker,date\nCEG,2024-09-21\nCEG,2024-09-23\n")
    with pytest.raises(InputError, match=r"line 3: CEG on day 0 2024-09-23 twice \(also .*line 2\)"):
        run_pooled_study(closes, read_pairs(twice))


def test_cli_pooled_direction_and_pairs(sample_home, tmp_path):
    run = lambda *a: CliRunner().invoke(cli, ["--offline", *a], catch_exceptions=False)
    res = run("event-study", "--direction", "up", "--group", "ai_power", "--window", "0,0", "--json")
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    top = got["aggregates"][0]
    assert top["scope"] == "all" and top["dates"] >= 20 and top["firms"] == 4
    assert {"stat", "p", "p_holm", "p_bh"} <= set(top["tests"]["clustered"])
    assert top["tests"]["clustered"]["p_holm"] >= top["tests"]["clustered"]["p"]
    res = run("event-study", "--pairs", "configs/pairs/utility_deals.csv", "--window", "0,0")
    assert res.exit_code == 0, res.output
    assert "8 firm-events, 5 distinct firms, 7 distinct dates" in res.stdout
    assert "clustered" in res.stdout and "GRANK" in res.stdout
    bad = write(tmp_path, "ticker,date\nCEG,2024-09-31\n")
    res = CliRunner().invoke(cli, ["--offline", "event-study", "--pairs", str(bad)])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "line 2" in res.stderr
    unknown = write(tmp_path, "ticker,date\nCEG,2024-09-20\nZZZZ,2024-09-20\n", "mine.csv")
    res = CliRunner().invoke(cli, ["--offline", "event-study", "--pairs", str(unknown)])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert "mine.csv, line 3: no prices for ZZZZ" in res.stderr
    res = run("event-study", "--kind", "nuclear-deal", "--kind", "no-such-kind", "VST")
    assert res.exit_code == 2 and "no-such-kind" in res.stderr


def test_pooled_ids_on_the_command_line_and_out_csv(sample_home, tmp_path):
    res = CliRunner().invoke(cli, ["--offline", "event-study", "deepseek-r1,microsoft-constellation-crane",
                                   "VST", "CEG", "--signed", "--out", str(tmp_path / "o")],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "4 firm-events, 2 distinct firms, 2 distinct dates" in res.stdout
    assert "multiplied by -1" in res.stdout
    frame = pd.read_csv(tmp_path / "o" / "pooled_tests.csv")
    assert {"p", "p_holm", "p_bh", "firms", "dates"} <= set(frame.columns)
    assert (frame["p_holm"].dropna() >= frame.loc[frame["p_holm"].notna(), "p"] - 1e-12).all()


def test_clustered_closed_form_equals_statsmodels_two_way_cluster():
    """The two-way clustered t (closed form, no statsmodels import in a study) equals
    statsmodels' OLS on a constant with cov_type='cluster' and two group columns."""
    import statsmodels.api as sm

    rng = np.random.default_rng(1)
    for _ in range(5):
        n = 200
        firms, dates = rng.integers(0, 15, n), rng.integers(0, 9, n)
        s = rng.normal(0.1, 1, n) + 0.3 * rng.normal(size=15)[firms]
        groups = np.column_stack([np.unique(firms, return_inverse=True)[1],
                                  np.unique(dates, return_inverse=True)[1]])
        fit = sm.OLS(s, np.ones((n, 1))).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        t, p = robust.clustered(s, firms, dates)
        assert t == pytest.approx(fit.params[0] / np.sqrt(fit.cov_params()[0, 0]), rel=1e-12)
        assert p == pytest.approx(fit.pvalues[0], rel=1e-10)
