"""The KP mean residual correlation with gaps against the formula it replaced: every
pairwise-complete correlation as an events x assets x assets array (the former
implementation, kept here as the slow reference), on data with planted gaps."""

from __future__ import annotations

import numpy as np
import pytest

from stress.config import load_events
from stress.eventstudy import correlation
from stress.eventstudy.correlation import mean_residual_correlation


def _reference(resid: np.ndarray, include: np.ndarray) -> np.ndarray:
    """Mean over ordered pairs i != j of included assets of the Pearson correlation of
    residuals i and j over their common days (NaN under 3 common days; pairs without a
    finite correlation left out): (B, L, N), (B, N) -> (B,). Loops over pairs."""
    b, _, n = resid.shape
    out = np.full(b, np.nan)
    for e in range(b):
        vals = []
        for i in range(n):
            for j in range(n):
                if i == j or not (include[e, i] and include[e, j]):
                    continue
                both = np.isfinite(resid[e, :, i]) & np.isfinite(resid[e, :, j])
                if both.sum() < 3:
                    continue
                x, y = resid[e, both, i], resid[e, both, j]
                dx, dy = x - x.mean(), y - y.mean()
                den = np.sqrt((dx @ dx) * (dy @ dy))
                if den > 0:
                    vals.append((dx @ dy) / den)
        if vals:
            out[e] = np.mean(vals)
    return out


def _reference_matrix(resid: np.ndarray, include: np.ndarray) -> np.ndarray:
    """The former implementation: (B, N, N) masked matrix products of raw sums, then the
    mean of the finite off-diagonal included entries."""
    m = np.isfinite(resid).astype(float)
    z = np.where(m > 0, resid, 0.0)
    zt, mt = np.swapaxes(z, 1, 2), np.swapaxes(m, 1, 2)
    n = mt @ m
    sx, sxx, sxy = zt @ m, (zt**2) @ m, zt @ z
    with np.errstate(invalid="ignore", divide="ignore"):
        var_i = n * sxx - sx**2
        corr = (n * sxy - sx * np.swapaxes(sx, 1, 2)) / np.sqrt(var_i * np.swapaxes(var_i, 1, 2))
    corr = np.where(n >= 3, corr, np.nan)
    pair = include[:, :, None] & include[:, None, :] & ~np.eye(include.shape[1], dtype=bool)[None]
    pair &= np.isfinite(corr)
    cnt = pair.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, np.where(pair, corr, 0.0).sum(axis=(1, 2)) / cnt, np.nan)


def _resid(b=6, days=60, n=30, rho=0.4, seed=3):
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(b, days, 1))
    return np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.normal(size=(b, days, n))


def _plant_gaps(r, rng, share=0.02):
    r = r.copy()
    r[rng.random(r.shape) < share] = np.nan
    r[0, :20, 3] = np.nan  # a late listing
    r[1, 30:, 5] = np.nan  # a delisting
    r[2, 5:9, :] = np.nan  # a market holiday for everyone
    r[3, :, 7] = np.nan  # never traded
    r[4, :58, 8] = np.nan  # 2 days left: too few to correlate
    r[5, :, :] = np.where(np.arange(r.shape[2]) < 2, r[5], np.nan)  # two assets left
    return r


@pytest.mark.parametrize("seed,sparse,small", [(0, True, False), (1, True, False), (0, False, False),
                                               (0, False, True), (1, True, True)])
