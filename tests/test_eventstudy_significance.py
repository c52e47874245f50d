"""Every aggregate test against a plain computation from its formula, and test size on
simulated data (iid, and correlated residuals on a common event date)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from stress.eventstudy.batch import aggregates, run_batch
from stress.eventstudy.spec import EventStudySpec

WINDOWS = ((0, 0), (-1, 1), (0, 5))


def _sim(n_assets=8, n_days=420, rho=0.5, seed=11, effect=-0.03):
    """Market model with residuals sharing a common factor (correlation rho)."""
    rng = np.random.default_rng(seed)
    mkt = rng.normal(0.0003, 0.01, n_days)
    common = rng.normal(0, 1, n_days)
    idio = rng.normal(0, 1, (n_days, n_assets))
    sd = np.linspace(0.01, 0.03, n_assets)
    eps = sd * (np.sqrt(rho) * common[:, None] + np.sqrt(1 - rho) * idio)
    r = 0.0005 + np.outer(mkt, np.linspace(0.6, 1.8, n_assets)) + eps
    r[350] += effect * np.linspace(0.5, 1.5, n_assets)
    r[100:110, 2] = np.nan  # different masks: exercises the pairwise correlation path
    return r, mkt


def _reference(r, mkt, day0, spec):
    """Per asset with statsmodels; per window every test with loops from the formulas."""
    a, b = spec.estimation
    est = np.arange(day0 + a, day0 + b + 1)
    first, last = min(w[0] for w in spec.windows), max(w[1] for w in spec.windows)
    period = np.arange(day0 + first, day0 + last + 1)
    n = r.shape[1]
    resid = np.full((len(est), n), np.nan)
    per = []
    for j in range(n):
        y = r[est, j]
        ok = np.isfinite(y)
        res = sm.OLS(y[ok], sm.add_constant(mkt[est][ok])).fit()
        resid[ok, j] = res.resid
        ar_period = r[period, j] - res.params[0] - res.params[1] * mkt[period]
        per.append((res, int(ok.sum()), ar_period))
    out = {}
    for w in spec.windows:
        rows = np.arange(day0 + w[0], day0 + w[1] + 1)
        l2 = len(rows)
        car, scar, dof = [], [], []
        for res, n_est, _ in per:
            X = sm.add_constant(mkt[rows], has_constant="add")
            c = float((r[rows, len(car)] - X @ res.params).sum())
            v = l2 * res.scale + float(res.get_prediction(X.sum(axis=0, keepdims=True)).var_pred_mean[0])
            car.append(c)
            scar.append(c / np.sqrt(v))
            dof.append(n_est - 2)
        car, scar, dof = map(np.array, (car, scar, dof))
        N = n
        patell = scar.sum() / np.sqrt(sum(d / (d - 2) for d in dof))
        bmp = np.sqrt(N) * scar.mean() / scar.std(ddof=1)
        corr = pd.DataFrame(resid).corr().to_numpy()  # pairwise-complete
        rbar = (corr.sum() - np.trace(corr)) / (N * (N - 1))
        kp = bmp * np.sqrt((1 - rbar) / (1 + (N - 1) * rbar))
        aar = [np.nanmean(resid[t]) for t in range(len(est))]
        crude = car.mean() / (np.sqrt(l2) * np.std(aar, ddof=1))
        p_hat = np.mean([np.sum(resid[:, j][np.isfinite(resid[:, j])] > 0) / per[j][1] for j in range(N)])
        wins = int((car > 0).sum())
        gsign = (wins - N * p_hat) / np.sqrt(N * p_hat * (1 - p_hat))
        # Corrado rank over estimation + event period, standardised ranks K/(M+1)
        u = np.full((len(est) + len(period), N), np.nan)
        for j in range(N):
            series = np.concatenate([resid[:, j], per[j][2]])
            ok = np.isfinite(series)
            u[ok, j] = stats.rankdata(series[ok]) / (ok.sum() + 1) - 0.5
        z = np.array([np.nansum(u[t]) / np.sqrt(np.isfinite(u[t]).sum()) for t in range(len(u))])
        s = np.sqrt(np.mean(z**2))
        wrows = np.arange(len(est) + w[0] - first, len(est) + w[1] - first + 1)
        rank = z[wrows].sum() / (np.sqrt(l2) * s)
        out[w] = dict(caar=car.mean(), patell=patell, bmp=bmp, kp=kp, crude=crude, gsign=gsign,
                      rank=rank, rbar=rbar, n=N, l1=len(est))
    return out


def test_every_statistic_matches_its_formula():
    r, mkt = _sim()
    spec = EventStudySpec(windows=WINDOWS, placebo=0)
    batch = run_batch(r, mkt[:, None], np.array([350]), spec)
    aggs = {a.window: a for a in aggregates(batch, np.ones(r.shape[1], dtype=bool))}
    ref = _reference(r, mkt, 350, spec)
    for w in WINDOWS:
        got, want = aggs[w], ref[w]
        assert got.n[0] == want["n"]
        assert got.caar[0] == pytest.approx(want["caar"], rel=1e-9)
        assert got.mean_corr[0] == pytest.approx(want["rbar"], rel=1e-9)
        for name in ("patell", "bmp", "kp", "crude", "gsign", "rank"):
            assert got.tests[name][0] == pytest.approx(want[name], rel=1e-8), (w, name)
        n, l1 = want["n"], want["l1"]
        # p-values: stated distributions
        assert got.tests["patell"][1] == pytest.approx(2 * stats.norm.sf(abs(want["patell"])), rel=1e-8)
        assert got.tests["bmp"][1] == pytest.approx(2 * stats.t.sf(abs(want["bmp"]), n - 1), rel=1e-8)
        assert got.tests["kp"][1] == pytest.approx(2 * stats.t.sf(abs(want["kp"]), n - 1), rel=1e-8)
        assert got.tests["crude"][1] == pytest.approx(2 * stats.t.sf(abs(want["crude"]), l1 - 1), rel=1e-8)
        assert got.tests["rank"][1] == pytest.approx(2 * stats.norm.sf(abs(want["rank"])), rel=1e-8)
        assert got.tests["gsign"][1] == pytest.approx(2 * stats.norm.sf(abs(want["gsign"])), rel=1e-8)


def test_planted_effect_is_detected_and_correlation_estimated():
    r, mkt = _sim(effect=-0.20, rho=0.6)
    spec = EventStudySpec(windows=((0, 0),), placebo=0)
    agg = aggregates(run_batch(r, mkt[:, None], np.array([350]), spec), np.ones(8, dtype=bool))[0]
    assert agg.caar[0] == pytest.approx(-0.20, abs=0.03)
    assert 0.4 < agg.mean_corr[0] < 0.8
    assert abs(agg.tests["kp"][0][0]) < abs(agg.tests["bmp"][0][0])  # KP shrinks BMP
    assert agg.tests["patell"][1][0] < 1e-6 and agg.tests["crude"][1][0] < 1e-6


def _rejection_rates(rho: float, seed: int, n_dates: int = 300, n_assets: int = 10):
    """Run the study on n_dates non-overlapping dates of one long simulated series (each
    date an independent sample) with no effect; share of dates each test rejects at 5%."""
    spacing = 275
    n_days = spacing * (n_dates + 1)
    r, mkt = _sim(n_assets=n_assets, n_days=n_days, rho=rho, seed=seed, effect=0.0)
    r[100:110, 2] = r[100:110, 1]  # undo the gap: independent, complete samples
    day0 = spacing * np.arange(1, n_dates + 1)
    spec = EventStudySpec(windows=((0, 0), (0, 5)), placebo=0)
    aggs = aggregates(run_batch(r, mkt[:, None], day0, spec), np.ones(n_assets, dtype=bool))
    return {a.window: {k: float(np.mean(p < 0.05)) for k, (_, p) in a.tests.items()} for a in aggs}


def test_size_iid_rejects_about_five_percent():
    rates = _rejection_rates(rho=0.0, seed=5)
    for w, by_test in rates.items():
        for name, rate in by_test.items():
            # 5% +- ~3.5 standard errors; the sign test is discrete (N = 10), so its size is
            # at most 5% and may be well below
            low = 0.0 if name == "gsign" else 0.01
            assert low <= rate <= 0.10, (w, name, rate)


def test_size_common_date_correlation_bmp_over_rejects_kp_fixes_it():
    rates = _rejection_rates(rho=0.5, seed=6)
    for w, by_test in rates.items():
        assert by_test["bmp"] > 0.20, (w, by_test)
        assert by_test["patell"] > 0.20, (w, by_test)
        assert by_test["kp"] <= 0.10, (w, by_test)
        assert by_test["crude"] <= 0.10, (w, by_test)
