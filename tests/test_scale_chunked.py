"""The chunked engine: exact VaR/ES from per-chunk tails against a full sort of the whole
P&L grid (the formula written out here), chunking-invariant seeded draws, the grid
streamed to Parquet, ES contributions, and the size check."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from stress.errors import InputError
from stress.risk import chunked as ch
from stress.scale.books_var import batch_var, set_exposure, union_tickers
from stress.scenarios.sets import NormalDraws, ScenarioMatrix

RNG = np.random.default_rng(20250127)


def sorted_var_es(pnl: np.ndarray, alpha: float):
    """Reference, from the formula: losses sorted ascending, k = ceil(n alpha),
    VaR = L_(k), ES = (sum_{i>k} L_(i) / n + VaR (k/n - alpha)) / (1 - alpha). pnl (P, n)."""
    n = pnl.shape[1]
    losses = np.sort(-pnl, axis=1)
    k = math.ceil(round(n * alpha, 9))
    var = losses[:, k - 1]
    es = (losses[:, k:].sum(axis=1) / n + var * (k / n - alpha)) / (1 - alpha)
    return var, es


def book_set(p=23, k=7, s=3001):
    returns = RNG.normal(0.0, 0.02, (s, k))
    values = RNG.normal(1e4, 5e3, (p, k))
    return values, ScenarioMatrix(returns, tuple(f"T{i}" for i in range(k)))


@pytest.mark.parametrize("chunk, block", [(3001, 23), (1000, 5), (1, 23), (777, 40), (2999, 7)])
def test_chunked_equals_unchunked_sort(chunk, block):
    values, scen = book_set()
    pnl = values @ scen.returns.T  # (P, S), the whole grid
    expo = ch.Exposure(values, np.zeros(len(values)), 1.0)
    t = ch.tail_var(scen, expo, ch.plan(scen.n, len(values), (0.95, 0.99, 0.999), chunk,
                                        book_block=block), (0.95, 0.99, 0.999))
    for a in (0.95, 0.99, 0.999):
        var, es = sorted_var_es(pnl, a)
        np.testing.assert_allclose(t.var[a], var, rtol=1e-12, atol=0)
        np.testing.assert_allclose(t.es[a], es, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(t.worst_index, np.argmax(-pnl, axis=1))


def test_tail_merge_exact_against_sort_with_ties():
    # integer losses: many ties across chunk borders
    losses = RNG.integers(-50, 50, size=(9, 4000)).astype(float)
    m = 137
    tails = [ch.chunk_tail(losses[:, a:a + 300], a, m) for a in range(0, 4000, 300)]
    vals, rows = ch.merge_tails(tails, m)
    ref = np.sort(losses, axis=1)[:, -m:]
    np.testing.assert_array_equal(np.sort(vals, axis=1), ref)
    # the rows point at those losses
    np.testing.assert_array_equal(np.take_along_axis(losses, rows, axis=1), vals)


def test_engine_with_ties_equals_sort():
    """Integer P&L, many ties, through the engine's filtered merge."""
    values = RNG.integers(-3, 4, (8, 3)).astype(float)
    scen = ScenarioMatrix(RNG.integers(-5, 6, (5_000, 3)).astype(float) / 100, ("A", "B", "C"))
    pnl = values @ scen.returns.T
    expo = ch.Exposure(values, np.zeros(8), 1.0)
    for chunk in (5_000, 321, 50):
        t = ch.tail_var(scen, expo, ch.plan(scen.n, 8, (0.9, 0.99), chunk), (0.9, 0.99))
        for a in (0.9, 0.99):
            var, es = sorted_var_es(pnl, a)
            np.testing.assert_allclose(t.var[a], var, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(t.es[a], es, rtol=1e-12, atol=1e-15)


def test_top_merge_exact_against_sort_with_ties():
    losses = RNG.integers(-50, 50, size=(9, 4000)).astype(float)
    m = 137
    tops = [ch.chunk_top(losses[:, a:a + 300], a, m) for a in range(0, 4000, 300)]
    for merged in (ch.merge_top(tops, m), ch.merge_top(tops[::-1], m)):  # any order
        np.testing.assert_array_equal(np.sort(merged.vals, axis=1), np.sort(losses, axis=1)[:, -m:])
        np.testing.assert_array_equal(merged.worst, losses.max(axis=1))
        np.testing.assert_array_equal(merged.worst_row, np.argmax(losses, axis=1))  # first of ties


def test_tail_size_is_what_var_es_need():
    for n in (1, 2, 19, 20, 21, 100_000, 100_001):
        for a in (0.95, 0.99):
            k = math.ceil(round(n * a, 9))
            assert ch.tail_size(n, [a]) == n - k + 1
    assert ch.tail_size(1000, (0.95, 0.99)) == 51


def test_draws_same_seed_any_chunking_and_the_spawned_children():
    d = NormalDraws(5_432, 6, seed=11)
    whole = d.rows(0, d.n)
    for size in (7, 999, 1000, 1001, 2500, 10_000):
        parts = np.concatenate([d.rows(a, b) for a, b in ch.plan(d.n, 1, chunk=size).chunks])
        np.testing.assert_array_equal(parts, whole)
    # block i is the i-th child of SeedSequence(seed).spawn, independently rebuilt
    kids = np.random.SeedSequence(11).spawn(6)
    ref = np.concatenate([np.random.default_rng(s).standard_normal((1000, 6)) for s in kids])
    np.testing.assert_array_equal(whole, ref[: d.n])
    # a longer run starts with the same draws; another seed differs
    np.testing.assert_array_equal(NormalDraws(9_000, 6, 11).rows(0, d.n), whole)
    assert not np.allclose(NormalDraws(d.n, 6, 12).rows(0, 10), whole[:10])


def test_monte_carlo_var_against_draws_made_into_returns():
    """MC through the engine (books on z) against returns r = h mu + sqrt(h) L z valued
    directly and sorted."""
    n_assets, h = 5, 3
    x = RNG.normal(0.0005, 0.015, (400, n_assets))
    mean, cov = x.mean(axis=0), np.cov(x.T)
    values = RNG.normal(1e5, 4e4, (11, n_assets))
    out = {}
    for chunk in (64_000, 7_000):
        out[chunk] = batch_var(values, [f"A{i}" for i in range(n_assets)], np.full(11, 5e5),
                               [str(i) for i in range(11)], window=x, mean=mean, cov=cov,
                               methods=("montecarlo", "normal", "historical"), horizon=h,
                               n_sims=20_000, seed=4, chunk=chunk)
    z = np.concatenate([np.random.default_rng(s).standard_normal((1000, n_assets))
                        for s in np.random.SeedSequence(4).spawn(20)])
    r = h * mean + math.sqrt(h) * z @ np.linalg.cholesky(cov).T
    pnl = values @ r.T
    # historical: overlapping 3-day sums of the window's P&L
    daily = values @ x.T
    hist = daily[:, :-2] + daily[:, 1:-1] + daily[:, 2:]
    mu, sd = h * values @ mean, np.sqrt(h * np.einsum("pi,ij,pj->p", values, cov, values))
    for a in (0.95, 0.99):
        var, es = sorted_var_es(pnl, a)
        for res in out.values():
            np.testing.assert_allclose(res.var["montecarlo"][a], var, rtol=1e-10)
            np.testing.assert_allclose(res.es["montecarlo"][a], es, rtol=1e-10)
        np.testing.assert_array_equal(out[64_000].var["montecarlo"][a], out[7_000].var["montecarlo"][a])
        hv, he = sorted_var_es(hist, a)
        np.testing.assert_allclose(out[7_000].var["historical"][a], hv, rtol=1e-12)
        np.testing.assert_allclose(out[7_000].es["historical"][a], he, rtol=1e-12)
        z_a = norm.ppf(a)
        np.testing.assert_allclose(out[7_000].var["normal"][a], -mu + sd * z_a, rtol=1e-12)
        np.testing.assert_allclose(out[7_000].es["normal"][a], -mu + sd * norm.pdf(z_a) / (1 - a),
                                   rtol=1e-12)


def test_propagated_ticker_gets_the_conditional_mean():
    """A held ticker missing from the set moves by C_us C_ss^-1 r_s (written out with
    numpy.linalg.solve here)."""
    x = RNG.multivariate_normal(np.zeros(3), [[1, .5, .2], [.5, 1, .3], [.2, .3, 1]], 500) * 0.01
    cov = np.cov(x.T)
    scen = ScenarioMatrix(RNG.normal(0, 0.03, (800, 2)), ("B", "C"))
    tickers = ("A", "B")  # A held, not in the set; C in the set, not held
    allt = union_tickers(tickers, scen.columns)
    assert allt == ("A", "B", "C")
    values = np.array([[100.0, 50.0], [0.0, 10.0]])
    expo, propagated = set_exposure(values, tickers, scen, cov)
    assert propagated == ("A",)
    s, u = [1, 2], [0]
    load = cov[np.ix_(u, s)] @ np.linalg.inv(cov[np.ix_(s, s)])
    r_a = scen.returns @ load.T  # (S, 1)
    pnl = values[:, :1] @ r_a.T + values[:, 1:] @ scen.returns[:, :1].T
    np.testing.assert_allclose(expo.weights @ scen.returns.T, pnl, rtol=1e-12, atol=1e-12)


def test_es_contributions_sum_to_es_and_match_the_tail_scenarios():
    values, scen = book_set(p=6, k=4, s=2000)
    expo = ch.Exposure(values, np.zeros(6), 1.0)
    p = ch.plan(scen.n, 6, (0.975,), 300)
    vals, rows = ch.merge_tails([ch.block_tail(scen, expo, (0, 6), b, p.m) for b in p.chunks], p.m)
    sel, w = ch.tail_weights(vals, rows, scen.n, 0.975)
    contrib = ch.es_contributions(scen, values, np.eye(4), np.zeros(4), sel, w, p)
    pnl = values @ scen.returns.T
    _, es = sorted_var_es(pnl, 0.975)
    np.testing.assert_allclose(contrib.sum(axis=1), es, rtol=1e-12)
    # position by position: weights on the 50 worst (1/(n(1-a))) and the VaR scenario
    order = np.argsort(pnl, axis=1)
    n, a = scen.n, 0.975
    k = math.ceil(n * a)
    for b in range(6):
        worst, at_var = order[b, : n - k], order[b, n - k]
        ref = -values[b] * (scen.returns[worst].sum(axis=0) / (n * (1 - a))
                            + scen.returns[at_var] * (k / n - a) / (1 - a))
        np.testing.assert_allclose(contrib[b], ref, rtol=1e-12)


def test_grid_streamed_to_parquet_equals_the_product(tmp_path):
    import pandas as pd

    from stress.scale.grid_parquet import write_grid

    values, scen = book_set(p=13, k=5, s=1234)
    expo = ch.Exposure(values, np.zeros(13), 1.0)
    names = [f"b{i}" for i in range(13)]
    ids = [f"s{i}" for i in range(scen.n)]
    n = write_grid(tmp_path / "g.parquet", scen, expo, ch.plan(scen.n, 13, (), 500, book_block=4),
                   names, ids)
    assert n == 13 * 1234
    g = pd.read_parquet(tmp_path / "g.parquet")
    wide = g.pivot(index="book", columns="scenario", values="pnl").loc[names, ids]
    np.testing.assert_allclose(wide.to_numpy(), values @ scen.returns.T, rtol=1e-12, atol=1e-9)


def test_size_check_one_line_before_work():
    p = ch.plan(10**10, 100_000, (0.95,), 10**7)
    with pytest.raises(InputError) as exc:
        ch.check_size(p, 500, limit=16 * 2**30)
    msg = str(exc.value)
    assert "\n" not in msg and "100,000 books x 10,000,000,000 scenarios" in msg and "GiB" in msg
    small = ch.plan(1000, 10, (0.99,), 100)
    need = ch.check_size(small, 3, limit=16 * 2**30)
    # the formula, written out: 8 (P K + 2 c K + 2 b c + P m + 2 b (m + c))
    m, c, b = 11, 100, 10
    assert need == 8 * (10 * 3 + 2 * c * 3 + 2 * b * c + 10 * m + 2 * b * (m + c))
    with pytest.raises(InputError):
        ch.check_size(small, 3, limit=need - 1)