def test_gaps_match_pairwise_complete_formula(seed, sparse, small, monkeypatch):
    rng = np.random.default_rng(seed)
    r = _plant_gaps(_resid(seed=seed), rng)
    include = rng.random(r.shape[::2]) < 0.85
    include[5, :2] = True
    monkeypatch.setattr(correlation, "SPARSE_GAPS", 1.0 if sparse else -1.0)
    monkeypatch.setattr(correlation, "SMALL_N", 10_000 if small else 0)  # events at once, or one by one
    ref = _reference(r, include)
    np.testing.assert_allclose(_reference_matrix(r, include), ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(mean_residual_correlation(r, include), ref, rtol=0, atol=1e-12)
    # tiny blocks (rows paired block by block) or chunks of one event give the same mean
    monkeypatch.setattr(correlation, "BLOCK_BYTES", 8 * r.shape[2] * 3)
    monkeypatch.setattr(correlation, "CHUNK_BYTES", 1)
    np.testing.assert_allclose(mean_residual_correlation(r, include), ref, rtol=0, atol=1e-12)
    # several asset sets at once (one per window) equal one call per set
    sets = np.stack([include, include & (np.arange(r.shape[2]) % 3 > 0)])
    many = mean_residual_correlation(r, sets)
    for s in range(2):
        np.testing.assert_allclose(many[s], _reference(r, sets[s]), rtol=0, atol=1e-12)


def test_common_days_path_matches_formula_and_planted_correlation():
    r = _resid(b=3, days=400, n=40, rho=0.3, seed=9)
    r[:, 10:14, :] = np.nan  # gaps on the same days for everyone: the O(L N) path
    include = np.ones(r.shape[::2], dtype=bool)
    include[1, 5:] = False
    got = mean_residual_correlation(r, include)
    np.testing.assert_allclose(got, _reference_matrix(r, include), rtol=0, atol=1e-12)
    np.testing.assert_allclose(got, 0.3, atol=0.06)  # the planted correlation
    # event chunks of one event each give the same numbers
    old = correlation.CHUNK_BYTES
    try:
        correlation.CHUNK_BYTES = 1
        np.testing.assert_allclose(mean_residual_correlation(r, include), got, rtol=0, atol=1e-15)
    finally:
        correlation.CHUNK_BYTES = old


def test_fewer_than_two_assets_is_nan():
    r = _resid(b=2, n=4)
    r[1, 3, 0] = np.nan
    include = np.array([[True, False, False, False], [False, True, False, False]])
    assert np.isnan(mean_residual_correlation(r, include)).all()


def test_real_listings_in_the_estimation_window(sample_store):
    """DeepSeek R1 (2025-01-27): GEV and NNE listed during the estimation window,
    so their pairs have fewer common days; the KP r equals the pair loop on the real
    residuals, and the result's mean_corr is that number."""
    from stress.data.provider import load_closes
    from stress.eventstudy import EventStudySpec, run_event_study
    from stress.eventstudy.batch import run_batch
    from stress.returns import to_returns

    names = ["VST", "CEG", "TLN", "NRG", "GEV", "NNE", "CORZ"]
    closes = load_closes(sample_store, names + ["SPY"])
    spec = EventStudySpec(placebo=0, min_estimation=60)
    res = run_event_study(closes, "deepseek-r1", names, spec, catalogue=load_events())
    rets = to_returns(closes[closes["SPY"].notna()])
    day0 = np.array([rets.index.get_loc(rets.loc["2025-01-27"].name)])
    batch = run_batch(rets[names].to_numpy(), rets[["SPY"]].to_numpy(), day0, spec)
    resid = batch.fit.resid
    listed_late = ~np.isfinite(resid[0]).all(axis=0)
    assert listed_late[[4, 5]].all() and not listed_late[:4].any()  # GEV, NNE
    include = np.isfinite(batch.windows[0].car) & (batch.fit.n_est >= 60)
    want = _reference(resid, include)
    got = mean_residual_correlation(resid, include)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert 0.2 < want[0] < 0.8  # AI-power names move together
    np.testing.assert_allclose(res.window((0, 0)).mean_corr, want[0], rtol=0, atol=1e-12)


def test_baselines_of_several_sets_equal_one_baseline_per_set():
    """The windows' different usable sets (returns missing inside a window) in one pass
    give each set's crude-test AAR sd, rank-test Z_t and sign-test shares of the
    per-set computation."""
    from stress.eventstudy.significance import baseline, baselines, centred_ranks

    rng = np.random.default_rng(5)
    r = _plant_gaps(_resid(b=6, days=80, n=25, seed=5), rng)
    u = centred_ranks(r)
    n_est = np.isfinite(r).sum(axis=1)
    sets = rng.random((3,) + r.shape[::2]) < 0.8
    sets[2, 0] = False  # an empty set on one date
    kp = mean_residual_correlation(r, sets)
    got = baselines(r, u, n_est, sets, kp)
    for s in range(3):
        want = baseline(r, u, n_est, sets[s])
        for name in ("r", "sd_aar", "m_days", "zt", "s_rank", "pos_share"):
            np.testing.assert_allclose(getattr(got[s], name), getattr(want, name), rtol=1e-12, atol=1e-14,
                                       err_msg=name)


def _listings(b=3, days=80, n=60, seed=11):
    """Residuals where most assets trade every day, three groups list late (at days 10,
    25, 40), one group shares a market closure, and a few assets have random gaps."""
    rng = np.random.default_rng(seed)
    r = _resid(b=b, days=days, n=n, rho=0.35, seed=seed)
    r[:, :10, 40:45] = np.nan
    r[:, :25, 45:48] = np.nan
    r[:, :40, 48:52] = np.nan
    r[:, 30:33, 52:56] = np.nan  # a closure shared by a group
    r[:, :, 56:][rng.random((b, days, 4)) < 0.05] = np.nan  # masks of their own
    r[1, :78, 44] = np.nan  # 2 days left: its pairs have too few common days
    return r


@pytest.mark.parametrize("sparse", [True, False])
def test_shared_masks_grouped_match_pair_loop(sparse, monkeypatch):
    r = _listings()
    on = np.isfinite(r[0])
    alone, groups = correlation._patterns(on)  # the grouping pays here
    assert set(alone) >= set(range(56, 60)) and len(groups) == 5
    monkeypatch.setattr(correlation, "SPARSE_GAPS", 1.0 if sparse else -1.0)
    monkeypatch.setattr(correlation, "SMALL_N", 0)  # the one-event path that groups
    calls = []
    real = correlation._group_sums
    monkeypatch.setattr(correlation, "_group_sums", lambda *a: calls.append(1) or real(*a))
    rng = np.random.default_rng(2)
    include = rng.random(r.shape[::2]) < 0.9
    got = mean_residual_correlation(r, include)
    assert len(calls) == r.shape[0]
    np.testing.assert_allclose(got, _reference(r, include), rtol=0, atol=1e-12)
    sets = np.stack([include, include & (np.arange(r.shape[2]) % 4 > 0)])
    many = mean_residual_correlation(r, sets)
    for s in range(2):
        np.testing.assert_allclose(many[s], _reference(r, sets[s]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(got, 0.35, atol=0.1)  # the planted residual correlation


def test_random_masks_are_not_grouped():
    rng = np.random.default_rng(0)
    on = rng.random((240, 300)) > 0.01
    assert correlation._patterns(on) is None


def test_blas_on_one_thread_inside_aggregates(monkeypatch):
    """aggregates runs BLAS on one thread (its products are small) with or without
    threads of its own, and restores the setting after."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from stress.eventstudy import EventStudySpec
    from stress.eventstudy import batch as batch_mod

    def blas_threads():
        return max(i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")

    seen = []
    real = batch_mod._aggregates
    monkeypatch.setattr(batch_mod, "_aggregates", lambda *a: seen.append(blas_threads()) or real(*a))
    rng = np.random.default_rng(1)
    r = rng.normal(0, 0.01, (400, 30))
    r[rng.random(r.shape) < 0.01] = np.nan
    mkt = rng.normal(0, 0.01, (400, 1))
    spec = EventStudySpec(model="market", market="MKT", estimation=(-120, -11), windows=((0, 0), (0, 5)),
                          min_estimation=60, placebo=0)
    b = batch_mod.run_batch(r, mkt, np.arange(150, 390, 20), spec, threads=1)
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        batch_mod.aggregates(b, np.ones(30, dtype=bool), threads=2, min_parallel=0)
        batch_mod.aggregates(b, np.ones(30, dtype=bool), threads=1)
        assert len(seen) > 2 and set(seen) == {1}
        assert blas_threads() == 2  # restored
